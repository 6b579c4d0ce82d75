import { requantize, type Requantization } from './requantize.js';

// x: [Tin, Cin] int8 -> y: [Tout, Cout] int8, packed w: [Cout/4, K, Cin/groups, 2] (see packConv1dInt8Weights)
// The same result as conv1d-int8.ts, made fast. Two tricks, both exact:
// - Two weights share one float64: w0 + w1 * 2^25. One multiply-add by an int8 input then does
//   two MACs, and the two sums come apart at the end because each stays below 2^24 in magnitude
//   (at most 1023 products of at most 2^14) while the whole stays below 2^53.
// - The input zero point comes out once per output as zeroPoint * (sum of the channel's
//   weights), not once per product.
export const INT8_BLOCK = 4;
export const INT8_LANE = 2 ** 25;
const LANE = INT8_LANE;
const MAX_TERMS = 1023;

export interface PackedInt8Weights {
  /** Pairs of output channels' weights, w0 + w1 * 2^25, as [Cout/4, K, CinG, 2]. */
  pairs: Float64Array;
  /** Sum of each output channel's weights, for the zero-point correction. */
  sums: Int32Array;
}

/**
 * Packs [Cout, K, CinG] int8 weights, or returns null when the shape does not suit the fast kernel.
 * `termsPerOutput`: products summed into one output (K * CinG for a convolution).
 */
export function packConv1dInt8Weights(
  w: Int8Array,
  cOut: number,
  kernel: number,
  cInG: number,
  groups: number,
  termsPerOutput = kernel * cInG,
): PackedInt8Weights | null {
  if ((cOut / groups) % INT8_BLOCK !== 0 || termsPerOutput > MAX_TERMS) return null;
  const pairs = new Float64Array(w.length / 2);
  const sums = new Int32Array(cOut);
  const at = (co: number, k: number, c: number) => w[(co * kernel + k) * cInG + c];
  let p = 0;
  for (let block = 0; block < cOut; block += INT8_BLOCK) {
    for (let k = 0; k < kernel; k++) {
      for (let c = 0; c < cInG; c++) {
        pairs[p++] = at(block, k, c) + at(block + 1, k, c) * LANE;
        pairs[p++] = at(block + 2, k, c) + at(block + 3, k, c) * LANE;
      }
    }
    for (let j = 0; j < INT8_BLOCK; j++) {
      for (let i = 0; i < kernel * cInG; i++) sums[block + j] += w[(block + j) * kernel * cInG + i];
    }
  }
  return { pairs, sums };
}

export function conv1dInt8Blocked(
  x: Int8Array,
  tIn: number,
  cIn: number,
  inputZeroPoint: number,
  weights: PackedInt8Weights,
  bias: Int32Array | null,
  kernel: number,
  stride: number,
  dilation: number,
  groups: number,
  y: Int8Array,
  cOut: number,
  requant: Requantization,
): void {
  const { pairs, sums } = weights;
  const cInG = cIn / groups;
  const cOutG = cOut / groups;
  const tOut = Math.floor((tIn - dilation * (kernel - 1) - 1) / stride) + 1;
  const blockSize = kernel * cInG * 2;
  let t = 0;
  // Two output steps per pass where possible: each packed weight pair is then loaded once for both.
  for (; t + 1 < tOut; t += 2)
    twoSteps(x, t, cIn, inputZeroPoint, weights, bias, kernel, stride, dilation, groups, y, cOut, requant);
  for (; t < tOut; t++) {
    for (let co = 0; co < cOut; co += INT8_BLOCK) {
      const inBase = t * stride * cIn + Math.floor(co / cOutG) * cInG;
      let w = (co / INT8_BLOCK) * blockSize;
      let s01 = 0;
      let s23 = 0;
      for (let k = 0; k < kernel; k++) {
        const xk = inBase + k * dilation * cIn;
        for (let c = 0; c < cInG; c++, w += 2) {
          const xv = x[xk + c];
          s01 += xv * pairs[w];
          s23 += xv * pairs[w + 1];
        }
      }
      storeBlock(y, t * cOut + co, co, s01, s23, inputZeroPoint, sums, bias, requant);
    }
  }
}

/** Output steps t and t + 1 of conv1dInt8Blocked. */
function twoSteps(
  x: Int8Array,
  t: number,
  cIn: number,
  inputZeroPoint: number,
  weights: PackedInt8Weights,
  bias: Int32Array | null,
  kernel: number,
  stride: number,
  dilation: number,
  groups: number,
  y: Int8Array,
  cOut: number,
  requant: Requantization,
): void {
  const { pairs, sums } = weights;
  const cInG = cIn / groups;
  const cOutG = cOut / groups;
  const blockSize = kernel * cInG * 2;
  const nextStep = stride * cIn;
  for (let co = 0; co < cOut; co += INT8_BLOCK) {
    const inBase = t * stride * cIn + Math.floor(co / cOutG) * cInG;
    let w = (co / INT8_BLOCK) * blockSize;
    let a01 = 0,
      a23 = 0,
      b01 = 0,
      b23 = 0;
    for (let k = 0; k < kernel; k++) {
      const xa = inBase + k * dilation * cIn;
      const xb = xa + nextStep;
      for (let c = 0; c < cInG; c++, w += 2) {
        const p01 = pairs[w],
          p23 = pairs[w + 1];
        const va = x[xa + c],
          vb = x[xb + c];
        a01 += va * p01;
        a23 += va * p23;
        b01 += vb * p01;
        b23 += vb * p23;
      }
    }
    storeBlock(y, t * cOut + co, co, a01, a23, inputZeroPoint, sums, bias, requant);
    storeBlock(y, (t + 1) * cOut + co, co, b01, b23, inputZeroPoint, sums, bias, requant);
  }
}

/** Unpacks the two paired sums of output channels co..co+3, corrects for the zero point, adds the bias, requantizes. */
function storeBlock(
  y: Int8Array,
  out: number,
  co: number,
  s01: number,
  s23: number,
  inputZeroPoint: number,
  sums: Int32Array,
  bias: Int32Array | null,
  requant: Requantization,
): void {
  const u01 = Math.round(s01 / LANE);
  const u23 = Math.round(s23 / LANE);
  const b0 = bias ? bias[co] : 0,
    b1 = bias ? bias[co + 1] : 0,
    b2 = bias ? bias[co + 2] : 0,
    b3 = bias ? bias[co + 3] : 0;
  y[out] = requantize(s01 - u01 * LANE - inputZeroPoint * sums[co] + b0, co, requant);
  y[out + 1] = requantize(u01 - inputZeroPoint * sums[co + 1] + b1, co + 1, requant);
  y[out + 2] = requantize(s23 - u23 * LANE - inputZeroPoint * sums[co + 2] + b2, co + 2, requant);
  y[out + 3] = requantize(u23 - inputZeroPoint * sums[co + 3] + b3, co + 3, requant);
}

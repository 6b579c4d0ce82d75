import type { Requantization } from './requantize.js';
import { type PreparedRequantization, requantizePrepared } from './requantize-prepared.js';

// x: [Tin, Cin] int8 codes minus the zero point, as float64 (centreInt8) -> y: [Tout, Cout] int8,
// packed w: [Cout/4, K, Cin/groups, 2] (see packConv1dInt8Weights)
// The same result as conv1d-int8.ts, made fast. Two weights share one float64: w0 + w1 * 2^26.
// One multiply-add by a centred input then does two MACs, exactly, and the two sums come apart
// at the end: a centred input is at most 255 in magnitude and a weight 128, so each of at most
// 1023 products stays below 2^15 and each channel's sum below 2^25, half the lane, while the
// whole stays below 2^52. Integer sums are exact in any order, so the inner loop takes two
// input channels per pass.
export const INT8_BLOCK = 4;
export const INT8_LANE = 2 ** 26;
const LANE = INT8_LANE;
const MAX_TERMS = 1023;

/**
 * Packs [Cout, K, CinG] int8 weights as pairs of output channels' weights, w0 + w1 * 2^26, laid
 * out [Cout/4, K, CinG, 2]; or returns null when the shape does not suit the fast kernel.
 * `termsPerOutput`: products summed into one output (K * CinG for a convolution).
 */
export function packConv1dInt8Weights(
  w: Int8Array,
  cOut: number,
  kernel: number,
  cInG: number,
  groups: number,
  termsPerOutput = kernel * cInG,
): Float64Array | null {
  if ((cOut / groups) % INT8_BLOCK !== 0 || termsPerOutput > MAX_TERMS) return null;
  const pairs = new Float64Array(w.length / 2);
  const at = (co: number, k: number, c: number) => w[(co * kernel + k) * cInG + c];
  let p = 0;
  for (let block = 0; block < cOut; block += INT8_BLOCK) {
    for (let k = 0; k < kernel; k++) {
      for (let c = 0; c < cInG; c++) {
        pairs[p++] = at(block, k, c) + at(block + 1, k, c) * LANE;
        pairs[p++] = at(block + 2, k, c) + at(block + 3, k, c) * LANE;
      }
    }
  }
  return pairs;
}

export function conv1dInt8Blocked(
  x: Float64Array,
  tIn: number,
  cIn: number,
  pairs: Float64Array,
  bias: Int32Array | null,
  kernel: number,
  stride: number,
  dilation: number,
  groups: number,
  y: Int8Array,
  cOut: number,
  requant: Requantization,
  prepared: PreparedRequantization,
): void {
  const cInG = (cIn / groups) | 0;
  const cOutG = (cOut / groups) | 0;
  const tOut = (Math.floor((tIn - dilation * (kernel - 1) - 1) / stride) + 1) | 0;
  const blockSize = kernel * cInG * 2;
  const even = cInG - (cInG % 2);
  let t = 0;
  // Two output steps per pass where possible: each packed weight pair is then loaded once for both.
  for (; t + 1 < tOut; t += 2)
    twoSteps(x, t, cIn, pairs, bias, kernel, stride, dilation, groups, y, cOut, requant, prepared);
  for (; t < tOut; t++) {
    for (let co = 0; co < cOut; co += INT8_BLOCK) {
      const inBase = t * stride * cIn + ((co / cOutG) | 0) * cInG;
      let w = ((co / INT8_BLOCK) | 0) * blockSize;
      let s01 = 0;
      let s23 = 0;
      for (let k = 0; k < kernel; k++) {
        const xk = inBase + k * dilation * cIn;
        let c = 0;
        for (; c < even; c += 2, w += 4) {
          const xv = x[xk + c];
          const xu = x[xk + c + 1];
          s01 += xv * pairs[w] + xu * pairs[w + 2];
          s23 += xv * pairs[w + 1] + xu * pairs[w + 3];
        }
        if (c < cInG) {
          const xv = x[xk + c];
          s01 += xv * pairs[w];
          s23 += xv * pairs[w + 1];
          w += 2;
        }
      }
      storeBlock(y, t * cOut + co, co, s01, s23, bias, requant, prepared);
    }
  }
}

/** Output steps t and t + 1 of conv1dInt8Blocked. */
function twoSteps(
  x: Float64Array,
  t: number,
  cIn: number,
  pairs: Float64Array,
  bias: Int32Array | null,
  kernel: number,
  stride: number,
  dilation: number,
  groups: number,
  y: Int8Array,
  cOut: number,
  requant: Requantization,
  prepared: PreparedRequantization,
): void {
  const cInG = (cIn / groups) | 0;
  const cOutG = (cOut / groups) | 0;
  const blockSize = kernel * cInG * 2;
  const nextStep = stride * cIn;
  const even = cInG - (cInG % 2);
  for (let co = 0; co < cOut; co += INT8_BLOCK) {
    const inBase = t * stride * cIn + ((co / cOutG) | 0) * cInG;
    let w = ((co / INT8_BLOCK) | 0) * blockSize;
    let a01 = 0,
      a23 = 0,
      b01 = 0,
      b23 = 0;
    for (let k = 0; k < kernel; k++) {
      const xa = inBase + k * dilation * cIn;
      const xb = xa + nextStep;
      let c = 0;
      for (; c < even; c += 2, w += 4) {
        const p01 = pairs[w],
          p23 = pairs[w + 1],
          q01 = pairs[w + 2],
          q23 = pairs[w + 3];
        const va = x[xa + c],
          vb = x[xb + c],
          ua = x[xa + c + 1],
          ub = x[xb + c + 1];
        a01 += va * p01 + ua * q01;
        a23 += va * p23 + ua * q23;
        b01 += vb * p01 + ub * q01;
        b23 += vb * p23 + ub * q23;
      }
      if (c < cInG) {
        const p01 = pairs[w],
          p23 = pairs[w + 1];
        const va = x[xa + c],
          vb = x[xb + c];
        a01 += va * p01;
        a23 += va * p23;
        b01 += vb * p01;
        b23 += vb * p23;
        w += 2;
      }
    }
    storeBlock(y, t * cOut + co, co, a01, a23, bias, requant, prepared);
    storeBlock(y, (t + 1) * cOut + co, co, b01, b23, bias, requant, prepared);
  }
}

/** Unpacks the two paired sums of output channels co..co+3, adds the bias, requantizes. */
export function storeBlock(
  y: Int8Array,
  out: number,
  co: number,
  s01: number,
  s23: number,
  bias: Int32Array | null,
  requant: Requantization,
  prepared: PreparedRequantization,
): void {
  const u01 = Math.round(s01 / LANE);
  const u23 = Math.round(s23 / LANE);
  const b0 = bias ? bias[co] : 0,
    b1 = bias ? bias[co + 1] : 0,
    b2 = bias ? bias[co + 2] : 0,
    b3 = bias ? bias[co + 3] : 0;
  y[out] = requantizePrepared(s01 - u01 * LANE + b0, co, prepared, requant);
  y[out + 1] = requantizePrepared(u01 + b1, co + 1, prepared, requant);
  y[out + 2] = requantizePrepared(s23 - u23 * LANE + b2, co + 2, prepared, requant);
  y[out + 3] = requantizePrepared(u23 + b3, co + 3, prepared, requant);
}

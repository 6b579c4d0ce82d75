import type { Requantization } from './requantize.js';
import { type PreparedRequantization, requantizeRows } from './requantize-rows.js';

// x: [Tin, Cin] int8 codes minus the zero point, as float64 (centreInt8) -> y: [Tout, Cout] int8,
// packed w: [Cout/4, K, Cin/groups, 2] (see packConv1dInt8Weights), acc: [Tout, Cout] scratch
// The same result as conv1d-int8.ts, made fast. Two weights share one float64: w0 + w1 * 2^26.
// One multiply-add by a centred input then does two MACs, exactly, and the two sums come apart
// at the end: a centred input is at most 255 in magnitude and a weight 128, so each of at most
// 1023 products stays below 2^15 and each channel's sum below 2^25, half the lane, while the
// whole stays below 2^52. Integer sums are exact in any order, so the inner loops take two or
// four input channels per pass. The int32 sums of the whole output go to acc, and requantizeRows
// requantizes them in one pass at the end.
export const INT8_BLOCK = 4;
export const INT8_LANE = 2 ** 26;
const LANE = INT8_LANE;
const INV_LANE = 2 ** -26;
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
  acc: Float64Array,
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
  // Where a group has eight output channels, two output steps and eight channels per pass: each
  // packed weight pair is loaded once for both steps and each input value once for eight channels.
  // Any other step (and every step of a group of four) goes one at a time, four channels per pass.
  if (cOutG % 8 === 0)
    for (; t + 1 < tOut; t += 2) twoSteps(x, t, cIn, pairs, bias, kernel, stride, dilation, groups, acc, cOut);
  for (; t < tOut; t++) {
    for (let co = 0; co < cOut; co += INT8_BLOCK) {
      const inBase = t * stride * cIn + ((co / cOutG) | 0) * cInG;
      let w = ((co / INT8_BLOCK) | 0) * blockSize;
      let s01 = 0;
      let s23 = 0;
      for (let k = 0; k < kernel; k++) {
        const xk = inBase + k * dilation * cIn;
        let c = 0;
        for (; c + 3 < cInG; c += 4, w += 8) {
          const xv = x[xk + c];
          const xu = x[xk + c + 1];
          const xs = x[xk + c + 2];
          const xr = x[xk + c + 3];
          s01 += xv * pairs[w] + xu * pairs[w + 2] + (xs * pairs[w + 4] + xr * pairs[w + 6]);
          s23 += xv * pairs[w + 1] + xu * pairs[w + 3] + (xs * pairs[w + 5] + xr * pairs[w + 7]);
        }
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
      unpackBlock(acc, t * cOut + co, co, s01, s23, bias);
    }
  }
  requantizeRows(acc, tOut * cOut, cOut, prepared, requant, y);
}

/** Output steps t and t + 1 of conv1dInt8Blocked, eight output channels (two packed blocks) per pass. */
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
  acc: Float64Array,
  cOut: number,
): void {
  const cInG = (cIn / groups) | 0;
  const cOutG = (cOut / groups) | 0;
  const blockSize = kernel * cInG * 2;
  const nextStep = stride * cIn;
  const even = cInG - (cInG % 2);
  for (let co = 0; co < cOut; co += 8) {
    const inBase = t * stride * cIn + ((co / cOutG) | 0) * cInG;
    let w = ((co / INT8_BLOCK) | 0) * blockSize;
    let a01 = 0,
      a23 = 0,
      a45 = 0,
      a67 = 0,
      b01 = 0,
      b23 = 0,
      b45 = 0,
      b67 = 0;
    for (let k = 0; k < kernel; k++) {
      const xa = inBase + k * dilation * cIn;
      const xb = xa + nextStep;
      let c = 0;
      for (; c < even; c += 2, w += 4) {
        const v = w + blockSize;
        const va = x[xa + c],
          vb = x[xb + c],
          ua = x[xa + c + 1],
          ub = x[xb + c + 1];
        const p01 = pairs[w],
          q01 = pairs[w + 2];
        a01 += va * p01 + ua * q01;
        b01 += vb * p01 + ub * q01;
        const p23 = pairs[w + 1],
          q23 = pairs[w + 3];
        a23 += va * p23 + ua * q23;
        b23 += vb * p23 + ub * q23;
        const p45 = pairs[v],
          q45 = pairs[v + 2];
        a45 += va * p45 + ua * q45;
        b45 += vb * p45 + ub * q45;
        const p67 = pairs[v + 1],
          q67 = pairs[v + 3];
        a67 += va * p67 + ua * q67;
        b67 += vb * p67 + ub * q67;
      }
      if (c < cInG) {
        const v = w + blockSize;
        const va = x[xa + c],
          vb = x[xb + c];
        a01 += va * pairs[w];
        a23 += va * pairs[w + 1];
        a45 += va * pairs[v];
        a67 += va * pairs[v + 1];
        b01 += vb * pairs[w];
        b23 += vb * pairs[w + 1];
        b45 += vb * pairs[v];
        b67 += vb * pairs[v + 1];
        w += 2;
      }
    }
    unpackBlock(acc, t * cOut + co, co, a01, a23, bias);
    unpackBlock(acc, t * cOut + co + 4, co + 4, a45, a67, bias);
    unpackBlock(acc, (t + 1) * cOut + co, co, b01, b23, bias);
    unpackBlock(acc, (t + 1) * cOut + co + 4, co + 4, b45, b67, bias);
  }
}

/**
 * Unpacks the two paired sums of output channels co..co+3 into acc, bias added. The high lane is
 * s / 2^26 rounded to nearest, as floor(s / 2^26 + 1/2): exact (s / 2^26 needs no bit below 2^-26
 * and stays below 2^26), and Math.floor is one instruction where V8's Math.round branches on the
 * value.
 */
export function unpackBlock(
  acc: Float64Array,
  out: number,
  co: number,
  s01: number,
  s23: number,
  bias: Int32Array | null,
): void {
  const u01 = Math.floor(s01 * INV_LANE + 0.5);
  const u23 = Math.floor(s23 * INV_LANE + 0.5);
  acc[out] = s01 - u01 * LANE + (bias ? bias[co] : 0);
  acc[out + 1] = u01 + (bias ? bias[co + 1] : 0);
  acc[out + 2] = s23 - u23 * LANE + (bias ? bias[co + 2] : 0);
  acc[out + 3] = u23 + (bias ? bias[co + 3] : 0);
}

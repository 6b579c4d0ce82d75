// The 'fast' float kernels sum each output in float64 and round once. Their naive twins below do
// the same sums in the same order, one output at a time, so the fast kernels must match them bit
// for bit; and, as a check on the twins, they must lie within a float32 rounding of an exact
// (float64) computation in any order.
import { describe, expect, it } from 'vitest';
import { packConv1dWeights } from '../../src/kernels/conv1d-blocked.js';
import { conv1dFast } from '../../src/kernels/conv1d-fast.js';
import { transposedConv1dFast } from '../../src/kernels/transposed-conv1d-fast.js';
import { firstBitMismatch, Rng, SENTINEL } from './random.js';

/** y[t][co] = sum over taps k and channels c of the group (in that order) of x * w, then + bias, in float64. */
function naiveConv1dFloat64(
  x: Float32Array,
  cIn: number,
  w: Float32Array,
  bias: Float32Array | null,
  kernel: number,
  stride: number,
  dilation: number,
  groups: number,
  cOut: number,
  tOut: number,
): Float32Array {
  const y = new Float32Array(tOut * cOut);
  const cInG = cIn / groups;
  const cOutG = cOut / groups;
  for (let t = 0; t < tOut; t++) {
    for (let co = 0; co < cOut; co++) {
      const group = Math.floor(co / cOutG);
      let sum = 0;
      for (let k = 0; k < kernel; k++) {
        for (let c = 0; c < cInG; c++) {
          sum += x[(t * stride + k * dilation) * cIn + group * cInG + c] * w[(co * kernel + k) * cInG + c];
        }
      }
      if (bias) sum += bias[co];
      y[t * cOut + co] = sum;
    }
  }
  return y;
}

/** y[o][co] = sum over inputs i reaching o (earliest first) and channels c of x[i][c] * w[co][o - i*stride][c], + bias. */
function naiveTransposedConv1dFloat64(
  x: Float32Array,
  tIn: number,
  cIn: number,
  w: Float32Array,
  bias: Float32Array | null,
  kernel: number,
  stride: number,
  cOut: number,
): Float32Array {
  const tOut = (tIn - 1) * stride + kernel;
  const y = new Float32Array(tOut * cOut);
  for (let o = 0; o < tOut; o++) {
    for (let co = 0; co < cOut; co++) {
      let sum = 0;
      for (let i = 0; i < tIn; i++) {
        const tap = o - i * stride;
        if (tap < 0 || tap >= kernel) continue;
        for (let c = 0; c < cIn; c++) sum += x[i * cIn + c] * w[(co * kernel + tap) * cIn + c];
      }
      if (bias) sum += bias[co];
      y[o * cOut + co] = sum;
    }
  }
  return y;
}

describe('conv1dFast', () => {
  const cases = [
    // [cIn, cOut, kernel, stride, dilation, groups, tOut]: the model's shapes, then awkward ones
    [64, 64, 1, 1, 1, 1, 20],
    [1, 64, 64, 16, 1, 1, 20],
    [64, 128, 10, 5, 1, 1, 4],
    [128, 128, 1, 1, 1, 2, 4],
    [128, 256, 4, 2, 1, 2, 2],
    [512, 64, 3, 1, 1, 4, 1],
    [3, 8, 3, 2, 3, 1, 7],
    [6, 16, 5, 1, 2, 2, 5],
    [8, 4, 2, 3, 1, 1, 2],
  ] as const;
  it.each(cases)(
    'equals the naive float64 twin bit for bit: cIn %i cOut %i K %i stride %i dilation %i groups %i, %i steps',
    (cIn, cOut, k, s, d, g, tOut) => {
      const rng = new Rng(cIn * 31 + cOut * 7 + k * 3 + tOut);
      const tIn = (tOut - 1) * s + d * (k - 1) + 1;
      const x = rng.f32Array(tIn * cIn, -2, 2);
      const w = rng.f32Array(cOut * k * (cIn / g), -1, 1);
      for (const bias of [rng.f32Array(cOut), null]) {
        const y = new Float32Array(tOut * cOut + 8).fill(SENTINEL);
        conv1dFast(Float64Array.from(x), tIn, cIn, packConv1dWeights(w, cOut, k, cIn / g), bias, k, s, d, g, y, cOut);
        const expected = naiveConv1dFloat64(x, cIn, w, bias, k, s, d, g, cOut, tOut);
        expect(firstBitMismatch(y, expected)).toBeNull();
        expect(y[tOut * cOut]).toBe(SENTINEL);
      }
    },
  );

  it('is within one float32 rounding of the exact result', () => {
    const rng = new Rng(5);
    const [cIn, cOut, k, tOut] = [64, 8, 3, 6];
    const tIn = tOut + k - 1;
    const x = rng.f32Array(tIn * cIn, -2, 2);
    const w = rng.f32Array(cOut * k * cIn);
    const y = new Float32Array(tOut * cOut);
    conv1dFast(Float64Array.from(x), tIn, cIn, packConv1dWeights(w, cOut, k, cIn), null, k, 1, 1, 1, y, cOut);
    for (let t = 0; t < tOut; t++) {
      for (let co = 0; co < cOut; co++) {
        // Products of float32 values are exact in float64; summing from the largest magnitude down
        // to the smallest keeps the float64 error far below a float32 rounding.
        const terms: number[] = [];
        for (let j = 0; j < k; j++)
          for (let c = 0; c < cIn; c++) terms.push(x[(t + j) * cIn + c] * w[(co * k + j) * cIn + c]);
        terms.sort((a, b) => Math.abs(b) - Math.abs(a));
        const exact = terms.reduce((s, v) => s + v, 0);
        expect(Math.abs(y[t * cOut + co] - exact)).toBeLessThanOrEqual(Math.abs(exact) * 2 ** -24 + 1e-12);
      }
    }
  });
});

describe('transposedConv1dFast', () => {
  const cases = [
    // [cIn, cOut, kernel, stride, tIn]
    [128, 64, 10, 5, 4],
    [64, 1, 64, 16, 20],
    [128, 64, 4, 2, 2],
    [3, 4, 5, 2, 3],
    [5, 6, 3, 3, 4],
    [2, 8, 2, 4, 3],
  ] as const;
  it.each(cases)(
    'equals the naive float64 twin bit for bit: cIn %i cOut %i K %i stride %i, %i steps',
    (cIn, cOut, k, s, tIn) => {
      const rng = new Rng(cIn * 17 + cOut * 5 + k + tIn);
      const tOut = (tIn - 1) * s + k;
      const x = rng.f32Array(tIn * cIn, -2, 2);
      const w = rng.f32Array(cOut * k * cIn);
      const packed = cOut % 4 === 0 ? packConv1dWeights(w, cOut, k, cIn) : null;
      for (const bias of [rng.f32Array(cOut), null]) {
        const y = new Float32Array(tOut * cOut + 8).fill(SENTINEL);
        transposedConv1dFast(Float64Array.from(x), tIn, cIn, w, packed, bias, k, s, y, cOut);
        expect(firstBitMismatch(y, naiveTransposedConv1dFloat64(x, tIn, cIn, w, bias, k, s, cOut))).toBeNull();
        expect(y[tOut * cOut]).toBe(SENTINEL);
      }
    },
  );
});

// depthwiseConv1d (float) against naive references built from the definition:
//   y[t][c] = bias[c] + sum_k x[t + k*dilation][c] * w[k][c]
// in float64 (tolerance) and in float32 in the documented order (bit for bit): rounded products
// summed tap by tap from zero, bias added last.
import { describe, expect, it } from 'vitest';
import { depthwiseConv1d } from '../../src/kernels/depthwise-conv1d.js';
import { Rng, SENTINEL, firstBitMismatch, firstToleranceMismatch, sumTolerance } from './random.js';

const fr = Math.fround;

interface Case {
  name: string;
  tIn: number;
  channels: number;
  kernel: number;
  dilation: number;
  bias: boolean;
  wide?: boolean;
}

interface Data {
  x: Float32Array;
  w: Float32Array;
  b: Float32Array | null;
  X: number[][]; // [t][c]
  W: number[][]; // [k][c]
  B: number[] | null;
}

function outputFrames(tIn: number, kernel: number, dilation: number): number {
  let n = 0;
  while (n + (kernel - 1) * dilation <= tIn - 1) n++;
  return n;
}

function makeData(c: Case, rng: Rng): Data {
  const value = () => (c.wide ? fr(rng.wideFloat(-10, 3)) : rng.float(-1, 1));
  const X = Array.from({ length: c.tIn }, () => Array.from({ length: c.channels }, value));
  const W = Array.from({ length: c.kernel }, () => Array.from({ length: c.channels }, value));
  const B = c.bias ? Array.from({ length: c.channels }, () => rng.float(-1, 1)) : null;
  const x = new Float32Array(c.tIn * c.channels);
  for (let t = 0; t < c.tIn; t++) for (let ch = 0; ch < c.channels; ch++) x[t * c.channels + ch] = X[t][ch];
  const w = new Float32Array(c.kernel * c.channels);
  for (let k = 0; k < c.kernel; k++) for (let ch = 0; ch < c.channels; ch++) w[k * c.channels + ch] = W[k][ch];
  return { x, w, b: B ? Float32Array.from(B) : null, X, W, B };
}

function referenceFloat64(c: Case, d: Data): { y: number[]; tol: number[] } {
  const y: number[] = [];
  const tol: number[] = [];
  for (let t = 0; t < outputFrames(c.tIn, c.kernel, c.dilation); t++) {
    for (let ch = 0; ch < c.channels; ch++) {
      let sum = d.B ? d.B[ch] : 0;
      let sumAbs = Math.abs(sum);
      for (let k = 0; k < c.kernel; k++) {
        const p = d.X[t + k * c.dilation][ch] * d.W[k][ch];
        sum += p;
        sumAbs += Math.abs(p);
      }
      y.push(sum);
      tol.push(sumTolerance(c.kernel + 1, sumAbs));
    }
  }
  return { y, tol };
}

function referenceFloat32(c: Case, d: Data): number[] {
  const y: number[] = [];
  for (let t = 0; t < outputFrames(c.tIn, c.kernel, c.dilation); t++) {
    for (let ch = 0; ch < c.channels; ch++) {
      let sum = 0;
      for (let k = 0; k < c.kernel; k++) sum = fr(sum + fr(d.X[t + k * c.dilation][ch] * d.W[k][ch]));
      y.push(d.B ? fr(sum + d.B[ch]) : sum);
    }
  }
  return y;
}

function runKernel(c: Case, d: Data): { y: Float32Array; size: number } {
  const size = outputFrames(c.tIn, c.kernel, c.dilation) * c.channels;
  const y = new Float32Array(size + 11).fill(SENTINEL);
  depthwiseConv1d(d.x, c.tIn, c.channels, d.w, d.b, c.kernel, c.dilation, y);
  return { y, size };
}

const edgeCases: Case[] = [
  { name: 'dilation 9', tIn: 40, channels: 6, kernel: 3, dilation: 9, bias: true },
  { name: 'dilation 9, no bias, wide values', tIn: 30, channels: 5, kernel: 3, dilation: 9, bias: false, wide: true },
  { name: 'single output frame', tIn: 7, channels: 4, kernel: 7, dilation: 1, bias: true },
  { name: 'single output frame, dilation 9', tIn: 19, channels: 3, kernel: 3, dilation: 9, bias: true },
  { name: 'K=1', tIn: 6, channels: 8, kernel: 1, dilation: 1, bias: true },
  { name: 'K=1, no bias', tIn: 3, channels: 5, kernel: 1, dilation: 4, bias: false },
  { name: 'one channel', tIn: 20, channels: 1, kernel: 5, dilation: 2, bias: true },
  { name: 'odd channel count', tIn: 15, channels: 7, kernel: 4, dilation: 3, bias: true },
  { name: 'odd channel count, no bias', tIn: 12, channels: 9, kernel: 2, dilation: 1, bias: false },
  { name: 'long filter, wide values', tIn: 40, channels: 3, kernel: 16, dilation: 1, bias: true, wide: true },
];

function randomCases(count: number, seed: number): Case[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const channels = rng.int(1, 12);
    const kernel = rng.int(1, 7);
    const dilation = rng.pick([1, 1, 2, 3, 9]);
    const tIn = (kernel - 1) * dilation + 1 + rng.int(0, 10);
    return {
      name: `random #${i}: Tin ${tIn}, C ${channels}, K ${kernel}, dilation ${dilation}`,
      tIn,
      channels,
      kernel,
      dilation,
      bias: rng.bool(),
      wide: rng.bool(),
    };
  });
}

const allCases = [...edgeCases, ...randomCases(25, 0xd3b7)];

describe.each(allCases)('depthwiseConv1d: $name', (c) => {
  const seed = c.tIn * 104729 + c.channels * 17 + c.kernel;

  it('float64 reference within tolerance', () => {
    const d = makeData(c, new Rng(seed));
    const { y, size } = runKernel(c, d);
    const ref = referenceFloat64(c, d);
    expect(size).toBeGreaterThan(0);
    expect(firstToleranceMismatch(y, ref.y, ref.tol)).toBeNull();
    for (let i = size; i < y.length; i++) expect(y[i], 'write past the output').toBe(SENTINEL);
  });

  it('bit-exact float32 reference in the documented order', () => {
    const d = makeData(c, new Rng(seed));
    const { y } = runKernel(c, d);
    expect(firstBitMismatch(y, referenceFloat32(c, d))).toBeNull();
  });
});

describe('depthwiseConv1d: hand-computed', () => {
  it('dilation 2, two channels, with bias', () => {
    const x = Float32Array.from([1, 10, 2, 20, 3, 30, 4, 40]); // 4 frames x 2 channels
    const w = Float32Array.from([1, 2, /* tap 0 */ -1, 3 /* tap 1 */]);
    const y = new Float32Array(4);
    depthwiseConv1d(x, 4, 2, w, Float32Array.from([0.5, -100]), 2, 2, y);
    // Tout = 4 - 2 = 2; y[t][c] = w[0][c] x[t][c] + w[1][c] x[t+2][c] + b[c]
    expect(Array.from(y)).toEqual([1 - 3 + 0.5, 20 + 90 - 100, 2 - 4 + 0.5, 40 + 120 - 100]);
  });

  it('summation order: bias last, taps in order (a case where any other order rounds differently)', () => {
    // 2^24 + 1 + 1 in order: (2^24 + 1) rounds to 2^24, then +1 again -> 2^24. Bias 2 last -> 2^24 + 2.
    const x = Float32Array.from([2 ** 24, 1, 1]);
    const w = Float32Array.from([1, 1, 1]);
    const y = new Float32Array(1);
    depthwiseConv1d(x, 3, 1, w, Float32Array.from([2]), 3, 1, y);
    expect(y[0]).toBe(2 ** 24 + 2);
    depthwiseConv1d(x, 3, 1, w, null, 3, 1, y);
    expect(y[0]).toBe(2 ** 24);
  });

  it('signed zeros: the sum starts from +0, so products that are all -0 give +0', () => {
    // x = 0 and negative weights: every product is -0; the reference adds them to 0.0, giving +0.
    const x = new Float32Array(6);
    const w = Float32Array.from([-1, -2, -3, -4]);
    const y = new Float32Array(4).fill(7);
    depthwiseConv1d(x, 3, 2, w, null, 2, 1, y);
    for (const v of y) expect(Object.is(v, 0)).toBe(true);
    // With a -0 bias the total is +0 + -0 = +0 as well.
    depthwiseConv1d(x, 3, 2, w, Float32Array.from([-0, -0]), 2, 1, y);
    for (const v of y) expect(Object.is(v, 0)).toBe(true);
  });
});

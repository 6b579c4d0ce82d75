// depthwiseConv1dInt8 against a naive integer reference:
//   acc[t][c] = bias[c] + sum_k w[k][c] * (x[t + k*dilation][c] - inputZeroPoint)
// requantized per channel with the BigInt TFLite reference, plus the output zero point, clamped.
import { describe, expect, it } from 'vitest';
import { depthwiseConv1dInt8 } from '../../src/kernels/depthwise-conv1d-int8.js';
import type { Requantization, Rounding } from '../../src/kernels/requantize.js';
import { Rng, firstIntMismatch } from './random.js';
import { randomRequantization, typicalAccumulator, unclampedFraction } from './int8-helpers.js';
import { refRequantize } from './tflite-int-reference.js';

const SENTINEL = -77;

interface Case {
  name: string;
  tIn: number;
  channels: number;
  kernel: number;
  dilation: number;
  bias: boolean;
  rounding: Rounding;
  ties?: boolean;
}

interface Data {
  x: Int8Array;
  w: Int8Array;
  b: Int32Array | null;
  zpIn: number;
  requant: Requantization;
  X: number[][];
  W: number[][];
  B: number[] | null;
}

function outputFrames(c: Case): number {
  let n = 0;
  while (n + (c.kernel - 1) * c.dilation <= c.tIn - 1) n++;
  return n;
}

function makeData(c: Case, rng: Rng): Data {
  const zpIn = rng.int(-128, 127);
  const X = Array.from({ length: c.tIn }, () => Array.from({ length: c.channels }, () => rng.int(-128, 127)));
  const W = Array.from({ length: c.kernel }, () =>
    Array.from({ length: c.channels }, () => rng.int(c.ties ? -1 : -127, c.ties ? 1 : 127)),
  );
  const typical = c.ties ? 64 : typicalAccumulator(c.kernel, zpIn);
  const B = c.bias
    ? Array.from({ length: c.channels }, () => rng.int(-Math.round(typical), Math.round(typical)))
    : null;
  const x = new Int8Array(c.tIn * c.channels);
  for (let t = 0; t < c.tIn; t++) for (let ch = 0; ch < c.channels; ch++) x[t * c.channels + ch] = X[t][ch];
  const w = new Int8Array(c.kernel * c.channels);
  for (let k = 0; k < c.kernel; k++) for (let ch = 0; ch < c.channels; ch++) w[k * c.channels + ch] = W[k][ch];
  const requant = c.ties
    ? {
        multipliers: new Int32Array(c.channels).fill(2 ** 30),
        shifts: Int32Array.from({ length: c.channels }, () => rng.int(-3, -2)),
        outputZeroPoint: rng.int(-10, 10),
        rounding: c.rounding,
      }
    : randomRequantization(rng, c.channels, typical, c.rounding, rng.int(-60, 60));
  return { x, w, b: B ? Int32Array.from(B) : null, zpIn, requant, X, W, B };
}

function reference(c: Case, d: Data): number[] {
  const y: number[] = [];
  for (let t = 0; t < outputFrames(c); t++) {
    for (let ch = 0; ch < c.channels; ch++) {
      let acc = d.B ? d.B[ch] : 0;
      for (let k = 0; k < c.kernel; k++) acc += d.W[k][ch] * (d.X[t + k * c.dilation][ch] - d.zpIn);
      y.push(
        refRequantize(acc, d.requant.multipliers[ch], d.requant.shifts[ch], d.requant.outputZeroPoint, c.rounding),
      );
    }
  }
  return y;
}

const edgeCases: Case[] = [
  { name: 'dilation 9', tIn: 40, channels: 6, kernel: 3, dilation: 9, bias: true, rounding: 'double' },
  {
    name: 'dilation 9, single rounding, no bias',
    tIn: 30,
    channels: 5,
    kernel: 3,
    dilation: 9,
    bias: false,
    rounding: 'single',
  },
  { name: 'single output frame', tIn: 7, channels: 4, kernel: 7, dilation: 1, bias: true, rounding: 'double' },
  {
    name: 'single output frame, dilation 9',
    tIn: 19,
    channels: 3,
    kernel: 3,
    dilation: 9,
    bias: true,
    rounding: 'single',
  },
  { name: 'K=1', tIn: 6, channels: 8, kernel: 1, dilation: 1, bias: true, rounding: 'double' },
  { name: 'one channel', tIn: 20, channels: 1, kernel: 5, dilation: 2, bias: true, rounding: 'double' },
  { name: 'odd channel count', tIn: 15, channels: 7, kernel: 4, dilation: 3, bias: false, rounding: 'double' },
  {
    name: 'frequent rounding ties, double',
    tIn: 60,
    channels: 3,
    kernel: 2,
    dilation: 1,
    bias: true,
    rounding: 'double',
    ties: true,
  },
  {
    name: 'frequent rounding ties, single',
    tIn: 60,
    channels: 3,
    kernel: 2,
    dilation: 1,
    bias: true,
    rounding: 'single',
    ties: true,
  },
  { name: 'long filter', tIn: 40, channels: 3, kernel: 16, dilation: 1, bias: true, rounding: 'single' },
];

function randomCases(count: number, seed: number): Case[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const channels = rng.int(1, 12);
    const kernel = rng.int(1, 7);
    const dilation = rng.pick([1, 2, 3, 9]);
    const tIn = (kernel - 1) * dilation + 1 + rng.int(0, 10);
    const rounding: Rounding = rng.bool() ? 'single' : 'double';
    return {
      name: `random #${i}: Tin ${tIn}, C ${channels}, K ${kernel}, dilation ${dilation}, ${rounding}`,
      tIn,
      channels,
      kernel,
      dilation,
      bias: rng.bool(),
      rounding,
    };
  });
}

describe.each([...edgeCases, ...randomCases(25, 0xd18)])('depthwiseConv1dInt8: $name', (c) => {
  it('matches the integer reference exactly', () => {
    const d = makeData(c, new Rng(c.tIn * 104729 + c.channels * 17 + c.kernel * 5 + (c.rounding === 'single' ? 1 : 0)));
    const size = outputFrames(c) * c.channels;
    const y = new Int8Array(size + 5).fill(SENTINEL);
    depthwiseConv1dInt8(d.x, c.tIn, c.channels, d.zpIn, d.w, d.b, c.kernel, c.dilation, y, d.requant);
    const ref = reference(c, d);
    expect(firstIntMismatch(y, ref)).toBeNull();
    for (let i = size; i < y.length; i++) expect(y[i], 'write past the output').toBe(SENTINEL);
    expect(unclampedFraction(ref)).toBeGreaterThan(0.6);
  });
});

describe('depthwiseConv1dInt8: hand-computed', () => {
  it('per-channel multipliers, zero points and dilation', () => {
    // 3 frames x 2 channels, K = 2, dilation 2 -> one output frame: taps at frames 0 and 2
    const x = Int8Array.from([4, -4, 0, 0, 6, 10]);
    const w = Int8Array.from([1, 2, /* tap 0 */ 3, -1 /* tap 1 */]);
    const requant: Requantization = {
      multipliers: Int32Array.from([2 ** 30, 3 * 2 ** 29]),
      shifts: Int32Array.from([0, 1]),
      outputZeroPoint: -5,
      rounding: 'double',
    };
    const y = new Int8Array(2);
    // zp 2: c0: 1*(4-2) + 3*(6-2) + 1 = 15 -> x0.5 = 7.5 -> 8 -> 3;  c1: 2*(-6) + -1*(8) - 1 = -21 -> x1.5 = -31.5 -> -31 -> -36
    depthwiseConv1dInt8(x, 3, 2, 2, w, Int32Array.from([1, -1]), 2, 2, y, requant);
    expect(Array.from(y)).toEqual([3, -36]);
  });
});

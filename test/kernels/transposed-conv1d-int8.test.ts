// transposedConv1dInt8 against a naive integer reference in scatter form: every input frame i adds
//   w[co][k][ci] * (x[i][ci] - inputZeroPoint)   to the accumulator of output frame i*stride + k,
// output length (Tin - 1)*stride + K; bias; per-channel BigInt TFLite requantization; zero point; clamp.
import { describe, expect, it } from 'vitest';
import { transposedConv1dInt8 } from '../../src/kernels/transposed-conv1d-int8.js';
import type { Requantization, Rounding } from '../../src/kernels/requantize.js';
import { Rng, firstIntMismatch } from './random.js';
import { randomRequantization, typicalAccumulator, unclampedFraction } from './int8-helpers.js';
import { refRequantize } from './tflite-int-reference.js';

const SENTINEL = 55;

interface Case {
  name: string;
  tIn: number;
  cIn: number;
  cOut: number;
  kernel: number;
  stride: number;
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
  W: number[][][];
  B: number[] | null;
}

function makeData(c: Case, rng: Rng): Data {
  const zpIn = rng.int(-128, 127);
  const X = Array.from({ length: c.tIn }, () => Array.from({ length: c.cIn }, () => rng.int(-128, 127)));
  const W = Array.from({ length: c.cOut }, () =>
    Array.from({ length: c.kernel }, () =>
      Array.from({ length: c.cIn }, () => rng.int(c.ties ? -1 : -127, c.ties ? 1 : 127)),
    ),
  );
  const overlap = Math.ceil(c.kernel / c.stride);
  const typical = c.ties ? 64 : typicalAccumulator(overlap * c.cIn, zpIn);
  const B = c.bias ? Array.from({ length: c.cOut }, () => rng.int(-Math.round(typical), Math.round(typical))) : null;
  const x = new Int8Array(c.tIn * c.cIn);
  for (let t = 0; t < c.tIn; t++) for (let ci = 0; ci < c.cIn; ci++) x[t * c.cIn + ci] = X[t][ci];
  const w = new Int8Array(c.cOut * c.kernel * c.cIn);
  for (let co = 0; co < c.cOut; co++) {
    for (let k = 0; k < c.kernel; k++)
      for (let ci = 0; ci < c.cIn; ci++) w[(co * c.kernel + k) * c.cIn + ci] = W[co][k][ci];
  }
  const requant = c.ties
    ? {
        multipliers: new Int32Array(c.cOut).fill(2 ** 30),
        shifts: Int32Array.from({ length: c.cOut }, () => rng.int(-3, -2)),
        outputZeroPoint: rng.int(-10, 10),
        rounding: c.rounding,
      }
    : randomRequantization(rng, c.cOut, typical, c.rounding, rng.int(-60, 60));
  return { x, w, b: B ? Int32Array.from(B) : null, zpIn, requant, X, W, B };
}

const outputFrames = (c: Case) => (c.tIn - 1) * c.stride + c.kernel;

function reference(c: Case, d: Data): number[] {
  const tOut = outputFrames(c);
  const ACC = Array.from({ length: tOut }, () => Array.from({ length: c.cOut }, (_, co) => (d.B ? d.B[co] : 0)));
  for (let i = 0; i < c.tIn; i++) {
    for (let k = 0; k < c.kernel; k++) {
      for (let co = 0; co < c.cOut; co++) {
        for (let ci = 0; ci < c.cIn; ci++) ACC[i * c.stride + k][co] += d.W[co][k][ci] * (d.X[i][ci] - d.zpIn);
      }
    }
  }
  const y: number[] = [];
  for (let o = 0; o < tOut; o++) {
    for (let co = 0; co < c.cOut; co++) {
      y.push(
        refRequantize(
          ACC[o][co],
          d.requant.multipliers[co],
          d.requant.shifts[co],
          d.requant.outputZeroPoint,
          c.rounding,
        ),
      );
    }
  }
  return y;
}

const edgeCases: Case[] = [
  {
    name: 'stride > kernel (gaps: bias only)',
    tIn: 5,
    cIn: 3,
    cOut: 2,
    kernel: 2,
    stride: 5,
    bias: true,
    rounding: 'double',
  },
  {
    name: 'stride > kernel, no bias (gaps: output zero point)',
    tIn: 4,
    cIn: 4,
    cOut: 3,
    kernel: 3,
    stride: 7,
    bias: false,
    rounding: 'single',
  },
  { name: 'stride = kernel', tIn: 6, cIn: 5, cOut: 3, kernel: 4, stride: 4, bias: true, rounding: 'double' },
  {
    name: 'overlapping, upsampling by 2',
    tIn: 7,
    cIn: 6,
    cOut: 4,
    kernel: 4,
    stride: 2,
    bias: true,
    rounding: 'double',
  },
  {
    name: 'heavy overlap, single rounding',
    tIn: 9,
    cIn: 4,
    cOut: 3,
    kernel: 10,
    stride: 3,
    bias: true,
    rounding: 'single',
  },
  { name: 'K=1', tIn: 5, cIn: 8, cOut: 6, kernel: 1, stride: 1, bias: true, rounding: 'double' },
  { name: 'single input frame', tIn: 1, cIn: 5, cOut: 4, kernel: 6, stride: 3, bias: true, rounding: 'double' },
  { name: 'single output frame', tIn: 1, cIn: 3, cOut: 2, kernel: 1, stride: 4, bias: true, rounding: 'single' },
  { name: 'Cin=1', tIn: 8, cIn: 1, cOut: 3, kernel: 4, stride: 2, bias: true, rounding: 'double' },
  {
    name: 'frequent rounding ties, double',
    tIn: 30,
    cIn: 2,
    cOut: 3,
    kernel: 2,
    stride: 1,
    bias: true,
    rounding: 'double',
    ties: true,
  },
  {
    name: 'frequent rounding ties, single',
    tIn: 30,
    cIn: 2,
    cOut: 3,
    kernel: 2,
    stride: 1,
    bias: true,
    rounding: 'single',
    ties: true,
  },
  { name: 'odd Cin', tIn: 6, cIn: 7, cOut: 3, kernel: 5, stride: 2, bias: false, rounding: 'double' },
];

function randomCases(count: number, seed: number): Case[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const tIn = rng.int(1, 8);
    const cIn = rng.int(1, 11);
    const cOut = rng.int(1, 6);
    const kernel = rng.int(1, 9);
    const stride = rng.int(1, Math.max(1, kernel)); // no gaps in the random cases (the edge cases have them)
    const rounding: Rounding = rng.bool() ? 'single' : 'double';
    return {
      name: `random #${i}: Tin ${tIn}, Cin ${cIn}, Cout ${cOut}, K ${kernel}, stride ${stride}, ${rounding}`,
      tIn,
      cIn,
      cOut,
      kernel,
      stride,
      bias: rng.bool(),
      rounding,
    };
  });
}

describe.each([...edgeCases, ...randomCases(30, 0x7c08)])('transposedConv1dInt8: $name', (c) => {
  it('matches the integer reference exactly', () => {
    const d = makeData(
      c,
      new Rng(c.tIn * 1299709 + c.cIn * 131 + c.kernel * 7 + c.stride + (c.rounding === 'single' ? 1 : 0)),
    );
    const size = outputFrames(c) * c.cOut;
    const y = new Int8Array(size + 5).fill(SENTINEL);
    transposedConv1dInt8(d.x, c.tIn, c.cIn, d.zpIn, d.w, d.b, c.kernel, c.stride, y, c.cOut, d.requant);
    const ref = reference(c, d);
    expect(firstIntMismatch(y, ref)).toBeNull();
    for (let i = size; i < y.length; i++) expect(y[i], 'write past the output').toBe(SENTINEL);
    expect(unclampedFraction(ref)).toBeGreaterThan(0.6);
  });
});

describe('transposedConv1dInt8: hand-computed', () => {
  it('upsampling by 2 with K = 3, zero points, gaps filled from the bias', () => {
    // x - zp = [1, 2] (zp = -3), w = [1, 10, 20], stride 2, bias 4, multiplier 0.5, output zero point 1
    // acc: frame 0: 1+4, 1: 10+4, 2: 20 + 2 + 4, 3: 20 + 4, 4: 40 + 4 -> x0.5 -> 2.5, 7, 13, 12, 22 -> round (away) -> 3, 7, 13, 12, 22
    const y = new Int8Array(5);
    const requant: Requantization = {
      multipliers: Int32Array.from([2 ** 30]),
      shifts: Int32Array.from([0]),
      outputZeroPoint: 1,
      rounding: 'double',
    };
    transposedConv1dInt8(
      Int8Array.from([-2, -1]),
      2,
      1,
      -3,
      Int8Array.from([1, 10, 20]),
      Int32Array.from([4]),
      3,
      2,
      y,
      1,
      requant,
    );
    expect(Array.from(y)).toEqual([4, 8, 14, 13, 23]);
  });
});

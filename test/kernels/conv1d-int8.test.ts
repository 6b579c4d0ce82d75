// conv1dInt8 against a naive integer reference: the exact int32 accumulator
//   acc[t][co] = bias[co] + sum_k sum_ci w[co][k][ci] * (x[t*stride + k*dilation][g*cInG + ci] - inputZeroPoint)
// requantized per output channel with BigInt restatements of TFLite's arithmetic
// ('double': RoundingDivideByPOT(SRDHM(acc << left, M), right); 'single': (acc*M + 2^(30-s)) >> (31-s)),
// plus the output zero point, clamped to [-128, 127].
import { describe, expect, it } from 'vitest';
import { conv1dInt8 } from '../../src/kernels/conv1d-int8.js';
import type { Requantization, Rounding } from '../../src/kernels/requantize.js';
import { Rng, firstIntMismatch } from './random.js';
import { randomRequantization, typicalAccumulator, unclampedFraction } from './int8-helpers.js';
import { refRequantize } from './tflite-int-reference.js';

const SENTINEL = 99;

interface Case {
  name: string;
  tIn: number;
  cIn: number;
  cOut: number;
  kernel: number;
  stride: number;
  dilation: number;
  groups: number;
  bias: boolean;
  rounding: Rounding;
  saturate?: boolean;
  ties?: boolean; // weights in [-1, 1] and multipliers 2^30 * 2^-2..-3: many accumulators land on rounding ties
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

function outputFrames(c: Case): number {
  let n = 0;
  while (n * c.stride + (c.kernel - 1) * c.dilation <= c.tIn - 1) n++;
  return n;
}

function makeData(c: Case, rng: Rng): Data {
  const cInG = c.cIn / c.groups;
  const zpIn = rng.int(-128, 127);
  const X = Array.from({ length: c.tIn }, () => Array.from({ length: c.cIn }, () => rng.int(-128, 127)));
  const wMax = c.ties ? 1 : 127;
  const W = Array.from({ length: c.cOut }, () =>
    Array.from({ length: c.kernel }, () => Array.from({ length: cInG }, () => rng.int(-wMax, wMax))),
  );
  const typical = c.ties ? 64 : typicalAccumulator(c.kernel * cInG, zpIn);
  const B = c.bias ? Array.from({ length: c.cOut }, () => rng.int(-Math.round(typical), Math.round(typical))) : null;
  const x = new Int8Array(c.tIn * c.cIn);
  for (let t = 0; t < c.tIn; t++) for (let ch = 0; ch < c.cIn; ch++) x[t * c.cIn + ch] = X[t][ch];
  const w = new Int8Array(c.cOut * c.kernel * cInG);
  for (let co = 0; co < c.cOut; co++) {
    for (let k = 0; k < c.kernel; k++)
      for (let ci = 0; ci < cInG; ci++) w[(co * c.kernel + k) * cInG + ci] = W[co][k][ci];
  }
  const requant = c.ties
    ? tieRequantization(rng, c.cOut, c.rounding)
    : c.saturate
      ? randomRequantization(rng, c.cOut, typical, c.rounding, rng.int(-20, 20), 2000, 1)
      : randomRequantization(rng, c.cOut, typical, c.rounding, rng.int(-60, 60));
  return { x, w, b: B ? Int32Array.from(B) : null, zpIn, requant, X, W, B };
}

function tieRequantization(rng: Rng, channels: number, rounding: Rounding): Requantization {
  return {
    multipliers: new Int32Array(channels).fill(2 ** 30),
    shifts: Int32Array.from({ length: channels }, () => rng.int(-3, -2)),
    outputZeroPoint: rng.int(-10, 10),
    rounding,
  };
}

function reference(c: Case, d: Data): number[] {
  const cInG = c.cIn / c.groups;
  const cOutG = c.cOut / c.groups;
  const y: number[] = [];
  for (let t = 0; t < outputFrames(c); t++) {
    for (let co = 0; co < c.cOut; co++) {
      const g = Math.floor(co / cOutG);
      let acc = d.B ? d.B[co] : 0;
      for (let k = 0; k < c.kernel; k++) {
        for (let ci = 0; ci < cInG; ci++)
          acc += d.W[co][k][ci] * (d.X[t * c.stride + k * c.dilation][g * cInG + ci] - d.zpIn);
      }
      y.push(
        refRequantize(acc, d.requant.multipliers[co], d.requant.shifts[co], d.requant.outputZeroPoint, c.rounding),
      );
    }
  }
  return y;
}

const edgeCases: Case[] = [
  {
    name: 'stride > kernel',
    tIn: 23,
    cIn: 3,
    cOut: 4,
    kernel: 2,
    stride: 5,
    dilation: 1,
    groups: 1,
    bias: true,
    rounding: 'double',
  },
  {
    name: 'dilation 9',
    tIn: 40,
    cIn: 5,
    cOut: 3,
    kernel: 3,
    stride: 1,
    dilation: 9,
    groups: 1,
    bias: true,
    rounding: 'double',
  },
  {
    name: 'dilation 9, stride 2, single rounding',
    tIn: 42,
    cIn: 4,
    cOut: 3,
    kernel: 3,
    stride: 2,
    dilation: 9,
    groups: 1,
    bias: false,
    rounding: 'single',
  },
  {
    name: 'groups 2',
    tIn: 12,
    cIn: 6,
    cOut: 4,
    kernel: 3,
    stride: 1,
    dilation: 1,
    groups: 2,
    bias: true,
    rounding: 'double',
  },
  {
    name: 'groups 4',
    tIn: 13,
    cIn: 8,
    cOut: 12,
    kernel: 2,
    stride: 2,
    dilation: 1,
    groups: 4,
    bias: true,
    rounding: 'double',
  },
  {
    name: 'groups 4, single rounding',
    tIn: 9,
    cIn: 4,
    cOut: 8,
    kernel: 3,
    stride: 1,
    dilation: 2,
    groups: 4,
    bias: false,
    rounding: 'single',
  },
  {
    name: 'length not a multiple of the stride',
    tIn: 17,
    cIn: 3,
    cOut: 2,
    kernel: 4,
    stride: 4,
    dilation: 1,
    groups: 1,
    bias: true,
    rounding: 'double',
  },
  {
    name: 'single output frame',
    tIn: 5,
    cIn: 3,
    cOut: 4,
    kernel: 5,
    stride: 3,
    dilation: 1,
    groups: 1,
    bias: true,
    rounding: 'double',
  },
  {
    name: 'single output frame, dilation 9',
    tIn: 19,
    cIn: 2,
    cOut: 2,
    kernel: 3,
    stride: 1,
    dilation: 9,
    groups: 1,
    bias: true,
    rounding: 'single',
  },
  {
    name: 'K=1 (pointwise)',
    tIn: 6,
    cIn: 16,
    cOut: 8,
    kernel: 1,
    stride: 1,
    dilation: 1,
    groups: 1,
    bias: true,
    rounding: 'double',
  },
  {
    name: 'K=1, single rounding, no bias',
    tIn: 5,
    cIn: 9,
    cOut: 3,
    kernel: 1,
    stride: 1,
    dilation: 1,
    groups: 1,
    bias: false,
    rounding: 'single',
  },
  {
    name: 'Cin=1',
    tIn: 15,
    cIn: 1,
    cOut: 5,
    kernel: 7,
    stride: 1,
    dilation: 1,
    groups: 1,
    bias: true,
    rounding: 'double',
  },
  {
    name: 'odd channels',
    tIn: 10,
    cIn: 7,
    cOut: 5,
    kernel: 3,
    stride: 1,
    dilation: 1,
    groups: 1,
    bias: false,
    rounding: 'double',
  },
  {
    name: 'large accumulators (64 channels x 8 taps)',
    tIn: 12,
    cIn: 64,
    cOut: 4,
    kernel: 8,
    stride: 2,
    dilation: 1,
    groups: 1,
    bias: true,
    rounding: 'double',
  },
  {
    name: 'frequent rounding ties, double',
    tIn: 40,
    cIn: 2,
    cOut: 4,
    kernel: 2,
    stride: 1,
    dilation: 1,
    groups: 1,
    bias: true,
    rounding: 'double',
    ties: true,
  },
  {
    name: 'frequent rounding ties, single',
    tIn: 40,
    cIn: 2,
    cOut: 4,
    kernel: 2,
    stride: 1,
    dilation: 1,
    groups: 1,
    bias: true,
    rounding: 'single',
    ties: true,
  },
  {
    name: 'saturating multipliers (clamping), double',
    tIn: 8,
    cIn: 4,
    cOut: 6,
    kernel: 2,
    stride: 1,
    dilation: 1,
    groups: 1,
    bias: true,
    rounding: 'double',
    saturate: true,
  },
  {
    name: 'saturating multipliers (clamping), single',
    tIn: 8,
    cIn: 4,
    cOut: 6,
    kernel: 2,
    stride: 1,
    dilation: 1,
    groups: 1,
    bias: true,
    rounding: 'single',
    saturate: true,
  },
];

function randomCases(count: number, seed: number): Case[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const groups = rng.pick([1, 1, 2, 4]);
    const cIn = groups * rng.int(1, 6);
    const cOut = groups * rng.int(1, 5);
    const kernel = rng.int(1, 6);
    const stride = rng.int(1, 6);
    const dilation = rng.pick([1, 2, 3, 9]);
    const tIn = (kernel - 1) * dilation + 1 + rng.int(0, 3 * stride + 2);
    const rounding: Rounding = rng.bool() ? 'single' : 'double';
    return {
      name: `random #${i}: Tin ${tIn}, Cin ${cIn}, Cout ${cOut}, K ${kernel}, stride ${stride}, dilation ${dilation}, groups ${groups}, ${rounding}`,
      tIn,
      cIn,
      cOut,
      kernel,
      stride,
      dilation,
      groups,
      bias: rng.bool(),
      rounding,
    };
  });
}

const allCases = [...edgeCases, ...randomCases(30, 0x18c0)];

describe.each(allCases)('conv1dInt8: $name', (c) => {
  it('matches the integer reference exactly', () => {
    const d = makeData(c, new Rng(c.tIn * 7919 + c.cIn * 31 + c.kernel * 3 + (c.rounding === 'single' ? 1 : 0)));
    const size = outputFrames(c) * c.cOut;
    const y = new Int8Array(size + 5).fill(SENTINEL);
    conv1dInt8(d.x, c.tIn, c.cIn, d.zpIn, d.w, d.b, c.kernel, c.stride, c.dilation, c.groups, y, c.cOut, d.requant);
    const ref = reference(c, d);
    expect(firstIntMismatch(y, ref)).toBeNull();
    for (let i = size; i < y.length; i++) expect(y[i], 'write past the output').toBe(SENTINEL);
    // the parameters were meaningful: most outputs are not clamped (or, for the saturating cases, many are)
    if (c.saturate) expect(unclampedFraction(ref)).toBeLessThan(0.5);
    else expect(unclampedFraction(ref)).toBeGreaterThan(0.6);
  });
});

describe('conv1dInt8: rounding modes', () => {
  it('double and single rounding disagree on the tie cases (so those cases test the mode)', () => {
    for (const c of allCases.filter((k) => k.ties)) {
      const seed = c.tIn * 7919 + c.cIn * 31 + c.kernel * 3 + (c.rounding === 'single' ? 1 : 0);
      const d = makeData(c, new Rng(seed));
      const other: Case = { ...c, rounding: c.rounding === 'single' ? 'double' : 'single' };
      const mine = reference(c, d);
      const theirs = reference(other, d);
      expect(mine.filter((v, i) => v !== theirs[i]).length).toBeGreaterThan(3);
    }
  });
});

describe('conv1dInt8: hand-computed', () => {
  const requant = (m: number, s: number, zp: number, rounding: Rounding): Requantization => ({
    multipliers: Int32Array.from([m]),
    shifts: Int32Array.from([s]),
    outputZeroPoint: zp,
    rounding,
  });

  it('applies the input zero point, bias, multiplier and output zero point', () => {
    // one channel in, one out, K = 2: acc = 3*(5 - 2) + (-1)*(7 - 2) + 4 = 8; x 0.75 = 6; + 10 = 16
    const y = new Int8Array(1);
    conv1dInt8(
      Int8Array.from([5, 7]),
      2,
      1,
      2,
      Int8Array.from([3, -1]),
      Int32Array.from([4]),
      2,
      1,
      1,
      1,
      y,
      1,
      requant(3 * 2 ** 29, 0, 10, 'double'),
    );
    expect(y[0]).toBe(16);
  });

  it('honours the rounding mode on an exact tie (-2.5: double -> -3, single -> -2)', () => {
    const y = new Int8Array(1);
    // acc = -10, multiplier 0.25
    conv1dInt8(
      Int8Array.from([-10]),
      1,
      1,
      0,
      Int8Array.from([1]),
      null,
      1,
      1,
      1,
      1,
      y,
      1,
      requant(2 ** 30, -1, 0, 'double'),
    );
    expect(y[0]).toBe(-3);
    conv1dInt8(
      Int8Array.from([-10]),
      1,
      1,
      0,
      Int8Array.from([1]),
      null,
      1,
      1,
      1,
      1,
      y,
      1,
      requant(2 ** 30, -1, 0, 'single'),
    );
    expect(y[0]).toBe(-2);
  });

  it('clamps to [-128, 127]', () => {
    const y = new Int8Array(2);
    conv1dInt8(
      Int8Array.from([100, -100]),
      2,
      1,
      0,
      Int8Array.from([127]),
      null,
      1,
      1,
      1,
      1,
      y,
      1,
      requant(2 ** 30, 1, 0, 'double'),
    );
    expect(Array.from(y)).toEqual([127, -128]);
  });
});

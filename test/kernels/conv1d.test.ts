// conv1d (float) against naive references built from the definition:
//   y[t][co] = bias[co] + sum_k sum_ci x[t*stride + k*dilation][g*cInG + ci] * w[co][k][ci],  g = group of co
// once in float64 (tolerance relative to the sum of |terms|), once in float32 in the documented
// order (bit for bit): products rounded, then either one running sum over the flattened
// (tap, channel) terms or separate running sums of the even and odd terms, added at the end;
// bias last.
import { describe, expect, it } from 'vitest';
import { conv1d } from '../../src/kernels/conv1d.js';
import { conv1dBlocked, packConv1dWeights } from '../../src/kernels/conv1d-blocked.js';
import { Rng, SENTINEL, firstBitMismatch, firstToleranceMismatch, sumTolerance } from './random.js';

const fr = Math.fround;

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
  wide?: boolean; // inputs spread over many binades (makes summation order matter more)
}

interface Data {
  x: Float32Array;
  w: Float32Array;
  b: Float32Array | null;
  X: number[][]; // [t][c]
  W: number[][][]; // [co][k][ci]
  B: number[] | null;
}

/** Number of output frames, counted from the definition: frames t whose last tap is inside the input. */
function outputFrames(tIn: number, kernel: number, stride: number, dilation: number): number {
  let n = 0;
  while (n * stride + (kernel - 1) * dilation <= tIn - 1) n++;
  return n;
}

function makeData(c: Case, rng: Rng): Data {
  const cInG = c.cIn / c.groups;
  const value = () => (c.wide ? fr(rng.wideFloat(-10, 3)) : rng.float(-1, 1));
  const X: number[][] = [];
  for (let t = 0; t < c.tIn; t++) {
    X.push([]);
    for (let ch = 0; ch < c.cIn; ch++) X[t].push(value());
  }
  const W: number[][][] = [];
  for (let co = 0; co < c.cOut; co++) {
    W.push([]);
    for (let k = 0; k < c.kernel; k++) {
      W[co].push([]);
      for (let ci = 0; ci < cInG; ci++) W[co][k].push(value());
    }
  }
  const B = c.bias ? Array.from({ length: c.cOut }, () => rng.float(-1, 1)) : null;
  // flatten into the kernel's layouts: x [T, C], w [Cout, K, Cin/groups]
  const x = new Float32Array(c.tIn * c.cIn);
  for (let t = 0; t < c.tIn; t++) for (let ch = 0; ch < c.cIn; ch++) x[t * c.cIn + ch] = X[t][ch];
  const w = new Float32Array(c.cOut * c.kernel * cInG);
  for (let co = 0; co < c.cOut; co++) {
    for (let k = 0; k < c.kernel; k++)
      for (let ci = 0; ci < cInG; ci++) w[(co * c.kernel + k) * cInG + ci] = W[co][k][ci];
  }
  return { x, w, b: B ? Float32Array.from(B) : null, X, W, B };
}

/** The exact products of output (t, co), in (tap, channel) order. */
function terms(c: Case, d: Data, t: number, co: number): number[] {
  const cInG = c.cIn / c.groups;
  const cOutG = c.cOut / c.groups;
  const g = Math.floor(co / cOutG);
  const out: number[] = [];
  for (let k = 0; k < c.kernel; k++) {
    for (let ci = 0; ci < cInG; ci++) out.push(d.X[t * c.stride + k * c.dilation][g * cInG + ci] * d.W[co][k][ci]);
  }
  return out;
}

function referenceFloat64(c: Case, d: Data): { y: number[]; tol: number[] } {
  const tOut = outputFrames(c.tIn, c.kernel, c.stride, c.dilation);
  const y: number[] = [];
  const tol: number[] = [];
  for (let t = 0; t < tOut; t++) {
    for (let co = 0; co < c.cOut; co++) {
      const p = terms(c, d, t, co);
      let sum = d.B ? d.B[co] : 0;
      let sumAbs = d.B ? Math.abs(d.B[co]) : 0;
      for (const v of p) {
        sum += v;
        sumAbs += Math.abs(v);
      }
      y.push(sum);
      tol.push(sumTolerance(p.length + 1, sumAbs));
    }
  }
  return { y, tol };
}

function referenceFloat32(c: Case, d: Data, split: boolean): number[] {
  const tOut = outputFrames(c.tIn, c.kernel, c.stride, c.dilation);
  const y: number[] = [];
  for (let t = 0; t < tOut; t++) {
    for (let co = 0; co < c.cOut; co++) {
      const p = terms(c, d, t, co).map(fr); // x*w of two float32 is exact in float64: fr rounds once
      let sum: number;
      if (split) {
        let even = 0;
        let odd = 0;
        for (let i = 0; i < p.length; i += 2) even = fr(even + p[i]);
        for (let i = 1; i < p.length; i += 2) odd = fr(odd + p[i]);
        sum = fr(even + odd);
      } else {
        sum = 0;
        for (const v of p) sum = fr(sum + v);
      }
      y.push(d.B ? fr(sum + d.B[co]) : sum);
    }
  }
  return y;
}

function runKernel(c: Case, d: Data, split: boolean): { y: Float32Array; size: number } {
  const size = outputFrames(c.tIn, c.kernel, c.stride, c.dilation) * c.cOut;
  const y = new Float32Array(size + 13).fill(SENTINEL);
  conv1d(d.x, c.tIn, c.cIn, d.w, d.b, c.kernel, c.stride, c.dilation, c.groups, y, c.cOut, split);
  return { y, size };
}

const edgeCases: Case[] = [
  { name: 'stride > kernel', tIn: 23, cIn: 3, cOut: 4, kernel: 2, stride: 5, dilation: 1, groups: 1, bias: true },
  { name: 'stride > kernel, K=1', tIn: 20, cIn: 4, cOut: 2, kernel: 1, stride: 3, dilation: 1, groups: 1, bias: true },
  { name: 'dilation 9', tIn: 40, cIn: 5, cOut: 3, kernel: 3, stride: 1, dilation: 9, groups: 1, bias: true },
  {
    name: 'dilation 9, stride 2, no bias',
    tIn: 42,
    cIn: 4,
    cOut: 3,
    kernel: 3,
    stride: 2,
    dilation: 9,
    groups: 1,
    bias: false,
  },
  { name: 'groups 2', tIn: 12, cIn: 6, cOut: 4, kernel: 3, stride: 1, dilation: 1, groups: 2, bias: true },
  { name: 'groups 2, dilation 9', tIn: 30, cIn: 4, cOut: 6, kernel: 2, stride: 1, dilation: 9, groups: 2, bias: false },
  { name: 'groups 4', tIn: 13, cIn: 8, cOut: 12, kernel: 2, stride: 2, dilation: 1, groups: 4, bias: true },
  {
    name: 'groups 4, one channel per group',
    tIn: 9,
    cIn: 4,
    cOut: 4,
    kernel: 3,
    stride: 1,
    dilation: 2,
    groups: 4,
    bias: true,
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
  },
  {
    name: 'length not a multiple of the stride (stride 3)',
    tIn: 20,
    cIn: 2,
    cOut: 3,
    kernel: 3,
    stride: 3,
    dilation: 1,
    groups: 1,
    bias: false,
  },
  {
    name: 'single output frame (Tin = K)',
    tIn: 5,
    cIn: 3,
    cOut: 4,
    kernel: 5,
    stride: 3,
    dilation: 1,
    groups: 1,
    bias: true,
  },
  {
    name: 'single output frame (Tin = K + stride - 1)',
    tIn: 7,
    cIn: 3,
    cOut: 2,
    kernel: 5,
    stride: 3,
    dilation: 1,
    groups: 1,
    bias: true,
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
    bias: false,
  },
  { name: 'K=1 (pointwise)', tIn: 6, cIn: 16, cOut: 8, kernel: 1, stride: 1, dilation: 1, groups: 1, bias: true },
  {
    name: 'K=1, odd channels, no bias',
    tIn: 5,
    cIn: 9,
    cOut: 3,
    kernel: 1,
    stride: 1,
    dilation: 1,
    groups: 1,
    bias: false,
  },
  { name: 'Cin=1', tIn: 15, cIn: 1, cOut: 5, kernel: 7, stride: 1, dilation: 1, groups: 1, bias: true },
  {
    name: 'Cin=1, K=1 (a single term)',
    tIn: 4,
    cIn: 1,
    cOut: 3,
    kernel: 1,
    stride: 1,
    dilation: 1,
    groups: 1,
    bias: true,
  },
  {
    name: 'odd channels (7 x 3 taps = 21 terms)',
    tIn: 10,
    cIn: 7,
    cOut: 5,
    kernel: 3,
    stride: 1,
    dilation: 1,
    groups: 1,
    bias: true,
  },
  {
    name: 'odd channels (3 x 5 taps), no bias',
    tIn: 11,
    cIn: 3,
    cOut: 3,
    kernel: 5,
    stride: 2,
    dilation: 1,
    groups: 1,
    bias: false,
  },
  {
    name: 'odd channels per group (groups 2, 3 each)',
    tIn: 8,
    cIn: 6,
    cOut: 2,
    kernel: 3,
    stride: 1,
    dilation: 1,
    groups: 2,
    bias: true,
  },
  {
    name: 'wide-range values, 64 terms',
    tIn: 12,
    cIn: 16,
    cOut: 4,
    kernel: 4,
    stride: 1,
    dilation: 1,
    groups: 1,
    bias: true,
    wide: true,
  },
  {
    name: 'wide-range values, 45 terms',
    tIn: 20,
    cIn: 9,
    cOut: 6,
    kernel: 5,
    stride: 2,
    dilation: 3,
    groups: 1,
    bias: false,
    wide: true,
  },
];

function randomCases(count: number, seed: number): Case[] {
  const rng = new Rng(seed);
  const cases: Case[] = [];
  for (let i = 0; i < count; i++) {
    const groups = rng.pick([1, 1, 1, 2, 4]);
    const cIn = groups * rng.int(1, 6);
    const cOut = groups * rng.int(1, 5);
    const kernel = rng.int(1, 6);
    const stride = rng.int(1, 6);
    const dilation = rng.pick([1, 1, 2, 3, 9]);
    const tIn = (kernel - 1) * dilation + 1 + rng.int(0, 4 * stride + 2);
    cases.push({
      name: `random #${i}: Tin ${tIn}, Cin ${cIn}, Cout ${cOut}, K ${kernel}, stride ${stride}, dilation ${dilation}, groups ${groups}`,
      tIn,
      cIn,
      cOut,
      kernel,
      stride,
      dilation,
      groups,
      bias: rng.bool(),
      wide: rng.bool(),
    });
  }
  return cases;
}

const allCases = [...edgeCases, ...randomCases(30, 0xc0471)];

describe.each(allCases)('conv1d: $name', (c) => {
  for (const split of [false, true]) {
    it(`float64 reference within tolerance (splitAccumulators ${split})`, () => {
      const d = makeData(c, new Rng(c.tIn * 7919 + c.cIn * 31 + c.kernel));
      const { y, size } = runKernel(c, d, split);
      const ref = referenceFloat64(c, d);
      expect(size).toBeGreaterThan(0);
      expect(firstToleranceMismatch(y, ref.y, ref.tol)).toBeNull();
      for (let i = size; i < y.length; i++) expect(y[i], 'write past the output').toBe(SENTINEL);
    });

    it(`bit-exact float32 reference in the documented order (splitAccumulators ${split})`, () => {
      const d = makeData(c, new Rng(c.tIn * 7919 + c.cIn * 31 + c.kernel));
      const xCopy = d.x.slice();
      const wCopy = d.w.slice();
      const { y } = runKernel(c, d, split);
      expect(firstBitMismatch(y, referenceFloat32(c, d, split))).toBeNull();
      expect(firstBitMismatch(d.x, xCopy), 'input modified').toBeNull();
      expect(firstBitMismatch(d.w, wCopy), 'weights modified').toBeNull();
    });
  }
});

describe('conv1d: shapes and orders', () => {
  it('output length matches floor((Tin - dilation*(K-1) - 1) / stride) + 1 on hand-picked shapes', () => {
    expect(outputFrames(23, 2, 5, 1)).toBe(5);
    expect(outputFrames(17, 4, 4, 1)).toBe(4);
    expect(outputFrames(19, 3, 1, 9)).toBe(1);
    expect(outputFrames(7, 5, 3, 1)).toBe(1);
    // the kernel writes exactly that many frames (the rest of the buffer keeps its sentinel)
    const c: Case = { name: '', tIn: 23, cIn: 2, cOut: 3, kernel: 2, stride: 5, dilation: 1, groups: 1, bias: true };
    const { y } = runKernel(c, makeData(c, new Rng(1)), true);
    expect(y[5 * 3 - 1]).not.toBe(SENTINEL);
    expect(y[5 * 3]).toBe(SENTINEL);
  });

  it('a hand-computed example (groups 2, stride 2, dilation 2)', () => {
    // x: 5 frames x 2 channels; group 0 sees channel 0, group 1 channel 1; K = 2, dilation 2, stride 2
    const x = Float32Array.from([1, 10, 2, 20, 3, 30, 4, 40, 5, 50]);
    const w = Float32Array.from([1, -1, /* co 0 */ 2, 0.5 /* co 1 */]);
    const y = new Float32Array(4);
    conv1d(x, 5, 2, w, Float32Array.from([100, 0]), 2, 2, 2, 2, y, 2, false);
    // t=0: taps at frames 0 and 2; t=1: frames 2 and 4
    expect(Array.from(y)).toEqual([100 + 1 - 3, 2 * 10 + 0.5 * 30, 100 + 3 - 5, 2 * 30 + 0.5 * 50]);
  });

  it('the even/odd split really changes results (so the bit-exact tests tell the orders apart)', () => {
    let differing = 0;
    let kernelSplitDiffersFromPlain = 0;
    for (const c of allCases) {
      const d = makeData(c, new Rng(c.tIn * 7919 + c.cIn * 31 + c.kernel));
      const plain = referenceFloat32(c, d, false);
      const split = referenceFloat32(c, d, true);
      if (firstBitMismatch(Float32Array.from(split), plain) !== null) differing++;
      if (firstBitMismatch(runKernel(c, d, true).y, plain) !== null) kernelSplitDiffersFromPlain++;
    }
    expect(differing).toBeGreaterThan(5);
    expect(kernelSplitDiffersFromPlain).toBe(differing);
  });

  it('minimal reproducer of the two orders: 1 + 3 x 2^-24 is 1 in plain order, 1 + 2^-23 split', () => {
    // A 1x1 conv over 4 channels with all weights 1, two output steps per call as in Lyra's
    // 2-step pointwise conv. Plain: each 2^-24 added to 1 is a tie and rounds back to 1. Split:
    // the odd accumulator holds 2^-24 + 2^-24 = 2^-23, which survives being added to 1.
    const x = Float32Array.from([1, 2 ** -24, 2 ** -24, 2 ** -24, 1, 2 ** -24, 2 ** -24, 2 ** -24]);
    const w = new Float32Array(16).fill(1); // 4 output channels (the blocked kernel's block)
    const packed = packConv1dWeights(w, 4, 1, 4);
    for (const [split, expected] of [
      [false, 1],
      [true, 1 + 2 ** -23],
    ] as const) {
      const plainTwin = new Float32Array(8);
      conv1d(x, 2, 4, w, null, 1, 1, 1, 1, plainTwin, 4, split);
      expect(Array.from(plainTwin)).toEqual(new Array(8).fill(expected));
      const blocked = new Float32Array(8);
      conv1dBlocked(Float64Array.from(x), 2, 4, packed, null, 1, 1, 1, 1, blocked, 4, split);
      expect(Array.from(blocked)).toEqual(new Array(8).fill(expected));
    }
  });
});

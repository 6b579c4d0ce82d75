// film (float): per frame t and channel c,
//   gamma = b[c]     + sum_d cond[t][d] * w[d][c]
//   beta  = b[C + c] + sum_d cond[t][d] * w[d][C + c]
//   y[t][c] = gamma * x[t][c] + beta
// with w: [D, 2C] (gamma columns first, then beta columns).
// film.ts documents no float32 evaluation order (and rounds only once, at the store), so the
// bit-exact checks use inputs on which every order is exact (small dyadic rationals); random
// inputs are checked against float64 with a tolerance that any float32 order would meet.
import { describe, expect, it } from 'vitest';
import { film } from '../../src/kernels/film.js';
import { Rng, SENTINEL, firstBitMismatch, firstToleranceMismatch, sumTolerance } from './random.js';

interface Data {
  frames: number;
  channels: number;
  condDim: number;
  x: Float32Array;
  cond: Float32Array;
  w: Float32Array;
  b: Float32Array;
  X: number[][]; // [t][c]
  COND: number[][]; // [t][d]
  WG: number[][]; // gamma weights [d][c]
  WB: number[][]; // beta weights [d][c]
  BG: number[]; // gamma bias [c]
  BB: number[]; // beta bias [c]
}

function makeData(frames: number, channels: number, condDim: number, value: () => number): Data {
  const X = Array.from({ length: frames }, () => Array.from({ length: channels }, value));
  const COND = Array.from({ length: frames }, () => Array.from({ length: condDim }, value));
  const WG = Array.from({ length: condDim }, () => Array.from({ length: channels }, value));
  const WB = Array.from({ length: condDim }, () => Array.from({ length: channels }, value));
  const BG = Array.from({ length: channels }, value);
  const BB = Array.from({ length: channels }, value);
  return pack(frames, channels, condDim, X, COND, WG, WB, BG, BB);
}

function pack(
  frames: number,
  channels: number,
  condDim: number,
  X: number[][],
  COND: number[][],
  WG: number[][],
  WB: number[][],
  BG: number[],
  BB: number[],
): Data {
  const x = new Float32Array(frames * channels);
  for (let t = 0; t < frames; t++) for (let c = 0; c < channels; c++) x[t * channels + c] = X[t][c];
  const cond = new Float32Array(frames * condDim);
  for (let t = 0; t < frames; t++) for (let d = 0; d < condDim; d++) cond[t * condDim + d] = COND[t][d];
  const w = new Float32Array(condDim * 2 * channels);
  for (let d = 0; d < condDim; d++) {
    for (let c = 0; c < channels; c++) {
      w[d * 2 * channels + c] = WG[d][c];
      w[d * 2 * channels + channels + c] = WB[d][c];
    }
  }
  const b = new Float32Array(2 * channels);
  for (let c = 0; c < channels; c++) {
    b[c] = BG[c];
    b[channels + c] = BB[c];
  }
  return { frames, channels, condDim, x, cond, w, b, X, COND, WG, WB, BG, BB };
}

function gammaBeta(d: Data, t: number, c: number): { gamma: number; beta: number; gammaAbs: number; betaAbs: number } {
  let gamma = d.BG[c];
  let beta = d.BB[c];
  let gammaAbs = Math.abs(gamma);
  let betaAbs = Math.abs(beta);
  for (let k = 0; k < d.condDim; k++) {
    gamma += d.COND[t][k] * d.WG[k][c];
    beta += d.COND[t][k] * d.WB[k][c];
    gammaAbs += Math.abs(d.COND[t][k] * d.WG[k][c]);
    betaAbs += Math.abs(d.COND[t][k] * d.WB[k][c]);
  }
  return { gamma, beta, gammaAbs, betaAbs };
}

function referenceFloat64(d: Data): { y: number[]; tol: number[] } {
  const y: number[] = [];
  const tol: number[] = [];
  for (let t = 0; t < d.frames; t++) {
    for (let c = 0; c < d.channels; c++) {
      const { gamma, beta, gammaAbs, betaAbs } = gammaBeta(d, t, c);
      y.push(gamma * d.X[t][c] + beta);
      tol.push(sumTolerance(d.condDim + 3, gammaAbs * Math.abs(d.X[t][c]) + betaAbs));
    }
  }
  return { y, tol };
}

function runKernel(d: Data): Float32Array {
  const y = new Float32Array(d.frames * d.channels + 6).fill(SENTINEL);
  film(d.x, d.frames, d.channels, d.cond, d.condDim, d.w, d.b, y);
  for (let i = d.frames * d.channels; i < y.length; i++) expect(y[i], 'write past the output').toBe(SENTINEL);
  return y;
}

/** A dyadic rational k/8 with |k| <= 8: sums and products of a few of these are exact in float32. */
const dyadic = (rng: Rng) => () => rng.int(-8, 8) / 8;

const SHAPES: Array<[number, number, number]> = [
  [1, 1, 1],
  [3, 1, 4],
  [4, 5, 1],
  [6, 7, 3],
  [5, 8, 16],
  [2, 3, 9],
  [10, 16, 8],
  [1, 33, 5],
];

describe.each(SHAPES)('film: %i frames, %i channels, condition width %i', (frames, channels, condDim) => {
  it('float64 reference within tolerance (random values)', () => {
    const rng = new Rng(frames * 1000 + channels * 10 + condDim);
    const d = makeData(frames, channels, condDim, () => rng.float(-2, 2));
    const ref = referenceFloat64(d);
    expect(firstToleranceMismatch(runKernel(d), ref.y, ref.tol)).toBeNull();
  });

  it('bit-exact on inputs where every evaluation order is exact (dyadic values)', () => {
    const rng = new Rng(frames * 1000 + channels * 10 + condDim + 1);
    const d = makeData(frames, channels, condDim, dyadic(rng));
    expect(firstBitMismatch(runKernel(d), referenceFloat64(d).y)).toBeNull();
  });

  it('gamma and beta come from the right columns of the linear layer', () => {
    // Same condition and weights, x = 0 gives beta; x = 1 gives gamma + beta.
    const rng = new Rng(frames * 1000 + channels * 10 + condDim + 2);
    const d = makeData(frames, channels, condDim, dyadic(rng));
    const zeros = pack(
      frames,
      channels,
      condDim,
      d.X.map((r) => r.map(() => 0)),
      d.COND,
      d.WG,
      d.WB,
      d.BG,
      d.BB,
    );
    const ones = pack(
      frames,
      channels,
      condDim,
      d.X.map((r) => r.map(() => 1)),
      d.COND,
      d.WG,
      d.WB,
      d.BG,
      d.BB,
    );
    const yBeta = runKernel(zeros);
    const yGammaBeta = runKernel(ones);
    for (let t = 0; t < frames; t++) {
      for (let c = 0; c < channels; c++) {
        const { gamma, beta } = gammaBeta(d, t, c);
        expect(yBeta[t * channels + c], `beta, frame ${t} channel ${c}`).toBe(beta);
        expect(yGammaBeta[t * channels + c] - yBeta[t * channels + c], `gamma, frame ${t} channel ${c}`).toBe(gamma);
      }
    }
  });
});

describe('film: hand-computed and in place', () => {
  it('one-hot conditions select one row of the linear layer', () => {
    // C = 2, D = 3. w rows (d): [g0, g1, b0, b1]
    const w = Float32Array.from([
      1,
      2,
      10,
      20, // d = 0
      3,
      4,
      30,
      40, // d = 1
      5,
      6,
      50,
      60, // d = 2
    ]);
    const b = Float32Array.from([0.5, -0.5, 100, 200]);
    const cond = Float32Array.from([1, 0, 0, /* t0 */ 0, 0, 1, /* t1 */ 0, 2, 0 /* t2 */]);
    const x = Float32Array.from([1, 1, 2, 3, -1, 0.5]);
    const y = new Float32Array(6);
    film(x, 3, 2, cond, 3, w, b, y);
    expect(Array.from(y)).toEqual([
      (0.5 + 1) * 1 + (100 + 10),
      (-0.5 + 2) * 1 + (200 + 20), // t0: row 0
      (0.5 + 5) * 2 + (100 + 50),
      (-0.5 + 6) * 3 + (200 + 60), // t1: row 2
      (0.5 + 6) * -1 + (100 + 60),
      (-0.5 + 8) * 0.5 + (200 + 80), // t2: 2 * row 1
    ]);
  });

  it('works in place (y aliases x)', () => {
    const rng = new Rng(99);
    const d = makeData(7, 6, 4, dyadic(rng));
    const expected = referenceFloat64(d).y;
    film(d.x, d.frames, d.channels, d.cond, d.condDim, d.w, d.b, d.x);
    expect(firstBitMismatch(d.x, expected)).toBeNull();
  });

  it('bit-exact float32 order on random inputs: bias first, condition terms in order, then gamma * x + beta', () => {
    const rng = new Rng(2024);
    const frames = 5,
      channels = 6,
      condDim = 3;
    const x = Float32Array.from({ length: frames * channels }, () => rng.uniform() * 4 - 2);
    const cond = Float32Array.from({ length: frames * condDim }, () => rng.uniform() * 2 - 1);
    const w = Float32Array.from({ length: condDim * 2 * channels }, () => rng.uniform() - 0.5);
    const b = Float32Array.from({ length: 2 * channels }, () => rng.uniform() - 0.5);
    const y = new Float32Array(frames * channels);
    film(x, frames, channels, cond, condDim, w, b, y);
    const fr = Math.fround;
    for (let t = 0; t < frames; t++) {
      for (let c = 0; c < channels; c++) {
        let gamma = b[c];
        let beta = b[channels + c];
        for (let d = 0; d < condDim; d++) {
          gamma = fr(gamma + fr(cond[t * condDim + d] * w[d * 2 * channels + c]));
          beta = fr(beta + fr(cond[t * condDim + d] * w[d * 2 * channels + channels + c]));
        }
        expect(y[t * channels + c]).toBe(fr(fr(gamma * x[t * channels + c]) + beta));
      }
    }
  });
});

// rvqEncode / rvqDecode against deliberately naive versions written for clarity, not speed.
import { describe, expect, it } from 'vitest';
import { rvqDecode } from '../../src/kernels/rvq-decode.js';
import { rvqEncode } from '../../src/kernels/rvq-encode.js';
import { rvqEncodeSplit, rvqSplitFits } from '../../src/kernels/rvq-encode-split.js';
import { mulberry32 } from '../../src/util/prng.js';

const f = Math.fround;

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
const prng = mulberry32;

interface Problem {
  frames: number;
  dim: number;
  numQuantizers: number;
  codebookSize: number;
  x: Float32Array;
  codebooks: Float32Array;
}

function randomProblem(random: () => number, frames: number): Problem {
  const dim = 1 + Math.floor(random() * 24);
  const numQuantizers = 1 + Math.floor(random() * 8);
  const codebookSize = 1 + Math.floor(random() * 20);
  const x = Float32Array.from({ length: frames * dim }, () => (random() - 0.5) * 8);
  // Later stages get smaller codewords, as trained residual codebooks do.
  const codebooks = Float32Array.from({ length: numQuantizers * codebookSize * dim }, (_, i) => {
    const stage = Math.floor(i / (codebookSize * dim));
    return (random() - 0.5) * 8 * 0.6 ** stage;
  });
  return { frames, dim, numQuantizers, codebookSize, x, codebooks };
}

function codeword(p: Problem, stage: number, k: number): number[] {
  const start = (stage * p.codebookSize + k) * p.dim;
  return Array.from(p.codebooks.subarray(start, start + p.dim));
}

function naiveEncode(p: Problem, stages: number): number[][] {
  const result: number[][] = [];
  for (let t = 0; t < p.frames; t++) {
    let residual = Array.from(p.x.subarray(t * p.dim, (t + 1) * p.dim));
    const chosen: number[] = [];
    for (let s = 0; s < stages; s++) {
      const distances: number[] = [];
      for (let k = 0; k < p.codebookSize; k++) {
        let sum = 0;
        codeword(p, s, k).forEach((c, d) => {
          const diff = f(residual[d] - c);
          sum = f(sum + f(diff * diff));
        });
        distances.push(sum);
      }
      const best = distances.indexOf(Math.min(...distances)); // the first of equal minima
      chosen.push(best);
      const c = codeword(p, s, best);
      residual = residual.map((r, d) => f(r - c[d]));
    }
    result.push(chosen);
  }
  return result;
}

function naiveDecode(p: Problem, indices: number[][]): number[][] {
  return indices.map((stageIndices) => {
    const sum = new Array<number>(p.dim).fill(0);
    stageIndices.forEach((k, s) => {
      if (k === -1) return;
      codeword(p, s, Math.max(k, 0)).forEach((c, d) => {
        sum[d] = f(sum[d] + c);
      });
    });
    return sum;
  });
}

function encode(p: Problem, stages: number, kernel = rvqEncode): number[][] {
  const indices = new Int32Array(p.frames * stages).fill(-99);
  const residual = new Float32Array(p.dim);
  kernel(p.x, p.frames, p.dim, p.codebooks, p.codebookSize, stages, indices, residual);
  return Array.from({ length: p.frames }, (_, t) => Array.from(indices.subarray(t * stages, (t + 1) * stages)));
}

function decode(p: Problem, indices: number[][]): number[][] {
  const stages = indices[0].length;
  const out = new Float32Array(p.frames * p.dim).fill(NaN);
  rvqDecode(Int32Array.from(indices.flat()), p.frames, stages, p.codebooks, p.codebookSize, p.dim, out);
  return Array.from({ length: p.frames }, (_, t) => Array.from(out.subarray(t * p.dim, (t + 1) * p.dim)));
}

describe('rvqEncode', () => {
  it('matches the naive encoder with 1 stage and with all stages, for one frame and many', () => {
    const random = prng(1);
    for (let trial = 0; trial < 60; trial++) {
      const p = randomProblem(random, trial % 2 === 0 ? 1 : 2 + Math.floor(random() * 30));
      for (const stages of [1, p.numQuantizers]) expect(encode(p, stages)).toEqual(naiveEncode(p, stages));
    }
  });

  it('matches the naive encoder for every stage count', () => {
    const random = prng(2);
    const p = randomProblem(random, 17);
    for (let stages = 1; stages <= p.numQuantizers; stages++) expect(encode(p, stages)).toEqual(naiveEncode(p, stages));
  });

  it('keeps the first of duplicate codewords', () => {
    const random = prng(3);
    const p = randomProblem(random, 12);
    p.codebookSize = 6;
    p.numQuantizers = 2;
    p.dim = 5;
    p.x = new Float32Array(p.frames * p.dim);
    // Stage 0: codewords 1, 3 and 4 are one vector; stage 1: all six codewords are one vector.
    const a = Array.from({ length: p.dim }, () => random() - 0.5);
    const b = Array.from({ length: p.dim }, () => random() - 0.5);
    const rows = [[9, 9, 9, 9, 9], a, [-9, 9, -9, 9, -9], a, a, [5, 5, 5, 5, 5], b, b, b, b, b, b];
    p.codebooks = Float32Array.from(rows.flat());
    for (let t = 0; t < p.frames; t++)
      for (let d = 0; d < p.dim; d++) p.x[t * p.dim + d] = a[d] + (random() - 0.5) * 0.1;
    const indices = encode(p, 2);
    expect(indices).toEqual(naiveEncode(p, 2));
    for (const [first, second] of indices) {
      expect(first).toBe(1);
      expect(second).toBe(0);
    }
  });

  it('sums squared differences in dimension order, as TFLite SUM does', () => {
    // With r = 0, codeword 1's squares are [1, e, e, e, e], e = 2^-24. In order each 1 + e rounds
    // back to 1 (a tie, to even), so its distance is 1 < 1 + 2^-22, codeword 0's. Summed in any
    // other order the e's add up first and reach 1 + 2^-22: a tie, which codeword 0 would win.
    const p: Problem = {
      frames: 1,
      dim: 5,
      numQuantizers: 1,
      codebookSize: 2,
      x: new Float32Array(5),
      codebooks: Float32Array.from([1 + 2 ** -23, 0, 0, 0, 0, 1, 2 ** -12, 2 ** -12, 2 ** -12, 2 ** -12]),
    };
    expect(encode(p, 1)).toEqual([[1]]);
  });

  it('keeps codeword 0 when every distance is infinite', () => {
    const random = prng(4);
    const p = randomProblem(random, 3);
    p.x.fill(1e30);
    expect(encode(p, p.numQuantizers)).toEqual(new Array(3).fill(new Array(p.numQuantizers).fill(0)));
  });
});

describe('rvqDecode', () => {
  it('matches the naive decoder with 1 stage and with all stages, for one frame and many', () => {
    const random = prng(5);
    for (let trial = 0; trial < 60; trial++) {
      const p = randomProblem(random, trial % 2 === 0 ? 1 : 2 + Math.floor(random() * 30));
      for (const stages of [1, p.numQuantizers]) {
        const indices = Array.from({ length: p.frames }, () =>
          Array.from({ length: stages }, () => Math.floor(random() * p.codebookSize)),
        );
        expect(decode(p, indices)).toEqual(naiveDecode(p, indices));
      }
    }
  });

  it('skips stages marked -1 and reads other negative indices as codeword 0', () => {
    const random = prng(6);
    const p = randomProblem(random, 20);
    const indices = Array.from({ length: p.frames }, () =>
      Array.from({ length: p.numQuantizers }, () => {
        const r = random();
        return r < 0.2 ? -1 : r < 0.3 ? -2 - Math.floor(random() * 3) : Math.floor(random() * p.codebookSize);
      }),
    );
    expect(decode(p, indices)).toEqual(naiveDecode(p, indices));
  });

  it('inverts the encoder up to the final residual', () => {
    const random = prng(7);
    const p = randomProblem(random, 8);
    const indices = encode(p, p.numQuantizers);
    const decoded = decode(p, indices);
    const shallow = decode(
      p,
      indices.map((row) => row.slice(0, 1)),
    );
    const error = (y: number[][]) => y.flat().reduce((e, v, i) => e + (v - p.x[i]) ** 2, 0);
    // Codebooks that shrink per stage make each extra stage refine the approximation.
    expect(error(decoded)).toBeLessThanOrEqual(error(shallow));
  });
});

describe("rvqEncodeSplit (Hermes) gives rvqEncode's indices on every input rvqSplitFits admits", () => {
  const admitted = (p: Problem) => rvqSplitFits(p.x, p.x.length) && rvqSplitFits(p.codebooks, p.codebooks.length);

  it('on random problems, every stage count, odd and even codebook sizes', () => {
    const random = prng(11);
    for (let trial = 0; trial < 60; trial++) {
      const p = randomProblem(random, trial % 2 === 0 ? 1 : 2 + Math.floor(random() * 30));
      expect(admitted(p)).toBe(true);
      for (let stages = 1; stages <= p.numQuantizers; stages++)
        expect(encode(p, stages, rvqEncodeSplit)).toEqual(encode(p, stages));
      expect(encode(p, p.numQuantizers, rvqEncodeSplit)).toEqual(naiveEncode(p, p.numQuantizers));
    }
  });

  it('on values over every admitted binade, zeros of both signs, and codewords a few ulps from the residual', () => {
    const random = prng(12);
    const wide = () => {
      const r = random();
      if (r < 0.05) return 0;
      if (r < 0.1) return -0;
      return f((random() < 0.5 ? -1 : 1) * 2 ** (-40 + 88 * random()));
    };
    for (let trial = 0; trial < 40; trial++) {
      const p = randomProblem(random, 3);
      p.x = p.x.map(wide);
      p.codebooks = p.codebooks.map(wide);
      // Stage 0's first codewords: the first frame nudged by an ulp or two, so that differences are tiny.
      for (let k = 0; k < Math.min(3, p.codebookSize); k++)
        for (let d = 0; d < p.dim; d++) {
          const v = p.x[d];
          const nudged = f(v + (k - 1) * 2 ** (Math.floor(Math.log2(Math.abs(v) || 2 ** -40)) - 23));
          p.codebooks[k * p.dim + d] = Math.abs(nudged) >= 2 ** -40 ? nudged : 0;
        }
      expect(admitted(p)).toBe(true);
      for (const stages of [1, p.numQuantizers]) expect(encode(p, stages, rvqEncodeSplit)).toEqual(encode(p, stages));
    }
  });

  it('keeps the first of equal distances and sums in dimension order', () => {
    const p: Problem = {
      frames: 1,
      dim: 5,
      numQuantizers: 1,
      codebookSize: 3,
      x: new Float32Array(5),
      codebooks: Float32Array.from([
        ...[1 + 2 ** -23, 0, 0, 0, 0],
        ...[1, 2 ** -12, 2 ** -12, 2 ** -12, 2 ** -12],
        ...[1, 2 ** -12, 2 ** -12, 2 ** -12, 2 ** -12],
      ]),
    };
    expect(encode(p, 1, rvqEncodeSplit)).toEqual([[1]]);
    expect(encode(p, 1)).toEqual([[1]]);
  });

  it('rounds each difference to float32 before squaring it', () => {
    // r = 1 + 4u (u = 2^-23). Codeword 0 is 0: the square of r rounds to 1 + 8u. Codeword 1 is
    // 3 * 2^-26: r - c = 1 + 3.625u rounds back to r, a tie that codeword 0 wins; unrounded, the
    // square would round to 1 + 7u and codeword 1 would win.
    const p: Problem = {
      frames: 1,
      dim: 1,
      numQuantizers: 1,
      codebookSize: 2,
      x: Float32Array.of(1 + 2 ** -21),
      codebooks: Float32Array.of(0, 3 * 2 ** -26),
    };
    expect(encode(p, 1, rvqEncodeSplit)).toEqual([[0]]);
    expect(encode(p, 1)).toEqual([[0]]);
  });

  it('rvqSplitFits refuses NaN, infinities and magnitudes outside [2^-40, 2^48] other than zero', () => {
    for (const v of [0, -0, 2 ** -40, -(2 ** -40), 2 ** 48, -(2 ** 48), 1.5])
      expect(rvqSplitFits(Float32Array.of(1, v), 2)).toBe(true);
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** -41, -(2 ** 49), 1e-45])
      expect(rvqSplitFits(Float32Array.of(1, v), 2)).toBe(false);
    expect(rvqSplitFits(Float32Array.of(1, Number.NaN), 1)).toBe(true); // only the first n values
  });
});

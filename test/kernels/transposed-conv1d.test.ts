// transposedConv1d (float). Definition (scatter form): every input frame i adds
//   w[co][k][ci] * x[i][ci]   to output frame  i*stride + k,
// output length (Tin - 1)*stride + K, then bias. Checked in float64 computed by scattering (a
// different formulation from the kernel's gather), and bit for bit in float32 in the documented
// order: per output frame, inputs earliest first; each input's dot product over Cin with even and
// odd channels summed apart and added; contributions summed from zero; bias last.
import { describe, expect, it } from 'vitest';
import { transposedConv1d } from '../../src/kernels/transposed-conv1d.js';
import { Rng, SENTINEL, firstBitMismatch, firstToleranceMismatch, sumTolerance } from './random.js';

const fr = Math.fround;

interface Case {
  name: string;
  tIn: number;
  cIn: number;
  cOut: number;
  kernel: number;
  stride: number;
  bias: boolean;
  wide?: boolean;
}

interface Data {
  x: Float32Array;
  w: Float32Array;
  b: Float32Array | null;
  X: number[][]; // [t][ci]
  W: number[][][]; // [co][k][ci]
  B: number[] | null;
}

function makeData(c: Case, rng: Rng): Data {
  const value = () => (c.wide ? fr(rng.wideFloat(-10, 3)) : rng.float(-1, 1));
  const X = Array.from({ length: c.tIn }, () => Array.from({ length: c.cIn }, value));
  const W = Array.from({ length: c.cOut }, () =>
    Array.from({ length: c.kernel }, () => Array.from({ length: c.cIn }, value)),
  );
  const B = c.bias ? Array.from({ length: c.cOut }, () => rng.float(-1, 1)) : null;
  const x = new Float32Array(c.tIn * c.cIn);
  for (let t = 0; t < c.tIn; t++) for (let ci = 0; ci < c.cIn; ci++) x[t * c.cIn + ci] = X[t][ci];
  const w = new Float32Array(c.cOut * c.kernel * c.cIn);
  for (let co = 0; co < c.cOut; co++) {
    for (let k = 0; k < c.kernel; k++)
      for (let ci = 0; ci < c.cIn; ci++) w[(co * c.kernel + k) * c.cIn + ci] = W[co][k][ci];
  }
  return { x, w, b: B ? Float32Array.from(B) : null, X, W, B };
}

const outputFrames = (c: Case) => (c.tIn - 1) * c.stride + c.kernel;

function referenceFloat64(c: Case, d: Data): { y: number[]; tol: number[] } {
  const tOut = outputFrames(c);
  const Y = Array.from({ length: tOut }, () => new Array<number>(c.cOut).fill(0));
  const A = Array.from({ length: tOut }, () => new Array<number>(c.cOut).fill(0)); // sum of |terms|
  const N = Array.from({ length: tOut }, () => new Array<number>(c.cOut).fill(0)); // number of terms
  for (let i = 0; i < c.tIn; i++) {
    for (let k = 0; k < c.kernel; k++) {
      for (let co = 0; co < c.cOut; co++) {
        for (let ci = 0; ci < c.cIn; ci++) {
          const p = d.W[co][k][ci] * d.X[i][ci];
          Y[i * c.stride + k][co] += p;
          A[i * c.stride + k][co] += Math.abs(p);
          N[i * c.stride + k][co]++;
        }
      }
    }
  }
  const y: number[] = [];
  const tol: number[] = [];
  for (let o = 0; o < tOut; o++) {
    for (let co = 0; co < c.cOut; co++) {
      const b = d.B ? d.B[co] : 0;
      y.push(Y[o][co] + b);
      tol.push(sumTolerance(N[o][co] + 2, A[o][co] + Math.abs(b)));
    }
  }
  return { y, tol };
}

function referenceFloat32(c: Case, d: Data): number[] {
  const y: number[] = [];
  for (let o = 0; o < outputFrames(c); o++) {
    for (let co = 0; co < c.cOut; co++) {
      let sum = 0;
      for (let i = 0; i < c.tIn; i++) {
        const k = o - i * c.stride;
        if (k < 0 || k >= c.kernel) continue; // input i does not reach output o
        let even = 0;
        let odd = 0;
        for (let ci = 0; ci < c.cIn; ci++) {
          const p = fr(d.X[i][ci] * d.W[co][k][ci]);
          if (ci % 2 === 0) even = fr(even + p);
          else odd = fr(odd + p);
        }
        sum = fr(sum + fr(even + odd));
      }
      y.push(d.B ? fr(sum + d.B[co]) : sum);
    }
  }
  return y;
}

function runKernel(c: Case, d: Data): { y: Float32Array; size: number } {
  const size = outputFrames(c) * c.cOut;
  const y = new Float32Array(size + 9).fill(SENTINEL);
  transposedConv1d(d.x, c.tIn, c.cIn, d.w, d.b, c.kernel, c.stride, y, c.cOut);
  return { y, size };
}

const edgeCases: Case[] = [
  { name: 'stride > kernel (gaps get the bias only)', tIn: 5, cIn: 3, cOut: 2, kernel: 2, stride: 5, bias: true },
  { name: 'stride > kernel, no bias (gaps are zero)', tIn: 4, cIn: 4, cOut: 3, kernel: 3, stride: 7, bias: false },
  { name: 'stride = kernel (no overlap)', tIn: 6, cIn: 5, cOut: 3, kernel: 4, stride: 4, bias: true },
  { name: 'stride < kernel (overlap), upsampling by 2', tIn: 7, cIn: 6, cOut: 4, kernel: 4, stride: 2, bias: true },
  { name: 'heavy overlap, K = 3 x stride + 1', tIn: 9, cIn: 4, cOut: 3, kernel: 10, stride: 3, bias: true, wide: true },
  { name: 'K=1 (pointwise), stride 1', tIn: 5, cIn: 8, cOut: 6, kernel: 1, stride: 1, bias: true },
  { name: 'K=1, stride 3', tIn: 4, cIn: 3, cOut: 2, kernel: 1, stride: 3, bias: false },
  { name: 'single input frame', tIn: 1, cIn: 5, cOut: 4, kernel: 6, stride: 3, bias: true },
  { name: 'single output frame (Tin = 1, K = 1)', tIn: 1, cIn: 3, cOut: 2, kernel: 1, stride: 4, bias: true },
  { name: 'Cin=1', tIn: 8, cIn: 1, cOut: 3, kernel: 4, stride: 2, bias: true },
  { name: 'odd Cin (7), wide values', tIn: 6, cIn: 7, cOut: 3, kernel: 5, stride: 2, bias: true, wide: true },
  { name: 'odd Cin (9), no bias', tIn: 5, cIn: 9, cOut: 2, kernel: 3, stride: 1, bias: false },
  { name: 'many channels, wide values', tIn: 4, cIn: 32, cOut: 3, kernel: 8, stride: 4, bias: true, wide: true },
];

function randomCases(count: number, seed: number): Case[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const tIn = rng.int(1, 8);
    const cIn = rng.int(1, 11);
    const cOut = rng.int(1, 6);
    const kernel = rng.int(1, 9);
    const stride = rng.int(1, 6);
    return {
      name: `random #${i}: Tin ${tIn}, Cin ${cIn}, Cout ${cOut}, K ${kernel}, stride ${stride}`,
      tIn,
      cIn,
      cOut,
      kernel,
      stride,
      bias: rng.bool(),
      wide: rng.bool(),
    };
  });
}

const allCases = [...edgeCases, ...randomCases(30, 0x7c0d)];

describe.each(allCases)('transposedConv1d: $name', (c) => {
  const seed = c.tIn * 1299709 + c.cIn * 131 + c.kernel * 7 + c.stride;

  it('float64 scatter reference within tolerance', () => {
    const d = makeData(c, new Rng(seed));
    const { y, size } = runKernel(c, d);
    const ref = referenceFloat64(c, d);
    expect(firstToleranceMismatch(y, ref.y, ref.tol)).toBeNull();
    for (let i = size; i < y.length; i++) expect(y[i], 'write past the output').toBe(SENTINEL);
  });

  it('bit-exact float32 reference in the documented order', () => {
    const d = makeData(c, new Rng(seed));
    const { y } = runKernel(c, d);
    expect(firstBitMismatch(y, referenceFloat32(c, d))).toBeNull();
  });
});

describe('transposedConv1d: hand-computed and order checks', () => {
  it('upsampling by 2 with K = 3, one channel', () => {
    // x = [1, 2], w = [1, 10, 100], stride 2 -> y has (2-1)*2 + 3 = 5 frames:
    // frame 0: 1*1, 1: 1*10, 2: 1*100 + 2*1, 3: 2*10, 4: 2*100; bias 0.5
    const y = new Float32Array(5);
    transposedConv1d(
      Float32Array.from([1, 2]),
      2,
      1,
      Float32Array.from([1, 10, 100]),
      Float32Array.from([0.5]),
      3,
      2,
      y,
      1,
    );
    expect(Array.from(y)).toEqual([1.5, 10.5, 102.5, 20.5, 200.5]);
  });

  it('gaps between footprints (stride > K) hold exactly the bias', () => {
    const y = new Float32Array(3 * 5 + 2);
    transposedConv1d(
      Float32Array.from([1, 2, 3]),
      3,
      1,
      Float32Array.from([4, 5]),
      Float32Array.from([-0.25]),
      2,
      5,
      y,
      1,
    );
    // frames 0..11: input i covers 5i and 5i+1
    expect(Array.from(y.subarray(0, 12))).toEqual([
      3.75, 4.75, -0.25, -0.25, -0.25, 7.75, 9.75, -0.25, -0.25, -0.25, 11.75, 14.75,
    ]);
  });

  it('the documented order differs from a plain running sum on some inputs (the bit-exact test can tell)', () => {
    let differing = 0;
    for (const c of allCases) {
      const d = makeData(c, new Rng(c.tIn * 1299709 + c.cIn * 131 + c.kernel * 7 + c.stride));
      // plain order: every product of output (o, co) added to one float32 sum, inputs earliest first
      const plain: number[] = [];
      for (let o = 0; o < outputFrames(c); o++) {
        for (let co = 0; co < c.cOut; co++) {
          let s = 0;
          for (let i = 0; i < c.tIn; i++) {
            const k = o - i * c.stride;
            if (k >= 0 && k < c.kernel) for (let ci = 0; ci < c.cIn; ci++) s = fr(s + fr(d.X[i][ci] * d.W[co][k][ci]));
          }
          plain.push(d.B ? fr(s + d.B[co]) : s);
        }
      }
      if (firstBitMismatch(runKernel(c, d).y, plain) !== null) differing++;
    }
    expect(differing).toBeGreaterThan(5);
  });
});

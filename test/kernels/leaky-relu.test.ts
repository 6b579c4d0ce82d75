// leakyRelu (float): y = x for x > 0, x * alpha otherwise, one float32 rounding of the product
// (TFLite: `val > 0 ? val : val * alpha` in float32).
import { describe, expect, it } from 'vitest';
import { leakyRelu } from '../../src/kernels/leaky-relu.js';
import { Rng, SENTINEL, firstBitMismatch, firstToleranceMismatch } from './random.js';

const fr = Math.fround;
const F32_MAX = fr(3.4028234663852886e38);
const F32_MIN_SUBNORMAL = 2 ** -149;

/** Inputs: random values over many binades plus the special ones. */
function inputs(rng: Rng, n: number): Float32Array {
  const special = [
    0,
    -0,
    1,
    -1,
    F32_MIN_SUBNORMAL,
    -F32_MIN_SUBNORMAL,
    -(2 ** -126),
    F32_MAX,
    -F32_MAX,
    Infinity,
    -Infinity,
    -1e-30,
    1e-30,
    Number.NaN,
  ];
  const x = new Float32Array(n + special.length);
  for (let i = 0; i < n; i++) x[i] = rng.pick([rng.float(-4, 4), rng.wideFloat(-60, 60), rng.wideFloat(-140, -120)]);
  x.set(special, n);
  return x;
}

// The usual alphas take the kernel's branch-free loop; -0, NaN, the infinities and 1e30 (for
// which alpha + (1 - alpha) is not 1) take its plain branch: both must give the same bits.
const ALPHAS = [
  fr(0.2),
  fr(0.01),
  fr(0.3),
  0.5,
  1,
  0,
  fr(1.7),
  fr(-0.1),
  2,
  1e-30,
  1e30,
  -0,
  Number.NaN,
  Infinity,
  -Infinity,
];

describe.each(ALPHAS)('leakyRelu, alpha %s', (alpha) => {
  it('float64 reference within one float32 rounding', () => {
    const x = inputs(new Rng(0x1eaf + Math.round(alpha * 1000)), 3000);
    const y = new Float32Array(x.length + 5).fill(SENTINEL);
    leakyRelu(x, x.length, alpha, y);
    const ref: number[] = [];
    const tol: number[] = [];
    for (let i = 0; i < x.length; i++) {
      let v = x[i] > 0 ? x[i] : x[i] * alpha; // float64
      if (Math.abs(v) >= 2 ** 128 * (1 - 2 ** -25)) v = v > 0 ? Infinity : -Infinity; // float32 overflow
      ref.push(v);
      tol.push(Number.isFinite(v) ? Math.abs(v) * 2 ** -24 + F32_MIN_SUBNORMAL : 0);
    }
    // infinities compare equal with tolerance 0 only if they are the same infinity
    for (let i = 0; i < x.length; i++) if (!Number.isFinite(ref[i])) expect(y[i], `index ${i}`).toBe(ref[i]);
    const finite = ref.map((v, i) => (Number.isFinite(v) ? i : -1)).filter((i) => i >= 0);
    expect(
      firstToleranceMismatch(
        finite.map((i) => y[i]),
        finite.map((i) => ref[i]),
        finite.map((i) => tol[i]),
      ),
    ).toBeNull();
    for (let i = x.length; i < y.length; i++) expect(y[i]).toBe(SENTINEL);
  });

  it('bit-exact float32 reference (signed zeros included)', () => {
    const x = inputs(new Rng(0x1eb0 + Math.round(alpha * 1000)), 3000);
    const y = new Float32Array(x.length);
    leakyRelu(x, x.length, alpha, y);
    const ref = Array.from(x, (v) => (v > 0 ? v : fr(v * alpha)));
    expect(firstBitMismatch(y, ref)).toBeNull();
  });
});

describe('leakyRelu: in place and partial lengths', () => {
  it('works in place (y aliases x) and touches only the first n elements', () => {
    const rng = new Rng(77);
    const x = inputs(rng, 500);
    const expected = Array.from(x, (v) => (v > 0 ? v : fr(v * fr(0.2))));
    const n = x.length - 7;
    const tail = Array.from(x.subarray(n));
    leakyRelu(x, n, fr(0.2), x);
    expect(firstBitMismatch(x, expected, n)).toBeNull();
    expect(Array.from(x.subarray(n))).toEqual(tail);
  });

  it('hand-computed values', () => {
    const y = new Float32Array(5);
    leakyRelu(Float32Array.from([3, -3, 0, -0.5, 1e-3]), 5, 0.25, y);
    expect(Array.from(y)).toEqual([3, -0.75, 0, -0.125, fr(1e-3)]);
    expect(Object.is(y[2], 0)).toBe(true);
    leakyRelu(Float32Array.from([-0]), 1, 0.25, y);
    expect(Object.is(y[0], -0)).toBe(true); // -0 is not > 0: -0 * alpha = -0
  });
});

// elu (float): y = x for x > 0, alpha * (exp(x) - 1) otherwise. TFLite's ELU (alpha = 1) computes
// expm1 in float32; the kernel takes Math.expm1 and rounds once to float32.
import { describe, expect, it } from 'vitest';
import { elu } from '../../src/kernels/elu.js';
import { Rng, SENTINEL, firstBitMismatch, firstToleranceMismatch } from './random.js';

const fr = Math.fround;
const F32_MAX = fr(3.4028234663852886e38);

function inputs(rng: Rng, n: number): Float32Array {
  const special = [
    0,
    -0,
    1,
    -1,
    2 ** -149,
    -(2 ** -149),
    -(2 ** -126),
    -1e-30,
    -1e-7,
    -20,
    -88,
    -104,
    -1000,
    F32_MAX,
    -F32_MAX,
    -Infinity,
    Infinity,
  ];
  const x = new Float32Array(n + special.length);
  for (let i = 0; i < n; i++) x[i] = rng.pick([rng.float(-6, 6), rng.wideFloat(-40, 7), -rng.float(0, 1e-3)]);
  x.set(special, n);
  return x;
}

/** The exact definition in float64: exp(x) - 1 (no expm1), tolerance covers its cancellation error. */
function referenceFloat64(x: Float32Array, alpha: number): { y: number[]; tol: number[] } {
  const y: number[] = [];
  const tol: number[] = [];
  for (const v of x) {
    if (v > 0) {
      y.push(v);
      tol.push(0);
    } else {
      const r = alpha * (Math.exp(v) - 1);
      y.push(r);
      tol.push(Math.abs(r) * 2 ** -23 + Math.abs(alpha) * 2 ** -51 + 2 ** -149);
    }
  }
  return { y, tol };
}

describe.each([1, fr(0.5), fr(1.3), 2])('elu, alpha %s', (alpha) => {
  it('float64 reference (exp(x) - 1) within float32 rounding', () => {
    const x = inputs(new Rng(0xe1 + alpha * 100), 4000);
    const y = new Float32Array(x.length + 3).fill(SENTINEL);
    elu(x, x.length, alpha, y);
    const ref = referenceFloat64(x, alpha);
    const finite = ref.y.map((v, i) => (Number.isFinite(v) ? i : -1)).filter((i) => i >= 0);
    for (let i = 0; i < x.length; i++) if (!Number.isFinite(ref.y[i])) expect(y[i]).toBe(ref.y[i]);
    expect(
      firstToleranceMismatch(
        finite.map((i) => y[i]),
        finite.map((i) => ref.y[i]),
        finite.map((i) => ref.tol[i]),
      ),
    ).toBeNull();
    for (let i = x.length; i < y.length; i++) expect(y[i]).toBe(SENTINEL);
  });

  it('bit-exact: positives pass through, the rest is alpha * expm1(x) rounded once to float32', () => {
    const x = inputs(new Rng(0xe2 + alpha * 100), 4000);
    const y = new Float32Array(x.length);
    elu(x, x.length, alpha, y);
    const ref = Array.from(x, (v) => (v > 0 ? v : fr(alpha * Math.expm1(v))));
    expect(firstBitMismatch(y, ref)).toBeNull();
  });
});

describe('elu: hand-computed and in place', () => {
  it('saturates at -alpha, keeps signed zeros, and uses expm1 precision for tiny negatives', () => {
    const y = new Float32Array(6);
    elu(Float32Array.from([-1000, -Infinity, 0, -0, 5, -1e-7]), 6, 1, y);
    expect(y[0]).toBe(-1);
    expect(y[1]).toBe(-1);
    expect(Object.is(y[2], 0)).toBe(true);
    expect(Object.is(y[3], -0)).toBe(true);
    expect(y[4]).toBe(5);
    // expm1(-1e-7) = -9.9999995e-8: exp(x) - 1 in float32 would give 0 or a value off by ~1%
    expect(Math.abs(y[5] - -9.9999995e-8) / 1e-7).toBeLessThan(1e-6);
    elu(Float32Array.from([-1000]), 1, 0.5, y);
    expect(y[0]).toBe(-0.5);
  });

  it('works in place and touches only the first n elements', () => {
    const x = inputs(new Rng(5), 300);
    const expected = Array.from(x, (v) => (v > 0 ? v : fr(Math.expm1(v))));
    const n = x.length - 4;
    const tail = Array.from(x.subarray(n));
    elu(x, n, 1, x);
    expect(firstBitMismatch(x, expected, n)).toBeNull();
    expect(Array.from(x.subarray(n))).toEqual(tail);
  });
});

// add (float): y = a + b with one float32 rounding.
import { describe, expect, it } from 'vitest';
import { add } from '../../src/kernels/add.js';
import { Rng, SENTINEL, firstBitMismatch, firstToleranceMismatch } from './random.js';

const fr = Math.fround;

function operands(seed: number, n: number): { a: Float32Array; b: Float32Array } {
  const rng = new Rng(seed);
  const a = new Float32Array(n);
  const b = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    switch (i % 5) {
      case 0:
        a[i] = rng.float(-1, 1);
        b[i] = rng.float(-1, 1);
        break;
      case 1:
        a[i] = rng.wideFloat(-30, 30);
        b[i] = rng.wideFloat(-30, 30);
        break;
      case 2:
        a[i] = rng.wideFloat(-5, 5);
        b[i] = fr(-a[i] * (1 + rng.float(-1e-6, 1e-6)));
        break; // cancellation
      case 3:
        a[i] = rng.wideFloat(20, 30);
        b[i] = rng.wideFloat(-10, 0);
        break; // absorption
      default:
        a[i] = rng.wideFloat(120, 127.9);
        b[i] = rng.wideFloat(120, 127.9);
        break; // near overflow
    }
  }
  return { a, b };
}

describe('add', () => {
  it('float64 reference within one float32 rounding (overflow to infinity where float32 overflows)', () => {
    const { a, b } = operands(0xadd1, 5000);
    const y = new Float32Array(a.length + 4).fill(SENTINEL);
    add(a, b, a.length, y);
    const exact = Array.from(a, (v, i) => v + b[i]);
    const finite: number[] = [];
    for (let i = 0; i < a.length; i++) {
      if (Math.abs(exact[i]) >= 2 ** 128 * (1 - 2 ** -25)) expect(Math.abs(y[i]), `index ${i}`).toBe(Infinity);
      else finite.push(i);
    }
    expect(finite.length).toBeGreaterThan(4000);
    expect(
      firstToleranceMismatch(
        finite.map((i) => y[i]),
        finite.map((i) => exact[i]),
        finite.map((i) => Math.abs(exact[i]) * 2 ** -24),
      ),
    ).toBeNull();
    for (let i = a.length; i < y.length; i++) expect(y[i]).toBe(SENTINEL);
  });

  it('bit-exact float32 sum', () => {
    const { a, b } = operands(0xadd2, 5000);
    const y = new Float32Array(a.length);
    add(a, b, a.length, y);
    expect(
      firstBitMismatch(
        y,
        Array.from(a, (v, i) => fr(v + b[i])),
      ),
    ).toBeNull();
  });

  it('in place: y aliasing a or b, only the first n elements', () => {
    const { a, b } = operands(0xadd3, 400);
    const expected = Array.from(a, (v, i) => fr(v + b[i]));
    const a1 = a.slice();
    const n = 397;
    add(a1, b, n, a1);
    expect(firstBitMismatch(a1, expected, n)).toBeNull();
    expect(Array.from(a1.subarray(n))).toEqual(Array.from(a.subarray(n)));
    const b1 = b.slice();
    add(a, b1, n, b1);
    expect(firstBitMismatch(b1, expected, n)).toBeNull();
    expect(Array.from(b1.subarray(n))).toEqual(Array.from(b.subarray(n)));
  });

  it('hand-computed values', () => {
    const y = new Float32Array(4);
    add(Float32Array.from([1, 2 ** 24, 0.1, 3]), Float32Array.from([2, 1, 0.2, -3]), 4, y);
    expect(y[0]).toBe(3);
    expect(y[1]).toBe(2 ** 24); // 2^24 + 1 rounds to even in float32
    expect(y[2]).toBe(fr(fr(0.1) + fr(0.2)));
    expect(Object.is(y[3], 0)).toBe(true);
  });
});

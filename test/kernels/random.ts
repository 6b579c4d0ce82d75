// Small seeded PRNG for the kernel tests (mulberry32), with helpers for the shapes and value
// ranges the kernels see. Every test builds its own Rng from a fixed seed, so failures reproduce.

import { mulberry32 } from '../../src/util/prng.js';

export class Rng {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** Uniform uint32 (mulberry32's output before its scaling to [0, 1), which is exact). */
  nextU32(): number {
    return this.next() * 4294967296;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.uniform() * (hi - lo + 1));
  }

  /** Uniform int32 over the whole range [-2^31, 2^31 - 1]. */
  int32(): number {
    return this.nextU32() | 0;
  }

  bool(): boolean {
    return (this.nextU32() & 1) === 1;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }

  /** A float32 value uniform in [lo, hi). */
  float(lo: number, hi: number): number {
    return Math.fround(lo + (hi - lo) * this.uniform());
  }

  /** A float32 value with a random sign and a magnitude spread over several binades. */
  wideFloat(minExp: number, maxExp: number): number {
    const v = Math.fround(2 ** (minExp + (maxExp - minExp) * this.uniform()));
    return this.bool() ? -v : v;
  }

  f32Array(n: number, lo = -1, hi = 1): Float32Array {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = this.float(lo, hi);
    return a;
  }

  i8Array(n: number, lo = -128, hi = 127): Int8Array {
    const a = new Int8Array(n);
    for (let i = 0; i < n; i++) a[i] = this.int(lo, hi);
    return a;
  }

  i32Array(n: number, lo: number, hi: number): Int32Array {
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++) a[i] = this.int(lo, hi);
    return a;
  }
}

/** Index and values of the first element where two float arrays differ bit for bit (or null). */
export function firstBitMismatch(
  actual: Float32Array,
  expected: ArrayLike<number>,
  n = expected.length,
): string | null {
  const a = new Float32Array(1);
  const b = new Float32Array(1);
  const ab = new Uint32Array(a.buffer);
  const bb = new Uint32Array(b.buffer);
  for (let i = 0; i < n; i++) {
    a[0] = actual[i];
    b[0] = expected[i];
    if (ab[0] !== bb[0]) {
      return `index ${i}: got ${actual[i]} (0x${ab[0].toString(16)}), expected ${expected[i]} (0x${bb[0].toString(16)})`;
    }
  }
  return null;
}

/** Index and values of the first element where |actual - expected| > tolerance[i] (or null). */
export function firstToleranceMismatch(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: ArrayLike<number>,
  n = expected.length,
): string | null {
  for (let i = 0; i < n; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    if (!(err <= tolerance[i])) {
      return `index ${i}: got ${actual[i]}, expected ${expected[i]} (error ${err} > tolerance ${tolerance[i]})`;
    }
  }
  return null;
}

/** First index where two integer arrays differ (or null). */
export function firstIntMismatch(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  n = expected.length,
): string | null {
  for (let i = 0; i < n; i++) {
    if (actual[i] !== expected[i]) return `index ${i}: got ${actual[i]}, expected ${expected[i]}`;
  }
  return null;
}

/**
 * Rigorous bound for a float32 sum of `terms` rounded products and additions, relative to the
 * sum of the magnitudes of the exact terms: (terms + 3) * 2^-24 * sumAbs, plus a tiny absolute
 * floor for underflow. Tighter than 1e-5 * sumAbs for short sums, and never flaky for long ones.
 */
export function sumTolerance(terms: number, sumAbs: number): number {
  return Math.max(1e-5, (terms + 3) * 2 ** -24) * sumAbs + 1e-30;
}

/** Output buffers are over-allocated and filled with this sentinel to catch writes past the end. */
export const SENTINEL = -12345.5;

// SlidingQuantile (src/web/sliding-quantile.ts) against a naive reference: keep the latest values
// in an array and sort a copy for every question.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../src/util/prng.js';
import { SlidingQuantile } from '../src/web/sliding-quantile.js';

function naiveQuantile(latest: number[], q: number, empty: number): number {
  if (latest.length === 0) return empty;
  const sorted = [...latest].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))];
}

describe('SlidingQuantile', () => {
  for (const capacity of [1, 2, 7, 100, 500]) {
    it(`capacity ${capacity}: every quantile after every push is the naive one's`, () => {
      const random = mulberry32(capacity);
      const window = new SlidingQuantile(capacity);
      const latest: number[] = [];
      expect(window.quantile(0.5, -1)).toBe(-1);
      for (let i = 0; i < 3 * capacity + 50; i++) {
        // Repeats, ties, negatives, zero and huge values: what a list of gaps and compute times can hold.
        const pick = random();
        const value =
          pick < 0.2 ? Math.floor(random() * 4) : pick < 0.25 ? -random() : pick < 0.3 ? 1e9 : random() * 40;
        window.push(value);
        latest.push(value);
        if (latest.length > capacity) latest.shift();
        expect(window.length).toBe(latest.length);
        for (const q of [0, 0.1, 0.5, 0.9, 0.995, 1]) expect(window.quantile(q, -1)).toBe(naiveQuantile(latest, q, -1));
      }
    });
  }

  it('refuses a capacity that is not a positive integer, and NaN values', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => new SlidingQuantile(bad)).toThrow(RangeError);
    expect(() => new SlidingQuantile(3).push(Number.NaN)).toThrow(/NaN/);
  });
});

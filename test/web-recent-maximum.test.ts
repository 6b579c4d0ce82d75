// RecentMaximum (src/web/recent-maximum.ts) against a naive reference: keep every value with its
// time and scan the window for every question.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../src/util/prng.js';
import { RecentMaximum } from '../src/web/recent-maximum.js';

function naiveMax(all: { at: number; value: number }[], now: number, windowMs: number, empty: number): number {
  let best = empty;
  let found = false;
  for (const { at, value } of all)
    if (at >= now - windowMs && (!found || value > best)) {
      best = value;
      found = true;
    }
  return best;
}

describe('RecentMaximum', () => {
  for (const windowMs of [1, 50, 2000, 12_000]) {
    it(`a ${windowMs} ms window: the maximum after every push and between pushes is the naive one's`, () => {
      const random = mulberry32(windowMs);
      const recent = new RecentMaximum(windowMs);
      const all: { at: number; value: number }[] = [];
      expect(recent.max(0, -1)).toBe(-1);
      let now = 0;
      for (let i = 0; i < 5000; i++) {
        // Steps of nothing up to several windows (equal times, and the window emptied now and then);
        // ties, negatives and spikes among the values: what a series of gaps between wake-ups holds.
        const step = random();
        // Whole milliseconds, so that values fall exactly on the window's edge too.
        now += Math.floor(step < 0.1 ? 0 : step < 0.97 ? random() * (windowMs / 20 + 4) : random() * 3 * windowMs);
        const pick = random();
        const value =
          pick < 0.2 ? Math.floor(random() * 4) : pick < 0.25 ? -random() : pick < 0.3 ? 1e6 * random() : random() * 40;
        recent.push(now, value);
        all.push({ at: now, value });
        expect(recent.max(now, -1)).toBe(naiveMax(all, now, windowMs, -1));
        if (random() < 0.3) {
          // A question some time after the push, with no push between.
          now += Math.floor(random() * 1.5 * windowMs);
          expect(recent.max(now, -1)).toBe(naiveMax(all, now, windowMs, -1));
        }
      }
      recent.clear();
      expect(recent.max(now, -7)).toBe(-7);
    });
  }

  it('refuses a window that is not a positive number, and NaN', () => {
    for (const bad of [0, -1, Number.NaN, Infinity]) expect(() => new RecentMaximum(bad)).toThrow(RangeError);
    expect(() => new RecentMaximum(5).push(0, Number.NaN)).toThrow(/NaN/);
    expect(() => new RecentMaximum(5).push(Number.NaN, 1)).toThrow(/NaN/);
  });
});

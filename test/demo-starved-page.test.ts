// The demo's starved-page detector (demo/starved-page.ts) on gaps like those measured in headless
// Chromium: a 25 ms timer at full speed, and with the browser in a CPU quota.
import { describe, expect, it } from 'vitest';
import { StarvedPage } from '../demo/starved-page.js';
import { mulberry32 } from '../src/util/prng.js';

const PERIOD = 25;

/** Ticks the detector with `gaps`, the page shown; returns the tick at which it found the page starved (-1: never). */
function starvedAt(gaps: number[], page = new StarvedPage(PERIOD)): number {
  page.tick(PERIOD, false); // the first tick after the page is shown says nothing
  for (let i = 0; i < gaps.length; i++) if (page.tick(gaps[i], false)) return i;
  return -1;
}

describe('StarvedPage', () => {
  it('a page at full speed (gaps of 25-28 ms) is never starved, nor by three late ticks in two seconds', () => {
    const random = mulberry32(1);
    const gaps = Array.from({ length: 4000 }, () => 25 + random() * 3);
    expect(starvedAt(gaps)).toBe(-1);
    // A GC pause or a busy moment now and then: three late ticks within 80.
    for (let i = 100; i < 4000; i += 500) gaps[i] = gaps[i + 10] = gaps[i + 20] = 60;
    expect(starvedAt(gaps)).toBe(-1);
  });

  it('half a core (one gap in ten above 34 ms) is found within two seconds, and stays found', () => {
    const random = mulberry32(2);
    const gaps = Array.from({ length: 400 }, () => (random() < 0.1 ? 36 + random() * 20 : 25 + random() * 5));
    const at = starvedAt(gaps);
    expect(at).toBeGreaterThanOrEqual(3);
    expect(at).toBeLessThan(80);
    const page = new StarvedPage(PERIOD);
    starvedAt(gaps, page);
    for (let i = 0; i < 1000; i++) expect(page.tick(25, false)).toBe(true);
  });

  it('ignores the gaps of a hidden page and the first one after it is shown again', () => {
    const page = new StarvedPage(PERIOD);
    page.tick(PERIOD, false);
    // Hidden: browsers run timers once a second.
    for (let i = 0; i < 20; i++) expect(page.tick(1000, true)).toBe(false);
    expect(page.tick(1000, false)).toBe(false);
    for (let i = 0; i < 200; i++) expect(page.tick(25, false)).toBe(false);
  });

  it('refuses a period that is not a positive number of ms', () => {
    expect(() => new StarvedPage(0)).toThrow(RangeError);
    expect(() => new StarvedPage(Number.NaN)).toThrow(/period/);
  });
});

// The sender-side rate controller (src/codec/rate-controller.ts) under simulated receiver reports:
// steps down on loss and bandwidth, back up additively after a hold, the hysteresis band, the
// bounds and a Lyra-only ladder, determinism, and errors.
import { describe, expect, it } from 'vitest';
import { RateController, RateControllerError, type RateReport } from '../src/codec/rate-controller.js';
import { mulberry32 } from '../src/util/prng.js';

const feed = (c: RateController, reports: RateReport[]) => reports.map((r) => c.report(r));

describe('RateController', () => {
  it('steps down by a quarter at once on heavy loss, and never below minQuantizers', () => {
    const c = new RateController();
    expect(c.quantizers).toBe(46);
    expect(feed(c, Array(8).fill({ fractionLost: 0.2 }))).toEqual([34, 25, 18, 13, 9, 6, 4, 4]);
  });

  it('comes back additively, 2 quantizers per good report, after holdReports good reports', () => {
    const c = new RateController({ initialQuantizers: 20 });
    c.report({ fractionLost: 0.3 });
    expect(c.quantizers).toBe(15);
    expect(feed(c, Array(6).fill({ fractionLost: 0 }))).toEqual([15, 17, 19, 21, 23, 25]);
  });

  it('holds in the hysteresis band between lowLoss and highLoss, and a band report restarts the hold', () => {
    const c = new RateController({ initialQuantizers: 30 });
    expect(feed(c, Array(5).fill({ fractionLost: 0.05 }))).toEqual([30, 30, 30, 30, 30]);
    expect(feed(c, [{ fractionLost: 0 }, { fractionLost: 0.05 }, { fractionLost: 0 }, { fractionLost: 0 }])).toEqual([
      30, 30, 30, 32,
    ]);
  });

  it('caps at what the bandwidth estimate pays for, at once, and climbs back when it grows', () => {
    // 3 kbps * 0.8 = 2400 bps of payload: 12 quantizers (6 bytes per 20 ms).
    const c = new RateController();
    expect(c.report({ bandwidthBps: 3000 })).toBe(12);
    expect(feed(c, Array(3).fill({ bandwidthBps: 3000, fractionLost: 0 }))).toEqual([12, 12, 12]);
    const up = feed(c, Array(20).fill({ bandwidthBps: 20000, fractionLost: 0 }));
    expect(up[0]).toBe(14);
    expect(up.at(-1)).toBe(46);
    // Per-packet overhead counts against the bandwidth: 40 bytes at 50 packets/s is 16 kbps of the 20 kbps allowed.
    const withHeaders = new RateController({ overheadBytes: 40 });
    expect(withHeaders.report({ bandwidthBps: 25000 })).toBe(20);
    expect(withHeaders.report({ bandwidthBps: 1000 })).toBe(4);
  });

  it('on a Lyra ladder, moves only between 16, 30 and 46', () => {
    const c = new RateController({ ladder: [16, 30, 46], minQuantizers: 16 });
    expect(feed(c, [{ fractionLost: 0.15 }, { fractionLost: 0.15 }, { fractionLost: 0.15 }])).toEqual([30, 16, 16]);
    expect(feed(c, Array(4).fill({ fractionLost: 0 }))).toEqual([16, 30, 46, 46]);
    expect(c.report({ bandwidthBps: 8000 })).toBe(30);
  });

  it('follows a simulated call: down during a congested stretch, back up after, the same way every time', () => {
    const run = () => {
      const random = mulberry32(5);
      const c = new RateController();
      const counts: number[] = [];
      for (let second = 0; second < 60; second++) {
        const congested = second >= 10 && second < 25;
        counts.push(c.report({ fractionLost: congested ? 0.12 + 0.1 * random() : 0.01 * random() }));
      }
      return counts;
    };
    const counts = run();
    expect(counts.slice(17, 25).every((q) => q === 4)).toBe(true);
    expect(counts[59]).toBe(46);
    for (let i = 26; i < 59; i++) expect(counts[i + 1] - counts[i]).toBeLessThanOrEqual(2);
    expect(run()).toEqual(counts);
  });

  it('rejects bad options and reports with RateControllerError', () => {
    expect(() => new RateController({ minQuantizers: 0 })).toThrow(RateControllerError);
    expect(() => new RateController({ minQuantizers: 20, maxQuantizers: 10 })).toThrow(/maxQuantizers/);
    expect(() => new RateController({ lowLoss: 0.5, highLoss: 0.1 })).toThrow(/lowLoss/);
    expect(() => new RateController({ ladder: [16, 16] })).toThrow(/ascending/);
    expect(() => new RateController({ ladder: [] })).toThrow(/empty/);
    expect(() => new RateController({ ladder: [16, 30], initialQuantizers: 20 })).toThrow(/ladder/);
    expect(() => new RateController({ decreaseFactor: 1 })).toThrow(RateControllerError);
    const c = new RateController();
    expect(() => c.report({ fractionLost: 1.5 })).toThrow(/fractionLost/);
    expect(() => c.report({ fractionLost: Number.NaN })).toThrow(RateControllerError);
    expect(() => c.report({ bandwidthBps: -1 })).toThrow(/bandwidthBps/);
    expect(c.quantizers).toBe(46);
    expect(c.bitrate).toBe(9200);
  });
});

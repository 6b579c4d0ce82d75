// A decoder node's playout settings are checked on the page, where the caller can catch the error:
// every value out of range, and any name the node does not know, is a RangeError naming it.
import { describe, expect, it } from 'vitest';
import { checkPlayoutBuffer, DEFAULT_PLAYOUT_BUFFER } from '../src/web/playout-buffer.js';
import type { PlayoutBuffer } from '../src/web/protocol.js';

const with_ = (change: Partial<Record<keyof PlayoutBuffer | 'quantlie', number>>) =>
  ({ ...DEFAULT_PLAYOUT_BUFFER, ...change }) as PlayoutBuffer;

describe('checkPlayoutBuffer', () => {
  it('passes the defaults and settings in range, unchanged', () => {
    expect(checkPlayoutBuffer({ ...DEFAULT_PLAYOUT_BUFFER })).toEqual(DEFAULT_PLAYOUT_BUFFER);
    const tuned = with_({ quantile: 1, peakHoldMs: 0, peakCapMs: 60_000, safetyMs: 20, jitterMs: 30, maxDelayMs: 900 });
    expect(checkPlayoutBuffer(tuned)).toBe(tuned);
  });

  it.each([
    [{ quantile: 0 }, /quantile/],
    [{ quantile: 1.01 }, /quantile/],
    [{ quantile: Number.NaN }, /quantile/],
    [{ peakHoldMs: -1 }, /peakHoldMs/],
    [{ peakHoldMs: 60_001 }, /peakHoldMs/],
    [{ peakCapMs: Number.POSITIVE_INFINITY }, /peakCapMs/],
    [{ safetyMs: Number.NaN }, /safetyMs/],
    [{ jitterMs: -0.5 }, /jitterMs/],
    [{ maxDelayMs: 10 }, /maxDelayMs/],
    [{ maxDelayMs: 901 }, /maxDelayMs/],
    [{ safetyMs: 300, jitterMs: 200 }, /safetyMs \+ jitterMs/],
    [{ quantlie: 0.99 }, /unknown playout setting "quantlie"/],
  ] as const)('refuses %o', (change, message) => {
    expect(() => checkPlayoutBuffer(with_(change))).toThrow(RangeError);
    expect(() => checkPlayoutBuffer(with_(change))).toThrow(message);
  });
});

// The codec workers' overload decisions (src/web/overload.ts) and the jitter buffer's catching up
// (skipOldest), without a browser: test/browser/overload.test.ts runs them live under a CPU quota.
import { describe, expect, it } from 'vitest';
import {
  DelayHold,
  framesToDrop,
  maxDelayFor,
  nextShedStep,
  OVERLOADED_MAX_DELAY_MS,
  OverloadMonitor,
  RELAX_AFTER_WINDOWS,
  SHED_AFTER_WINDOWS,
} from '../src/web/overload.js';

describe('OverloadMonitor', () => {
  it('is quiet while frames cost less than their budget and at most one is dropped a window', () => {
    const m = new OverloadMonitor(20);
    for (let w = 0; w < 5; w++) {
      for (let i = 0; i < 50; i++) m.frame(19.9);
      m.drop(1);
      expect(m.endWindow()).toBeNull();
    }
  });

  it('reports a window whose frames cost more than the budget, with their mean', () => {
    const m = new OverloadMonitor(20);
    m.frame(30);
    m.frame(20);
    expect(m.endWindow()).toEqual({ computeMs: 25, droppedInWindow: 0, shedNow: false });
  });

  it('reports a window with two frames dropped even when the frames were cheap', () => {
    const m = new OverloadMonitor(20);
    m.frame(5);
    m.drop(2);
    expect(m.endWindow()).toMatchObject({ droppedInWindow: 2, shedNow: false });
  });

  it(`sheds only after ${SHED_AFTER_WINDOWS} overloaded windows in a row, and then waits as long again`, () => {
    const m = new OverloadMonitor(20);
    const overloaded = () => {
      m.frame(40);
      return m.endWindow()!.shedNow;
    };
    // A quiet window in between starts the count again.
    expect(overloaded()).toBe(false);
    m.frame(1);
    expect(m.endWindow()).toBeNull();
    const pattern = Array.from({ length: 3 * SHED_AFTER_WINDOWS }, overloaded);
    expect(pattern).toEqual(
      Array.from({ length: 3 * SHED_AFTER_WINDOWS }, (_, i) => (i + 1) % SHED_AFTER_WINDOWS === 0),
    );
  });

  it('a window with no frame at all is not overloaded by itself', () => {
    expect(new OverloadMonitor(20).endWindow()).toBeNull();
  });
});

describe('framesToDrop (encoder input backlog)', () => {
  it('drops nothing up to the bound', () => {
    expect(framesToDrop(0, 960, 2880)).toBe(0);
    expect(framesToDrop(2880, 960, 2880)).toBe(0);
  });

  it('beyond the bound, drops whole frames and keeps between one and two frames', () => {
    for (let backlog = 2881; backlog < 20_000; backlog += 37) {
      const drop = framesToDrop(backlog, 960, 2880);
      const kept = backlog - drop * 960;
      expect(Number.isInteger(drop)).toBe(true);
      expect(kept).toBeGreaterThanOrEqual(960);
      expect(kept).toBeLessThan(2 * 960);
    }
  });

  it('works with frames that are not a whole number of samples (11025 Hz: 220.5)', () => {
    const drop = framesToDrop(2000, 220.5, 661.5);
    expect(drop).toBe(8);
    expect(2000 - drop * 220.5).toBeGreaterThanOrEqual(220.5);
  });
});

describe('nextShedStep', () => {
  it('the fast float path, then nothing', () => {
    expect(nextShedStep('exact')).toBe('precision-fast');
    expect(nextShedStep('fast')).toBeNull();
  });
});

describe('DelayHold and maxDelayFor: a decoder holds its delay down while overloaded', () => {
  it(`holds from the first overloaded window until ${RELAX_AFTER_WINDOWS} quiet ones in a row`, () => {
    const hold = new DelayHold();
    expect(hold.window(false)).toBe(false);
    expect(hold.held).toBe(false);
    expect(hold.window(true)).toBe(true);
    expect(hold.held).toBe(true);
    expect(hold.window(true)).toBe(false);
    // One quiet window short of the count, then overloaded again: the count starts over.
    for (let i = 0; i < RELAX_AFTER_WINDOWS - 1; i++) expect(hold.window(false)).toBe(false);
    expect(hold.window(true)).toBe(false);
    for (let i = 0; i < RELAX_AFTER_WINDOWS - 1; i++) expect(hold.window(false)).toBe(false);
    expect(hold.held).toBe(true);
    expect(hold.window(false)).toBe(true);
    expect(hold.held).toBe(false);
  });

  it('lowers the maximum to OVERLOADED_MAX_DELAY_MS, never raises it, never goes below the floors', () => {
    const limits = { minMarginMs: 10, minJitterMs: 10, maxDelayMs: 400 };
    expect(maxDelayFor(limits, false)).toBe(400);
    expect(maxDelayFor(limits, true)).toBe(OVERLOADED_MAX_DELAY_MS);
    expect(maxDelayFor({ ...limits, maxDelayMs: 120 }, true)).toBe(120);
    expect(maxDelayFor({ minMarginMs: 150, minJitterMs: 150, maxDelayMs: 600 }, true)).toBe(300);
  });
});

// The codec workers' overload decisions (src/web/overload.ts) and the jitter buffer's catching up
// (skipOldest), without a browser: test/browser/overload.test.ts runs them live under a CPU quota.
import { describe, expect, it } from 'vitest';
import { JitterBuffer } from '../src/web/jitter-buffer.js';
import { framesToDrop, nextShedStep, OverloadMonitor, SHED_AFTER_WINDOWS } from '../src/web/overload.js';

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

describe('JitterBuffer.skipOldest (the decoder catching up)', () => {
  const packet = (n: number) => new Uint8Array([n]);

  it('skips the oldest frames down to `keep`, counts them apart from played and concealed, and plays on from there', () => {
    const j = new JitterBuffer();
    for (let seq = 10; seq < 20; seq++) j.push(seq, packet(seq));
    expect(j.take(false)).toEqual({ seq: 10, packet: packet(10) });
    expect(j.span).toBe(9);
    expect(j.skipOldest(2)).toBe(7);
    expect(j.skipped).toBe(7);
    expect(j.span).toBe(2);
    expect(j.take(false)).toEqual({ seq: 18, packet: packet(18) });
    expect(j.take(false)).toEqual({ seq: 19, packet: packet(19) });
    expect([j.played, j.late, j.lost]).toEqual([3, 0, 0]);
    // A packet for a skipped frame that comes now is too late, as one for a played frame.
    expect(j.push(15, packet(15))).toBe('late');
  });

  it('also skips the missing frames before the next packet (the encoder dropped them), but not a lost marker', () => {
    const j = new JitterBuffer();
    j.push(0, packet(0));
    j.take(false);
    j.push(9, packet(9));
    j.push(12, packet(12));
    // span 12 (1..12): keep 2 would start at 11, which is missing: skip to 12.
    expect(j.skipOldest(2)).toBe(11);
    expect(j.take(false)).toEqual({ seq: 12, packet: packet(12) });

    const k = new JitterBuffer();
    k.push(0, packet(0));
    k.take(false);
    k.push(5, null);
    k.push(6, packet(6));
    expect(k.skipOldest(2)).toBe(4);
    expect(k.take(false)).toEqual({ seq: 5, packet: null, why: 'lost' });
  });

  it('does nothing when no more than `keep` frames wait, before playout, or with nothing waiting', () => {
    const j = new JitterBuffer();
    j.push(3, packet(3));
    expect(j.skipOldest(1)).toBe(0); // not started
    j.take(false);
    expect(j.span).toBe(0);
    expect(j.skipOldest(1)).toBe(0);
    j.push(4, packet(4));
    j.push(5, packet(5));
    expect(j.skipOldest(2)).toBe(0);
    expect(j.skipped).toBe(0);
    j.reset();
    expect(j.skipped).toBe(0);
  });
});

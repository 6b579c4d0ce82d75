// The decoder worker's playout margin (src/web/playout-margin.ts), driven as the worker drives it:
// a pump every 4 ms, a frame decoded every 20 ms, and stalls of the worker between pumps.
import { describe, expect, it } from 'vitest';
import { leastBurstMs, PlayoutMargin, STALL_HOLD_MS, STALL_MIN_MS } from '../src/web/playout-margin.js';

const POLL_MS = 4;
const FRAME_MS = 20;
const QUANTUM_MS = 128 / 48; // a render quantum at 48 kHz
const BURST_MS = 2 * QUANTUM_MS; // the port transport's least burst: two render quanta
const COMPUTE_MS = 3;

/** A worker on both clocks at once (the listener's runs with the wall clock unless told otherwise). */
class Worker {
  listenerMs = 0;
  wallMs = 0;
  margin: PlayoutMargin;
  constructor(stallsOnWallClock = true) {
    this.margin = new PlayoutMargin({ pollMs: POLL_MS, frameMs: FRAME_MS, minBurstMs: BURST_MS, stallsOnWallClock });
  }
  last = Number.NaN;

  /** Runs quietly for `ms`: pumps every 4 ms, a 3 ms frame every 20 ms; returns the last margin. */
  run(ms: number): number {
    for (let t = 0; t < ms; t += POLL_MS) {
      this.advance(POLL_MS);
      if (Math.round(this.wallMs) % FRAME_MS === 0) this.margin.decoded(COMPUTE_MS, COMPUTE_MS);
      this.pump();
    }
    return this.last;
  }

  /** The worker does not run for `ms`, then pumps. */
  stall(ms: number): number {
    this.advance(ms);
    return this.pump();
  }

  pump(playheadMs = Number.NaN): number {
    this.last = this.margin.pumped(this.listenerMs, this.wallMs, false, playheadMs);
    this.margin.finished(this.listenerMs, this.wallMs);
    return this.last;
  }

  advance(ms: number): void {
    this.listenerMs += ms;
    this.wallMs += ms;
  }
}

const QUIET = COMPUTE_MS + POLL_MS + BURST_MS;

describe('PlayoutMargin', () => {
  it('before any frame is measured: half a frame of compute; then the 90th percentile of compute, the polling period and the bursts', () => {
    const worker = new Worker();
    expect(worker.margin.pumped(0, 0, false)).toBeCloseTo(FRAME_MS / 2 + POLL_MS + BURST_MS, 9);
    expect(worker.run(3000)).toBeCloseTo(QUIET, 9);
  });

  it(`holds a stall of ${STALL_MIN_MS} ms or more for ${STALL_HOLD_MS / 1000} s, then comes back down`, () => {
    const worker = new Worker();
    worker.run(3000);
    expect(worker.stall(100)).toBeCloseTo(COMPUTE_MS + 100 + BURST_MS, 9);
    // Long after the 2 s of gaps have forgotten it, within the hold.
    expect(worker.run(STALL_HOLD_MS - 500)).toBeCloseTo(COMPUTE_MS + 100 + BURST_MS, 9);
    expect(worker.run(1000)).toBeCloseTo(QUIET, 9);
  });

  it('does not hold shorter gaps: those are for the 2 s quantile (one of them moves nothing)', () => {
    const worker = new Worker();
    worker.run(3000);
    expect(worker.stall(STALL_MIN_MS - 1)).toBeCloseTo(QUIET, 9);
    expect(worker.run(1000)).toBeCloseTo(QUIET, 9);
    // Several in 2 s: the 99.5th percentile of the gaps.
    for (let i = 0; i < 4; i++) {
      worker.stall(30);
      worker.run(100);
    }
    expect(worker.last).toBeCloseTo(COMPUTE_MS + 30 + BURST_MS, 9);
    expect(worker.run(2100)).toBeCloseTo(QUIET, 9);
  });

  it("measures a stall on the wall clock: the port transport's playback positions, read late one after the other, split it on the listener's", () => {
    const worker = new Worker();
    worker.run(3000);
    // 100 ms without running; the positions that came meanwhile are read at once, each 5.3 ms
    // later on the listener's clock than the one before.
    worker.wallMs += 100;
    for (let i = 0; i < 19; i++) {
      worker.listenerMs += 100 / 19;
      worker.pump();
    }
    expect(worker.last).toBeGreaterThanOrEqual(100);
  });

  it("measures a stall on the listener's clock where it reads the playhead live (the ring): on a starved device the audio thread stalled too", () => {
    for (const onWall of [false, true]) {
      const worker = new Worker(onWall);
      worker.run(3000);
      // 100 ms of wall clock in which the listener played only 50 ms.
      worker.wallMs += 100;
      worker.listenerMs += 50;
      worker.pump();
      expect(worker.run(3000), onWall ? 'wall clock' : "listener's clock").toBeCloseTo(
        COMPUTE_MS + (onWall ? 100 : 50) + BURST_MS,
        9,
      );
    }
  });

  it("covers a stall that comes back every 5 s (Firefox's GC of its workers' code) from its second time on", () => {
    const worker = new Worker();
    worker.run(1000);
    const stalls = [60, 125, 45, 80, 110, 70, 95, 50, 120, 65];
    const before: number[] = [];
    for (const ms of stalls) {
      before.push(worker.run(5000));
      worker.stall(ms);
    }
    expect(before[0]).toBeCloseTo(QUIET, 9);
    // Before each later stall the margin covers at least the stall before it (one or two are within
    // the hold), where the 2 s of gaps alone would have been back at the quiet margin.
    for (let k = 1; k < stalls.length; k++) {
      const held = Math.max(stalls[k - 1], k >= 2 ? stalls[k - 2] : 0);
      expect(before[k], `before stall ${k}`).toBeCloseTo(COMPUTE_MS + held + BURST_MS, 9);
    }
  });

  it("counts the audio thread's burst where the playhead is read live: the median of its steps between pumps (headless Chromium reads 10 ms at once)", () => {
    const worker = new Worker(false);
    // Four quanta read at once every 10.7 ms, pumps every 4 ms; a late pump now and then sees two reads as one.
    const burstMs = 4 * QUANTUM_MS;
    let margin = 0;
    for (let t = POLL_MS; t <= 3000; t += POLL_MS) {
      worker.advance(POLL_MS);
      if (t % FRAME_MS === 0) worker.margin.decoded(COMPUTE_MS, COMPUTE_MS);
      const reads = Math.floor(t / burstMs) - (t % 400 === 0 ? 2 : 0);
      margin = worker.pump(reads * burstMs);
    }
    expect(margin).toBeCloseTo(COMPUTE_MS + POLL_MS + burstMs, 9);
    // Never below the least burst (reads of 0.5 ms); where the playhead is not read live (NaN), the least burst.
    const slowReads = new Worker(false);
    for (let i = 1; i <= 500; i++) {
      slowReads.advance(POLL_MS);
      slowReads.pump(i * 0.5);
    }
    expect(slowReads.last).toBeCloseTo(FRAME_MS / 2 + POLL_MS + BURST_MS, 9);
    expect(new Worker().run(3000)).toBeCloseTo(QUIET, 9);
  });

  it("woken by the audio thread's quanta: its wake-ups' lateness (99.5th percentile, plus 1 ms for the stamps), not the gaps between them, and a burst it pumps for twice is one read", () => {
    const worker = new Worker(false);
    const burstMs = 4 * QUANTUM_MS;
    // A burst of four quanta every 10.7 ms; the worker wakes 0-1 ms after its first quantum, pumps
    // (10 us), and pumps again 0.2 ms later for the three quanta that came meanwhile; a frame every
    // 20 ms. One wake-up in 250 is 3 ms late.
    let reads = 0;
    for (let i = 1; i <= 600; i++) {
      const late = i % 250 === 0 ? 3 : i % 2;
      worker.advance(burstMs - 0.21 - late);
      worker.margin.woke(late);
      worker.advance(late);
      worker.pump(reads * burstMs + QUANTUM_MS);
      worker.advance(0.2);
      worker.last = worker.margin.pumped(worker.listenerMs, worker.wallMs, false, ++reads * burstMs);
      if (i % 2 === 0) worker.margin.decoded(COMPUTE_MS, COMPUTE_MS);
      worker.advance(0.01);
      worker.margin.finished(worker.listenerMs, worker.wallMs);
    }
    // The gaps of about 10.7 ms (the reads' period) count for nothing; nor does the 3 ms wake-up
    // once in 250 at the 99.5th percentile of 500.
    expect(worker.last).toBeCloseTo(COMPUTE_MS + 1 + 1 + burstMs, 9);
    // One in 50: it counts.
    for (let i = 1; i <= 500; i++) worker.margin.woke(i % 50 === 0 ? 3 : 1);
    expect(worker.pump(reads * burstMs)).toBeCloseTo(COMPUTE_MS + 3 + 1 + burstMs, 9);
  });

  it("a pump's own decoding is compute, not a gap; compute and gaps count on the clock that ran less", () => {
    const worker = new Worker(false);
    // Every fifth pump decodes for 6 ms of the wall clock, in which the listener's clock jumps 11
    // (the audio thread read a burst); the next pump starts as it ends (the polling timer is due).
    // Once in five gaps the listener's clock runs 11 ms while the wall clock runs 4.
    for (let i = 1; i <= 1000; i++) {
      worker.advance(i % 5 === 1 ? 0 : POLL_MS);
      if (i % 5 === 3) worker.listenerMs += 7;
      worker.last = worker.margin.pumped(worker.listenerMs, worker.wallMs, false);
      if (i % 5 === 0) {
        worker.listenerMs += 11;
        worker.wallMs += 6;
        worker.margin.decoded(11, 6);
      }
      worker.margin.finished(worker.listenerMs, worker.wallMs);
    }
    expect(worker.last).toBeCloseTo(6 + POLL_MS + BURST_MS, 9);
  });

  it("the least burst: a quantum (two where positions come every other quantum), or the device's read in whole quanta", () => {
    expect(leastBurstMs(48000, false, 0)).toBeCloseTo(QUANTUM_MS, 12);
    expect(leastBurstMs(48000, true, 0)).toBeCloseTo(2 * QUANTUM_MS, 12);
    expect(leastBurstMs(48000, true, Number.NaN)).toBeCloseTo(2 * QUANTUM_MS, 12);
    // Headless Chromium's baseLatency: 481 frames at 48 kHz, read as four quanta.
    expect(leastBurstMs(48000, false, 10.0208)).toBeCloseTo(4 * QUANTUM_MS, 12);
    expect(leastBurstMs(48000, true, 10.0208)).toBeCloseTo(4 * QUANTUM_MS, 12);
    // Exactly two quanta stay two; at 16 kHz a quantum is 8 ms.
    expect(leastBurstMs(48000, false, 2 * QUANTUM_MS)).toBeCloseTo(2 * QUANTUM_MS, 12);
    expect(leastBurstMs(16000, false, 10)).toBeCloseTo(16, 12);
  });

  it('an audio queue found empty raises it 5 ms at a time up to 60, fading 0.5 ms a second', () => {
    const worker = new Worker();
    worker.run(3000);
    let margin = 0;
    for (let i = 0; i < 20; i++) {
      worker.advance(POLL_MS);
      margin = worker.margin.pumped(worker.listenerMs, worker.wallMs, true);
    }
    expect(margin - QUIET).toBeCloseTo(60 - ((19 * POLL_MS) / 1000) * 0.5, 1);
    expect(worker.run(10_000) - QUIET).toBeCloseTo(60 - ((19 * POLL_MS + 10_000) / 1000) * 0.5, 1);
  });
});

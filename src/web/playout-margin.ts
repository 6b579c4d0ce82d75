// The decoder worker's playout margin: how much decoded audio to keep queued ahead of the
// listener so that the next frame is decoded and handed over before the queue runs dry. Measured
// by the worker from its own pumps and frames; no clock is read here, so a test can drive it.

import { RecentMaximum } from './recent-maximum.js';
import { SlidingQuantile } from './sliding-quantile.js';

/** How many of the latest frames' compute times the margin is measured over. */
const COMPUTE_FRAMES = 100;
/** How many gaps between pumps the margin looks back over (about 2 s of 4 ms polls). */
const GAPS_KEPT = 500;
/** How many of the audio thread's latest reads its burst is measured over (about 1 s of 10 ms callbacks). */
const BURSTS_KEPT = 100;
/**
 * Pumps that start less than this after the previous one ended (ms) see one read of the audio
 * thread between them: a worker woken by the first quantum of a burst pumps again at once for
 * the rest of it.
 */
const SAME_READ_MS = 1;
/** How far a wake-up's lateness may be understated (ms): both of its stamps are Date.now's whole milliseconds. */
const STAMP_MS = 1;
/** How much an audio queue found empty raises the margin (ms), and how fast that fades (ms per second). */
const STARVED_STEP_MS = 5;
const STARVED_FADE_MS_PER_S = 0.5;
const STARVED_MAX_MS = 60;
/**
 * How long the longest stall is held (ms). Firefox runs a shrinking GC in every worker about every
 * 5 s, busy or not, which throws its compiled code away: the next frame or two then take 40-125 ms
 * to decode instead of 6-10 (measured in the call test, docs/call.md). A stall that comes back
 * every few seconds must be covered the next time, not forgotten with the 2 s of gaps.
 */
export const STALL_HOLD_MS = 12_000;
/**
 * The shortest gap held as a stall (ms): shorter ones come often enough for the 2 s quantile;
 * holding them too cost a quiet Chromium page 3-4 ms of its median mouth to ear.
 */
export const STALL_MIN_MS = 40;

export interface MarginOptions {
  /** The worker's polling period (ms): the least it can go without running. */
  pollMs: number;
  /** One frame (ms): the compute assumed before any frame was measured is half of it. */
  frameMs: number;
  /**
   * The least the audio thread reads at once (ms): a render quantum, or two for the port
   * transport, which reports every other one. Where the worker reads the playhead live, the
   * bursts it sees are taken when larger.
   */
  minBurstMs: number;
  /**
   * Measure stalls on the wall clock (the port transport) rather than the listener's (the
   * SharedArrayBuffer ring, whose playhead the worker reads live): the playback positions that
   * came during a stall are read one after the other when it ends, each a little later than the
   * last, so on the listener's clock the stall falls apart into small steps. (The wall clock
   * overstates what was played meanwhile where the audio thread starved too, as under a CPU
   * quota.)
   */
  stallsOnWallClock: boolean;
}

/**
 * The least the audio thread reads at once (ms): a render quantum (two where the worker learns the
 * playhead from messages sent every other quantum), or the whole quanta the audio device asks for
 * at once (`deviceReadMs`: the context's baseLatency; 0 or NaN where unknown) when more.
 */
export function leastBurstMs(sampleRate: number, everyOtherQuantum: boolean, deviceReadMs: number): number {
  const quantumMs = (128 * 1000) / sampleRate;
  const deviceQuanta = Number.isFinite(deviceReadMs) ? Math.ceil(deviceReadMs / quantumMs - 1e-6) : 0;
  return quantumMs * Math.max(everyOtherQuantum ? 2 : 1, deviceQuanta);
}

export class PlayoutMargin {
  private readonly compute = new SlidingQuantile(COMPUTE_FRAMES);
  /** How long the worker went without looking: from the end of one pump to the start of the next. */
  private readonly gaps = new SlidingQuantile(GAPS_KEPT);
  /** How late the worker woke after the audio thread's quantum, where it waits for them (ring.ts's afterTick). */
  private readonly latencies = new SlidingQuantile(GAPS_KEPT);
  /** The playhead's steps between two pumps, where it moved: what the audio thread read at once. */
  private readonly bursts = new SlidingQuantile(BURSTS_KEPT);
  /** The playhead's step so far in pumps that came one right after the other (SAME_READ_MS). */
  private pendingStep = 0;
  /** Stalls of STALL_MIN_MS or more, from the start of one pump to the start of the next, on the clock the options say. */
  private readonly stalls = new RecentMaximum(STALL_HOLD_MS);
  private endListenerMs = Number.NaN;
  private endWallMs = Number.NaN;
  private startListenerMs = Number.NaN;
  private startWallMs = Number.NaN;
  private playheadMs = Number.NaN;
  private starvedMs = 0;
  private starvedAt = 0;

  constructor(private readonly options: MarginOptions) {}

  /**
   * A frame took `listenerMs` of the listener's clock and `wallMs` of the wall clock to decode;
   * the lesser counts (see `pumped`).
   */
  decoded(listenerMs: number, wallMs: number): void {
    this.compute.push(Math.min(listenerMs, wallMs));
  }

  /**
   * The worker pumps: now is `listenerMs` on the listener's clock and `wallMs` on the wall clock;
   * `playheadMs`: the playhead on the audio clock where it is read live (NaN where not);
   * `starved`: the audio queue was found empty while playing. Returns the margin (ms): the latest
   * frames' compute (90th percentile: a thread preempted once must not set it for seconds), how
   * long the worker may take to look after a read (woken by the audio thread: the 99.5th
   * percentile of its last wake-ups' lateness; else of 2 s of gaps, at least the polling period;
   * or the longest stall of STALL_HOLD_MS when that is more), the audio thread's burst (the
   * median read, pumps right after one another counted as one), and what empty queues have added
   * (fading over seconds).
   *
   * Compute and gaps are taken on whichever clock ran less: the listener's, where the audio
   * thread starved too (a CPU quota), but the wall clock's where the listener's clock jumped
   * because the audio thread read a burst, which the burst term already counts.
   */
  pumped(listenerMs: number, wallMs: number, starved: boolean, playheadMs = Number.NaN): number {
    const gap = Math.min(listenerMs - this.endListenerMs, wallMs - this.endWallMs);
    // (Once woken by the audio thread, the gaps are never asked for again.)
    if (!Number.isNaN(gap) && this.latencies.length === 0) this.gaps.push(gap);
    const stall = this.options.stallsOnWallClock ? wallMs - this.startWallMs : listenerMs - this.startListenerMs;
    if (stall >= STALL_MIN_MS) this.stalls.push(wallMs, stall);
    this.startListenerMs = this.endListenerMs = listenerMs;
    this.startWallMs = this.endWallMs = wallMs;
    const step = playheadMs - this.playheadMs;
    if (!(gap < SAME_READ_MS)) {
      if (this.pendingStep > 0) this.bursts.push(this.pendingStep);
      this.pendingStep = 0;
    }
    if (step > 0) this.pendingStep += step;
    this.playheadMs = playheadMs;
    if (starved) this.starvedMs = Math.min(STARVED_MAX_MS, this.starvedMs + STARVED_STEP_MS);
    this.starvedMs = Math.max(0, this.starvedMs - ((listenerMs - this.starvedAt) * STARVED_FADE_MS_PER_S) / 1000);
    this.starvedAt = listenerMs;
    const { pollMs, frameMs, minBurstMs } = this.options;
    const slow = this.compute.quantile(0.9, frameMs / 2);
    // (At the 98th percentile of the gaps, a quiet machine still underran 1-3 times in 20 s at 4x
    // throttling. A one-off stall of a second holds the margin at half the maximum delay for
    // STALL_HOLD_MS; it then falls as fast as the playout's target may.)
    // Woken by the audio thread's quanta, the worker looks within its wake-up's lateness of each
    // read, whatever the gaps between pumps (the reads' own period); else within a gap of it.
    const looks =
      this.latencies.length > 0
        ? this.latencies.quantile(0.995, 0) + STAMP_MS
        : Math.max(pollMs, this.gaps.quantile(0.995, 0));
    const wake = Math.max(looks, this.stalls.max(wallMs, 0));
    // The median step: a pump that came late sees two reads as one.
    const burst = Math.max(minBurstMs, this.bursts.quantile(0.5, 0));
    return slow + wake + burst + this.starvedMs;
  }

  /** The worker woke `lateMs` after a quantum of the audio thread's that it waited for. */
  woke(lateMs: number): void {
    this.latencies.push(lateMs);
  }

  /** The pump ends: the next gap is counted from now (a pump's own decoding is compute, counted apart). */
  finished(listenerMs: number, wallMs: number): void {
    this.endListenerMs = listenerMs;
    this.endWallMs = wallMs;
  }
}

// Decides when a codec worker is overloaded: the device cannot compute 20 ms of audio in 20 ms.
// The worker drops (encoder) or skips (decoder) frames to keep the delay bounded whatever
// happens; this watches those counts and the compute time per frame, one window at a time, and
// says when to report and when to shed load (switch something off to make frames cheaper).

import type { ShedStep } from './protocol.js';

/** How long a judgement covers (ms of wall time): long enough to average over many frames. */
export const OVERLOAD_WINDOW_MS = 1000;
/**
 * Windows in a row that must be overloaded before a shedding step, and between two steps: one
 * slow second (a garbage collection, another program's burst) sheds nothing, and each step
 * gets time to show its effect before the next.
 */
export const SHED_AFTER_WINDOWS = 2;
/**
 * While a decoder is overloaded (and may shed load), its playout delay is held to at most this
 * (ms): on a device too slow for real time the jitter it measures is its own starvation, and
 * waiting for it only adds delay, so late frames are concealed instead. With the encoder's
 * backlog (maxBacklogMs, 60) and a frame of capture this keeps mouth to ear under 250 ms, where
 * issue 20 asks for 300 (at 200 a 2-core CI read 195-241 ms between stalls).
 */
export const OVERLOADED_MAX_DELAY_MS = 150;
/** Windows without overload before the decoder's configured maximum delay returns. */
export const RELAX_AFTER_WINDOWS = 5;

export interface OverloadVerdict {
  /** Mean compute per frame over the window (ms; wall clock, so time the thread waited for a CPU counts). */
  computeMs: number;
  /** Frames dropped or skipped in this window. */
  droppedInWindow: number;
  /** Whether to take the next shedding step now. */
  shedNow: boolean;
}

export class OverloadMonitor {
  private computeSum = 0;
  private computeCount = 0;
  private dropped = 0;
  private overloadedWindows = 0;

  /** @param budgetMs the audio one frame holds (20 ms): computing it takes longer only on a device too slow. */
  constructor(readonly budgetMs: number) {}

  frame(computeMs: number): void {
    this.computeSum += computeMs;
    this.computeCount++;
  }

  drop(frames: number): void {
    this.dropped += frames;
  }

  /** Ends a window: a verdict when it was overloaded (frames dropped, or frames cost more than their budget), else null. */
  endWindow(): OverloadVerdict | null {
    const computeMs = this.computeCount > 0 ? this.computeSum / this.computeCount : 0;
    const droppedInWindow = this.dropped;
    this.computeSum = this.computeCount = this.dropped = 0;
    // One dropped frame can be one stall; two in a second, or frames slower than real time, is a device too slow.
    if (droppedInWindow < 2 && computeMs <= this.budgetMs) {
      this.overloadedWindows = 0;
      return null;
    }
    this.overloadedWindows++;
    const shedNow = this.overloadedWindows >= SHED_AFTER_WINDOWS;
    if (shedNow) this.overloadedWindows = 0;
    return { computeMs, droppedInWindow, shedNow };
  }
}

/**
 * Encoder: how many whole frames to drop from the head of `backlog` unencoded input samples
 * (`frameSamples` per frame at the input rate) so that at most `maxBacklogSamples` wait: the
 * rest is kept, between one and two frames of it, so encoding resumes on fresh audio at once.
 */
export function framesToDrop(backlog: number, frameSamples: number, maxBacklogSamples: number): number {
  if (backlog <= maxBacklogSamples) return 0;
  return Math.max(0, Math.floor((backlog - frameSamples) / frameSamples));
}

/**
 * The next step for a node that can still shed, or null. There is one: the non-exact float path,
 * about a quarter less compute at a quality cost too small to measure. Switching the encoder's
 * denoiser off is not a step: it saves 2% of the compute and costs 7 dB of log-mel distance on
 * noisy speech (docs/overload.md), more than the frames those 2% would save from being dropped.
 */
export function nextShedStep(precision: 'exact' | 'fast'): ShedStep | null {
  return precision === 'exact' ? 'precision-fast' : null;
}

/**
 * Whether a decoder's maximum delay is held down to OVERLOADED_MAX_DELAY_MS: from its first
 * overloaded window until RELAX_AFTER_WINDOWS windows in a row were not.
 */
export class DelayHold {
  held = false;
  private quiet = 0;

  /** One window's verdict; returns whether `held` changed. */
  window(overloaded: boolean): boolean {
    if (overloaded) {
      this.quiet = 0;
      if (this.held) return false;
      this.held = true;
      return true;
    }
    if (!this.held || ++this.quiet < RELAX_AFTER_WINDOWS) return false;
    this.held = false;
    this.quiet = 0;
    return true;
  }
}

/** A playout's maximum delay: the configured one, or while held the lower of it and OVERLOADED_MAX_DELAY_MS (never below the floors). */
export function maxDelayFor(
  limits: { minMarginMs: number; minJitterMs: number; maxDelayMs: number },
  held: boolean,
): number {
  if (!held) return limits.maxDelayMs;
  return Math.min(limits.maxDelayMs, Math.max(OVERLOADED_MAX_DELAY_MS, limits.minMarginMs + limits.minJitterMs));
}

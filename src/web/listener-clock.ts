// The listener's clock in the decoder's worker: the playback processor's playhead (the audio-clock
// frame at which its next sample plays) turned into milliseconds. The playout measures arrivals
// and delays on it, not on the wall clock: the audio thread consumes what the playout queues at
// the audio clock's rate, and on a starved device (a CPU quota, a phone) that clock falls far
// behind the wall clock (the demo page at a quarter of a core: about 0.65 s of audio per second).
// Measured on the wall clock, a sender on the same audio clock then looked 35% slow, its packets
// ever later against the playout's line, and the playout ran ahead of them: it concealed nearly
// every frame and discarded nearly every packet as late.
//
// The audio thread renders in bursts (several quanta at once), so between two readings the
// clock runs on with the wall clock, at most `maxAheadMs` past the last playhead, and never back.

export class ListenerClock {
  /** The playhead in frames, unwrapped (the processor's counter is modulo 2^32). */
  private frames = 0;
  private raw = Number.NaN;
  private movedAt = Number.NaN;
  private latestMs = Number.NEGATIVE_INFINITY;

  constructor(
    readonly sampleRate: number,
    readonly maxAheadMs = 20,
  ) {
    if (!Number.isFinite(sampleRate) || sampleRate <= 0)
      throw new RangeError(`listener clock: sampleRate must be a positive number of Hz, got ${sampleRate}`);
    if (!Number.isFinite(maxAheadMs) || maxAheadMs < 0)
      throw new RangeError(`listener clock: maxAheadMs must be a number of milliseconds >= 0, got ${maxAheadMs}`);
  }

  /** A reading of the playhead (frames, modulo 2^32) at `wallMs` (performance.now()). */
  update(playhead: number, wallMs: number): void {
    const raw = playhead >>> 0;
    if (Number.isNaN(this.raw)) {
      this.raw = raw;
      this.frames = raw;
      this.movedAt = wallMs;
      return;
    }
    // Signed difference: a reading that pairs a new read counter with an older offset can be a
    // quantum ahead of the next one; a step back is ignored.
    const step = (raw - this.raw) | 0;
    if (step <= 0) return;
    this.raw = raw;
    this.frames += step;
    this.movedAt = wallMs;
  }

  /** The playhead frame last read (unwrapped). */
  get playheadFrames(): number {
    return this.frames;
  }

  /** The listener's time (ms) at `wallMs`; 0 plus the wall time since the first call before any reading. */
  now(wallMs: number): number {
    if (Number.isNaN(this.movedAt)) this.movedAt = wallMs;
    const ahead = Math.min(this.maxAheadMs, Math.max(0, wallMs - this.movedAt));
    this.latestMs = Math.max(this.latestMs, (this.frames * 1000) / this.sampleRate + ahead);
    return this.latestMs;
  }
}

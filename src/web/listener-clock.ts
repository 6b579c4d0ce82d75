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
  /** The playhead in frames, unwrapped (the processor's counter is modulo 2^32); NaN before the first reading. */
  private frames = Number.NaN;
  private raw = 0;
  /** The first reading, and the listener's time then (ms). */
  private firstFrames = 0;
  private firstMs = 0;
  private movedAt = Number.NaN;
  private startedAt = Number.NaN;
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

  /**
   * A reading of the playhead (frames, modulo 2^32; 0: the processor has not run yet, as a
   * playhead is the frame after a quantum) at `wallMs` (performance.now()).
   */
  update(playhead: number, wallMs: number): void {
    const raw = playhead >>> 0;
    if (Number.isNaN(this.frames)) {
      if (raw === 0) return;
      // Carries on from where the wall clock had got to: a processor that starts late (a context
      // that was suspended, a node connected late) must not make the time jump.
      this.firstMs = this.now(wallMs);
      this.raw = this.firstFrames = this.frames = raw;
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

  /** The audio-clock frame of the playhead last read (unwrapped); NaN before the first reading. */
  get playheadFrames(): number {
    return this.frames;
  }

  /** The listener's time (ms) at `wallMs`: the wall clock's until the first reading. */
  now(wallMs: number): number {
    if (Number.isNaN(this.startedAt)) this.startedAt = wallMs;
    const ms = Number.isNaN(this.frames)
      ? wallMs - this.startedAt
      : this.firstMs +
        ((this.frames - this.firstFrames) * 1000) / this.sampleRate +
        Math.min(this.maxAheadMs, Math.max(0, wallMs - this.movedAt));
    this.latestMs = Math.max(this.latestMs, ms);
    return this.latestMs;
  }
}

// Reorders packets that arrive with jitter and decides, frame by frame, what the decoder plays:
// the packet if it is there, a concealed frame once its deadline has passed. The deadline is
// the playout clock (how much decoded audio is still queued), which the caller measures.

export type PlayoutFrame =
  | { seq: number; packet: Uint8Array }
  /** `late`: the packet had not arrived by its deadline; `lost`: the sender said it was lost (null). */
  | { seq: number; packet: null; why: 'late' | 'lost' };

export type PushResult = 'queued' | 'late' | 'duplicate' | 'too-far-ahead';

export class JitterBuffer {
  private readonly pending = new Map<number, Uint8Array | null>();
  private nextSeq = -1;
  /** Frames played since the start: real packets, packets missing at their deadline, packets sent as lost. */
  played = 0;
  late = 0;
  lost = 0;
  /** Packets that came after their frame had been concealed (dropped). */
  tooLate = 0;
  /** The frame playout began with (-1: not yet). */
  firstSeq = -1;
  /** Frames never played: skipped by skipOldest() to catch up. */
  skipped = 0;

  /** @param maxAhead packets further than this beyond the playout point are refused (a sender far ahead or a bad sequence number). */
  constructor(private readonly maxAhead = 512) {}

  /** Whether playout has begun (the first take()). */
  get started(): boolean {
    return this.nextSeq >= 0;
  }

  /** Packets waiting, lost markers included. */
  get size(): number {
    return this.pending.size;
  }

  /** Frames from the next one to play to the newest packet waiting, gaps included (0: none waiting, or not started). */
  get span(): number {
    if (!this.started || this.pending.size === 0) return 0;
    let newest = -1;
    for (const seq of this.pending.keys()) if (seq > newest) newest = seq;
    return newest - this.nextSeq + 1;
  }

  /**
   * Catching up when decoding has fallen behind: skips the oldest frames (without playing them)
   * so that at most `keep` remain from the next to play to the newest waiting, and then any
   * frame whose packet is missing before the next one there (concealing it would cost as much
   * compute as decoding a packet). Returns how many.
   */
  skipOldest(keep: number): number {
    const span = this.span;
    let skip = Math.max(0, span - Math.max(1, keep));
    if (skip === 0) return 0;
    while (span - skip > 1 && !this.pending.has(this.nextSeq + skip)) skip++;
    const to = this.nextSeq + skip;
    for (let seq = this.nextSeq; seq < to; seq++) this.pending.delete(seq);
    this.nextSeq = to;
    this.skipped += skip;
    return skip;
  }

  push(seq: number, packet: Uint8Array | null): PushResult {
    if (!Number.isSafeInteger(seq) || seq < 0)
      throw new RangeError(`packet sequence number must be a non-negative integer, got ${seq}`);
    if (this.started && seq < this.nextSeq) {
      this.tooLate++;
      return 'late';
    }
    if (this.started && seq - this.nextSeq > this.maxAhead) return 'too-far-ahead';
    if (this.pending.has(seq)) return 'duplicate';
    this.pending.set(seq, packet);
    return 'queued';
  }

  /**
   * The next frame to play, or undefined to wait for its packet. `deadlinePassed`: the playout
   * queue is running low, so a missing packet is concealed now instead of waited for.
   */
  take(deadlinePassed: boolean): PlayoutFrame | undefined {
    if (!this.started) {
      if (this.pending.size === 0) return undefined;
      this.nextSeq = this.firstSeq = Math.min(...this.pending.keys());
    }
    const seq = this.nextSeq;
    const packet = this.pending.get(seq);
    if (packet === undefined && !deadlinePassed) return undefined;
    this.pending.delete(seq);
    this.nextSeq++;
    this.played++;
    if (packet) return { seq, packet };
    if (packet === null) {
      this.lost++;
      return { seq, packet: null, why: 'lost' };
    }
    this.late++;
    return { seq, packet: null, why: 'late' };
  }

  reset(): void {
    this.pending.clear();
    this.nextSeq = this.firstSeq = -1;
    this.played = this.late = this.lost = this.tooLate = this.skipped = 0;
  }
}

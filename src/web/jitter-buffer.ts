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
    this.played = this.late = this.lost = this.tooLate = 0;
  }
}

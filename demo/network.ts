// A simulated network between the encoder and decoder nodes: random loss in bursts, random delay,
// a one-off delay spike (the network holds every packet for a while, then delivers them in order)
// and a sender whose clock runs slow (each packet a little later than the one before).

const FRAME_MS = 20;

export interface NetworkSettings {
  /** Long-run fraction of packets lost, 0..1. */
  loss: number;
  /** Mean length of a loss burst, in packets (1: independent losses). */
  burst: number;
  /** Each packet is delayed by a uniform random 0..jitterMs. */
  jitterMs: number;
  /** The sender's clock is this many percent slow (0..1): packet k comes k * 20 ms * driftPercent / 100 later. */
  driftPercent: number;
}

export class SimulatedNetwork {
  settings: NetworkSettings = { loss: 0, burst: 1, jitterMs: 0, driftPercent: 0 };
  sent = 0;
  dropped = 0;
  private inBurst = false;
  /** Packets sent before this time (ms) are held until it: a delay spike. */
  private holdUntil = -Infinity;
  /** The drift counts from this packet on (-1: from the next one sent). */
  private driftFrom = -1;
  private driftPercent = 0;

  constructor(
    private readonly random: () => number = Math.random,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Holds every packet for `ms` from now, then delivers them in order: the next packet is `ms` late. */
  spike(ms: number): void {
    this.holdUntil = this.now() + ms;
  }

  /** Delivers `packet` through `deliver` after its delay, or drops it. */
  send(packet: Uint8Array, seq: number, deliver: (packet: Uint8Array, seq: number) => void): void {
    this.sent++;
    if (this.settings.driftPercent !== this.driftPercent) {
      this.driftPercent = this.settings.driftPercent;
      this.driftFrom = seq;
    }
    if (this.lose()) {
      this.dropped++;
      return;
    }
    let delay = this.settings.jitterMs > 0 ? this.random() * this.settings.jitterMs : 0;
    if (this.driftPercent > 0) delay += ((seq - this.driftFrom) * FRAME_MS * this.driftPercent) / 100;
    delay = Math.max(delay, this.holdUntil - this.now());
    if (delay === 0) deliver(packet, seq);
    else setTimeout(() => deliver(packet, seq), delay);
  }

  /**
   * Two-state (Gilbert) loss: a burst ends with probability 1/burst per packet, and starts with
   * the probability that makes the long-run loss rate `loss`.
   */
  private lose(): boolean {
    const { loss, burst } = this.settings;
    if (loss <= 0) {
      this.inBurst = false;
      return false;
    }
    const end = 1 / Math.max(1, burst);
    const start = Math.min(1, (loss * end) / Math.max(1e-9, 1 - loss));
    this.inBurst = this.inBurst ? this.random() >= end : this.random() < start;
    return this.inBurst;
  }
}

// A simulated network between the encoder and decoder nodes: random loss in bursts and random delay.

export interface NetworkSettings {
  /** Long-run fraction of packets lost, 0..1. */
  loss: number;
  /** Mean length of a loss burst, in packets (1: independent losses). */
  burst: number;
  /** Each packet is delayed by a uniform random 0..jitterMs. */
  jitterMs: number;
}

export class SimulatedNetwork {
  settings: NetworkSettings = { loss: 0, burst: 1, jitterMs: 0 };
  sent = 0;
  dropped = 0;
  private inBurst = false;

  constructor(private readonly random: () => number = Math.random) {}

  /** Delivers `packet` through `deliver` after its delay, or drops it. */
  send(packet: Uint8Array, seq: number, deliver: (packet: Uint8Array, seq: number) => void): void {
    this.sent++;
    if (this.lose()) {
      this.dropped++;
      return;
    }
    const delay = this.settings.jitterMs > 0 ? this.random() * this.settings.jitterMs : 0;
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

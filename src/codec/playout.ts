// Adaptive playout: decides, frame by frame, when to decode which packet and how long to play it,
// so that the playout delay follows the network instead of a constant. Deterministic given its
// inputs (arrival times, the audio still queued for the listener, the compute margin): it reads
// no clock, so it runs the same in a worker, a test and a simulation.
//
// The delay of frame s is measured on one line: when its first sample will be played
// (now + the audio queued ahead of it) against when its packet would have arrived with no jitter
// at all (the earliest arrival offset of the last `windowMs`, plus s frames). The target is a
// high quantile of the recent arrival delays on that line plus the compute margin (what it takes
// to decode a frame in time: the caller measures it). Frames are then played a pitch period
// longer or shorter (src/codec/time-scale.ts) until the delay meets the target; a packet still
// missing at its deadline is concealed, and when no later packet has come either (a delay spike,
// not a loss) the concealment is played *in addition*, which raises the delay at once by a frame
// and keeps the packet's slot for when it comes. A packet whose slot has been played is discarded.
// The delay never exceeds `maxDelayMs`: frames further behind are skipped (a slow device or a
// stalled audio thread), never queued without end.
//
// A missing frame whose next packet has arrived is handed to the decoder with that packet, which
// may carry a redundant copy of it (docs/payload-format.md). With DTX (docs/dtx.md) an empty
// packet marks a frame the sender did not send, and once the decoder plays comfort noise a
// missing frame is the sender's silence, not a delay spike: it is played in its slot, never
// waited for nor counted as concealment.
//
// Statistics carry the names and units of WebRTC's RTCInboundRtpStreamStats (docs/playout.md).

import { TimeScaler } from './time-scale.js';

export interface PlayoutOptions {
  /** Rate of the decoded frames (Hz). */
  sampleRate: number;
  /** Samples per frame. */
  frameSize: number;
  /** The listener's rate, for the sample counts of stats() (default sampleRate). */
  statsSampleRate?: number;
  /** Floor of the jitter part of the target (ms, default 0). */
  minJitterMs?: number;
  /** Floor of the compute margin (ms, default 0): the caller's measured margin is used when larger. */
  minMarginMs?: number;
  /** The jitter part of the target before any arrival has been measured (ms, default 20). */
  initialJitterMs?: number;
  /** Hard maximum of the playout delay (ms, default 400). */
  maxDelayMs?: number;
  /** Arrivals the target is computed from (ms, default 2000). */
  windowMs?: number;
  /** Quantile of the arrival delays that the target covers (default 0.95). */
  quantile?: number;
  /**
   * How long delay peaks are remembered (ms, default 20000; 0: never held). A peak is a packet
   * more than a frame later than the quantile allows; packets of one spike make one peak. While
   * two or more peaks are remembered, the jitter part of the target is at least the highest of
   * them (up to peakCapMs): spikes that recur (a starved device, a radio that scans every few
   * seconds) are waited for, where a one-off spike is bridged with concealment.
   */
  peakHoldMs?: number;
  /**
   * The highest target (jitter + margin, ms, default 150) that held peaks may raise it to: higher
   * spikes are concealed each time rather than waited for, because every frame would wait for
   * them. 150 ms keeps mouth to ear under 200 ms, what a conversation tolerates well.
   */
  peakCapMs?: number;
  /**
   * How fast the target may fall (ms per second, default 80): it rises at once, and comes down
   * over a second or two, so that a jittery network or a busy device does not have frames
   * lengthened and shortened by turns as the quantile and the margin move.
   */
  targetFallMsPerS?: number;
  /** Packets further than this many frames beyond the next frame to play are refused (default 512). */
  maxAhead?: number;
}

/** The options a running playout can change (configure). */
export type PlayoutTuning = 'minJitterMs' | 'minMarginMs' | 'maxDelayMs' | 'quantile' | 'peakHoldMs' | 'peakCapMs';

/**
 * A decoder: a packet (null: conceal; empty: not sent, DTX) to one frame of audio at
 * `sampleRate`. `seq`: the frame's sequence number, -1 for concealment played in addition to the
 * sequence. `next`: for a frame with no packet, the next frame's packet when it has arrived (its
 * redundancy may hold this frame), else null. It returns the audio, or the audio and what it
 * made of the frame when that is not what the packet suggests (a sent packet: 'decoded'; none:
 * 'concealed').
 */
export type FrameSource = (
  packet: Uint8Array | null,
  seq: number,
  next: Uint8Array | null,
) => Float32Array | { audio: Float32Array; kind: FrameKind };

/** What a frame became: decoded from its packet, recovered from the next packet's redundancy, comfort noise (DTX), or concealed. */
export type FrameKind = 'decoded' | 'recovered' | 'comfort-noise' | 'concealed';

/** A packet the sender sent (not null, not the empty not-sent mark of DTX). */
const isSent = (packet: Uint8Array | null | undefined): packet is Uint8Array =>
  packet !== null && packet !== undefined && packet.length > 0;

export type PushResult = 'queued' | 'late' | 'duplicate' | 'too-far-ahead';

/** Counters under the names (and units: seconds, samples at statsSampleRate) of RTCInboundRtpStreamStats. */
export interface PlayoutStats {
  packetsReceived: number;
  packetsLost: number;
  packetsDiscarded: number;
  jitterBufferDelay: number;
  jitterBufferTargetDelay: number;
  jitterBufferEmittedCount: number;
  totalSamplesReceived: number;
  concealedSamples: number;
  concealmentEvents: number;
  insertedSamplesForDeceleration: number;
  removedSamplesForAcceleration: number;
}

/** The playout's state now (ms), beyond the WebRTC counters. */
export interface PlayoutState {
  /** Delay of the frame played last: its first sample's playout against its jitter-free arrival. */
  delayMs: number;
  targetDelayMs: number;
  /** The jitter part of the target (the quantile of arrival delays, the recurring peaks' height within peakCapMs, or its floor). */
  jitterMs: number;
  /** The height of the recurring delay peaks (0: fewer than two remembered); the jitter part holds it up to peakCapMs of target. */
  peakMs: number;
  marginMs: number;
  /** The frame playout began with (-1: not yet). */
  firstSeq: number;
  /** Frames played from a packet, concealed in a packet's slot, and concealed in addition (delay raised). */
  framesDecoded: number;
  framesConcealed: number;
  /** Of framesConcealed, those the sender had marked lost (null). */
  framesKnownLost: number;
  framesExpanded: number;
  /** Frames with no packet decoded from the next packet's redundant copy instead (not concealed). */
  framesRecovered: number;
  /** Frames with no packet (not sent, or missing in a DTX gap) played as comfort noise (not concealed). */
  framesComfortNoise: number;
  /** Frames skipped because the delay had reached maxDelayMs. */
  framesSkipped: number;
}

/** What pull() did with the frame it returns (for the caller's records). */
export interface PlayoutFrame {
  /** The frame's sequence number; -1 for concealment played in addition to the sequence. */
  seq: number;
  /** What the decoder was given (null: concealed; empty: not sent). */
  packet: Uint8Array | null;
  /** What the frame became (for the frames held at the start: the last one's). */
  kind: FrameKind;
  /** The decoder's output, before time-scaling. */
  decoded: Float32Array;
  /** What to play: the decoded frame, time-scaled (or, at the start, every frame held until then). */
  output: Float32Array;
}

const ARRIVALS_KEPT = 4096;
/** Late packets less than this apart (ms) belong to one spike: one peak. */
const PEAK_MERGE_MS = 100;
/** Sequence numbers of the latest packets played, to tell a duplicate from a late packet. */
const PLAYED_KEPT = 1024;

export class AdaptivePlayout {
  readonly sampleRate: number;
  readonly frameSize: number;
  readonly frameMs: number;
  private readonly options: Required<PlayoutOptions>;
  private readonly decode: FrameSource;
  private readonly scaler: TimeScaler;
  private readonly pending = new Map<number, Uint8Array | null>();
  /** Recent arrivals: time (ms) and offset (arrival - seq * frameMs), oldest first. */
  private arrivalTimes: number[] = [];
  private arrivalOffsets: number[] = [];
  private baseOffset = Number.NaN;
  private jitter: number;
  /** The quantile of the arrival delays alone (no floor, no peaks). */
  private quantileMs = Number.NaN;
  /** Delay peaks remembered, oldest first: when the spike's last late packet came, and its highest delay. */
  private peaks: { lastAt: number; heightMs: number }[] = [];
  private nextSeq = -1;
  private started = false;
  /** Audio decoded before playout began, with its packet's arrival time (as playSlot returns it). */
  private held: { output: Float32Array; arrival: number | null | undefined; kind: FrameKind }[] = [];
  private readonly arrivalAt = new Map<number, number>();
  private readonly playedSeqs = new Float64Array(PLAYED_KEPT).fill(-1);
  private lowestSeq = Number.POSITIVE_INFINITY;
  private highestSeq = -1;
  /** Frames of concealment played in addition while the next packet was missing: a later gap can use them as its slots. */
  private expandedAhead = 0;
  private concealing = false;
  /** The last frame played was comfort noise: the sender is in a DTX silence. */
  private inComfortNoise = false;
  /** Not-sent marks received, for packetsLost. */
  private notSent = 0;
  private margin = 0;
  private smoothedTarget = Number.NaN;
  private targetAt = 0;
  private readonly counters: PlayoutStats = zeroStats();
  private readonly now: PlayoutState = {
    delayMs: 0,
    targetDelayMs: 0,
    jitterMs: 0,
    peakMs: 0,
    marginMs: 0,
    firstSeq: -1,
    framesDecoded: 0,
    framesConcealed: 0,
    framesKnownLost: 0,
    framesExpanded: 0,
    framesRecovered: 0,
    framesComfortNoise: 0,
    framesSkipped: 0,
  };

  constructor(decode: FrameSource, options: PlayoutOptions) {
    if (typeof decode !== 'function') throw new RangeError('adaptive playout: decode must be a function');
    const o = {
      statsSampleRate: options.sampleRate,
      minJitterMs: 0,
      minMarginMs: 0,
      initialJitterMs: 20,
      maxDelayMs: 400,
      windowMs: 2000,
      quantile: 0.95,
      peakHoldMs: 20_000,
      peakCapMs: 150,
      targetFallMsPerS: 80,
      maxAhead: 512,
      ...options,
    };
    const rate = (name: string, v: number) => {
      if (!Number.isFinite(v) || v < 1000 || v > 384_000)
        throw new RangeError(`adaptive playout: ${name} must be a rate in Hz from 1000 to 384000, got ${v}`);
    };
    rate('sampleRate', o.sampleRate);
    rate('statsSampleRate', o.statsSampleRate);
    if (!Number.isSafeInteger(o.frameSize) || o.frameSize < 16 || o.frameSize > o.sampleRate)
      throw new RangeError(
        `adaptive playout: frameSize must be a whole number of samples from 16 to a second, got ${o.frameSize}`,
      );
    checkMs(o, ['initialJitterMs', 'windowMs', 'targetFallMsPerS']);
    const frameMs = (o.frameSize * 1000) / o.sampleRate;
    checkTuning(o, frameMs);
    if (!Number.isSafeInteger(o.maxAhead) || o.maxAhead < 1)
      throw new RangeError(`adaptive playout: maxAhead must be a positive whole number of frames, got ${o.maxAhead}`);
    this.options = o;
    this.decode = decode;
    this.sampleRate = o.sampleRate;
    this.frameSize = o.frameSize;
    this.frameMs = frameMs;
    this.jitter = Math.max(o.minJitterMs, o.initialJitterMs);
    this.scaler = new TimeScaler({ sampleRate: o.sampleRate });
  }

  /** Packets waiting (lost markers included). */
  get size(): number {
    return this.pending.size;
  }

  /** The WebRTC counters since the start (or reset). */
  stats(): PlayoutStats {
    return { ...this.counters };
  }

  state(): PlayoutState {
    return { ...this.now };
  }

  /**
   * Changes the floors, the maximum, the quantile and the peak hold (as in the constructor's
   * options), for the frames from now on.
   */
  configure(limits: Pick<PlayoutOptions, PlayoutTuning>): void {
    const next = { ...this.options, ...limits };
    checkTuning(next, this.frameMs);
    Object.assign(this.options, next);
    this.updateJitter();
  }

  /**
   * A packet (null: the sender says it is lost; empty: the sender's DTX did not send the frame)
   * for frame `seq`, arrived at `nowMs` (any clock, the same as pull()'s). A packet whose slot has
   * already been played is discarded ('late'). Not-sent marks count neither as received nor as
   * arrivals.
   */
  push(seq: number, packet: Uint8Array | null, nowMs: number): PushResult {
    if (!Number.isSafeInteger(seq) || seq < 0)
      throw new RangeError(`packet sequence number must be a non-negative integer, got ${seq}`);
    if (packet !== null && !(packet instanceof Uint8Array))
      throw new RangeError('adaptive playout: a packet is a Uint8Array, or null when known lost');
    checkTime(nowMs);
    const sent = isSent(packet);
    if (sent) {
      this.counters.packetsReceived++;
      this.accountFor(seq);
    }
    if (this.nextSeq >= 0 && seq < this.nextSeq) {
      if (this.playedSeqs[seq % PLAYED_KEPT] === seq) return 'duplicate';
      if (sent) {
        this.counters.packetsDiscarded++;
        // Too late for its slot, and exactly what the target must learn from.
        this.arrived(seq, nowMs);
      }
      return 'late';
    }
    if (this.nextSeq >= 0 && seq - this.nextSeq > this.options.maxAhead) {
      if (sent) this.counters.packetsDiscarded++;
      return 'too-far-ahead';
    }
    if (this.pending.has(seq)) return 'duplicate';
    this.pending.set(seq, packet);
    if (sent) {
      this.arrivalAt.set(seq, nowMs);
      this.arrived(seq, nowMs);
    } else if (packet !== null) {
      this.notSent++;
      this.accountFor(seq);
    }
    return 'queued';
  }

  /**
   * The next audio to hand to the listener, or null when there is nothing to do yet. Call it
   * again until it returns null, each time with the time now and the audio (ms) still queued
   * ahead of the listener; `marginMs`: the time it takes to get a frame decoded and to the
   * listener (compute, wake-ups, the audio thread's bursts), measured by the caller.
   */
  pull(nowMs: number, queuedMs: number, marginMs: number): PlayoutFrame | null {
    checkTime(nowMs);
    if (!Number.isFinite(queuedMs) || queuedMs < 0)
      throw new RangeError(`adaptive playout: queuedMs must be a number of milliseconds >= 0, got ${queuedMs}`);
    if (!Number.isFinite(marginMs) || marginMs < 0 || marginMs > 60_000)
      throw new RangeError(
        `adaptive playout: marginMs must be a number of milliseconds from 0 to 60000, got ${marginMs}`,
      );
    // (Half the maximum at most: a margin beyond it would have every frame concealed at once.)
    this.margin = Math.min(Math.max(this.options.minMarginMs, marginMs), this.options.maxDelayMs / 2);
    this.now.marginMs = this.margin;
    const target = this.target(nowMs);
    this.now.targetDelayMs = target;
    if (!this.started) return this.prime(nowMs, target);
    // Never more audio queued than the maximum delay: whatever the listener does, this returns null in time.
    if (queuedMs >= this.options.maxDelayMs) return null;
    for (;;) {
      const seq = this.nextSeq;
      const delay = nowMs + queuedMs - (this.baseOffset + seq * this.frameMs);
      const packet = this.pending.get(seq);
      if (delay > this.options.maxDelayMs) {
        // Behind by more than the maximum: this frame is skipped, not played late. Packets or none:
        // after the listener ran dry on a starved device, concealing these slots would be heard
        // that late.
        this.consume(seq);
        if (isSent(packet)) this.counters.packetsDiscarded++;
        this.now.framesSkipped++;
        continue;
      }
      if (packet) {
        // A packet, or the sender's mark that it sent none (DTX).
        this.expandedAhead = 0;
        const { decoded, kind, arrival } = this.playSlot(seq, packet, nowMs);
        const output = this.scale(decoded, delay - target);
        this.emitted(output.length, target, buffered(arrival, nowMs + queuedMs));
        this.now.delayMs = delay;
        return { seq, packet, kind, decoded, output };
      }
      const knownLost = packet === null;
      if (!knownLost && queuedMs >= this.margin) return null;
      // Lost, or missing at its deadline.
      const later = knownLost || this.hasLater(seq);
      if (later && this.expandedAhead > 0) {
        // Concealment already played for this slot while waiting: the slot is used up.
        this.consume(seq);
        this.expandedAhead--;
        continue;
      }
      // In a DTX silence nothing is expected: the frame is played in its slot (as comfort noise).
      if (!later && !this.inComfortNoise && delay + this.frameMs <= this.options.maxDelayMs) {
        // Nothing later either: a delay spike more likely than a loss. Conceal in addition, the slot stays open.
        const decoded = frameAudio(this.decode(null, -1, null));
        const output = this.scale(decoded, 0);
        this.expandedAhead++;
        this.now.framesExpanded++;
        this.emitted(output.length, target, null);
        return { seq: -1, packet: null, kind: 'concealed', decoded, output };
      }
      const { decoded, kind, arrival } = this.playSlot(seq, packet, nowMs);
      const output = this.scale(decoded, delay - target);
      this.now.delayMs = delay;
      this.emitted(output.length, target, buffered(arrival, nowMs + queuedMs));
      return { seq, packet: null, kind, decoded, output };
    }
  }

  /**
   * Decodes frame `seq` in its slot (`packet`: what is pending for it: undefined when missing,
   * null when known lost), counts what it became, and returns when the packet its audio came from
   * arrived (null: none, concealed; undefined: comfort noise for a frame not sent).
   */
  private playSlot(
    seq: number,
    packet: Uint8Array | null | undefined,
    nowMs: number,
  ): { decoded: Float32Array; kind: FrameKind; arrival: number | null | undefined } {
    const sent = isSent(packet);
    const arrival = this.arrivalAt.get(seq) ?? nowMs;
    const following = this.pending.get(seq + 1);
    const next = !sent && isSent(following) ? following : null;
    const nextArrival = next ? (this.arrivalAt.get(seq + 1) ?? nowMs) : nowMs;
    this.consume(seq);
    const result = this.decode(packet ?? null, seq, next);
    const decoded = frameAudio(result);
    const kind: FrameKind =
      decoded === result ? (sent ? 'decoded' : 'concealed') : (result as { kind: FrameKind }).kind;
    this.inComfortNoise = kind === 'comfort-noise';
    if (sent) {
      this.now.framesDecoded++;
      return { decoded, kind, arrival };
    }
    if (kind === 'recovered') {
      this.now.framesRecovered++;
      return { decoded, kind, arrival: nextArrival };
    }
    if (kind === 'comfort-noise') {
      this.now.framesComfortNoise++;
      // A frame missing in the silence was most likely not sent: not a loss.
      if (packet === undefined) {
        this.notSent++;
        this.accountFor(seq);
      }
      return { decoded, kind, arrival: undefined };
    }
    this.now.framesConcealed++;
    if (packet === null) this.now.framesKnownLost++;
    return { decoded, kind, arrival: null };
  }

  /** Forgets everything: packets, arrivals, counters; the next packet starts playout afresh. */
  reset(): void {
    this.pending.clear();
    this.arrivalAt.clear();
    this.playedSeqs.fill(-1);
    this.arrivalTimes = [];
    this.arrivalOffsets = [];
    this.baseOffset = Number.NaN;
    this.quantileMs = Number.NaN;
    this.peaks = [];
    this.nextSeq = -1;
    this.started = false;
    this.held = [];
    this.lowestSeq = Number.POSITIVE_INFINITY;
    this.highestSeq = -1;
    this.expandedAhead = 0;
    this.concealing = false;
    this.inComfortNoise = false;
    this.notSent = 0;
    this.smoothedTarget = Number.NaN;
    this.jitter = Math.max(this.options.minJitterMs, this.options.initialJitterMs);
    Object.assign(this.counters, zeroStats());
    Object.assign(this.now, { delayMs: 0, targetDelayMs: 0, jitterMs: 0, peakMs: 0, firstSeq: -1 });
    Object.assign(this.now, {
      framesDecoded: 0,
      framesConcealed: 0,
      framesKnownLost: 0,
      framesExpanded: 0,
      framesRecovered: 0,
      framesComfortNoise: 0,
      framesSkipped: 0,
    });
    this.scaler.reset();
  }

  private target(nowMs: number): number {
    const peakPart = Math.min(this.now.peakMs, this.options.peakCapMs - this.margin);
    const jitter = Math.max(this.jitter, peakPart);
    this.now.jitterMs = jitter;
    const wanted = Math.min(this.options.maxDelayMs, jitter + this.margin);
    const elapsed = Math.max(0, nowMs - this.targetAt);
    const floor = this.smoothedTarget - (elapsed * this.options.targetFallMsPerS) / 1000;
    this.smoothedTarget = Number.isNaN(floor) ? wanted : Math.max(wanted, floor);
    this.targetAt = nowMs;
    return this.smoothedTarget;
  }

  /**
   * Before playout: packets are decoded as they come (spreading the compute) and held until the
   * first frame's delay reaches the target, then handed over in one piece, so that the listener,
   * which starts on the first sample it gets, does not run dry between frames.
   */
  private prime(nowMs: number, target: number): PlayoutFrame | null {
    if (this.nextSeq < 0) {
      if (this.pending.size === 0) return null;
      this.nextSeq = Math.min(...this.pending.keys());
      this.now.firstSeq = this.nextSeq;
    }
    const heldMs = this.held.length * this.frameMs;
    const firstDelay = nowMs - (this.baseOffset + this.now.firstSeq * this.frameMs);
    const due = firstDelay >= target || heldMs >= this.options.maxDelayMs - this.frameMs;
    for (;;) {
      const seq = this.nextSeq;
      const packet = this.pending.get(seq);
      // A missing packet is waited for until playout is due, and concealed then when later ones are here.
      if (packet === undefined && !(due && this.hasLater(seq))) break;
      const { decoded, kind, arrival } = this.playSlot(seq, packet, nowMs);
      this.held.push({ output: this.scale(decoded, 0), arrival, kind });
    }
    if (!due || this.held.length === 0) return null;
    this.started = true;
    this.now.delayMs = firstDelay;
    // Played from now on, one after the other.
    let at = nowMs;
    for (const { output, arrival } of this.held) {
      this.emitted(output.length, target, buffered(arrival, at));
      at += (output.length * 1000) / this.sampleRate;
    }
    const output = concat(this.held.map((h) => h.output));
    const kind = this.held[this.held.length - 1].kind;
    this.held = [];
    return { seq: this.now.firstSeq, packet: null, kind, decoded: output, output };
  }

  private consume(seq: number): void {
    if (this.pending.get(seq)) this.playedSeqs[seq % PLAYED_KEPT] = seq;
    this.pending.delete(seq);
    this.arrivalAt.delete(seq);
    this.nextSeq = seq + 1;
  }

  /** packetsLost: frames between the first and the latest received (or not sent) that were neither. */
  private accountFor(seq: number): void {
    this.lowestSeq = Math.min(this.lowestSeq, seq);
    this.highestSeq = Math.max(this.highestSeq, seq);
    const span = this.highestSeq - this.lowestSeq + 1;
    // (Negative with duplicates, as WebRTC's.)
    this.counters.packetsLost = span - this.counters.packetsReceived - this.notSent;
  }

  private hasLater(seq: number): boolean {
    for (const s of this.pending.keys()) if (s > seq) return true;
    return false;
  }

  /** Time-scales a frame toward the target: `errorMs` > 0, the delay is above it. */
  private scale(frame: Float32Array, errorMs: number): Float32Array {
    // The delay is kept at or above the target: below it, a frame is lengthened by whole periods
    // (overshooting by less than one); above it by more than the tolerance, shortened by whole
    // periods that do not take it below.
    const tolerance = 2;
    // Far off the target (a spike that has passed), any frame will do, not only steady or quiet ones.
    const force = errorMs > 4 * this.frameMs;
    const limits = this.scaler.limits(frame.length);
    const samples = Math.ceil((Math.abs(errorMs) * this.sampleRate) / 1000);
    let request = 0;
    if (errorMs < 0 && samples > 0) request = Math.min(samples, limits.insert);
    else if (errorMs > tolerance) {
      // At most half a frame each time, unless far off: faster is audible.
      const cap = force ? limits.remove : Math.floor(frame.length / 2);
      request = -Math.min(samples, cap, limits.remove);
    }
    const result = this.scaler.process(frame, request, { force, atLeast: request > 0 });
    const toStats = this.options.statsSampleRate / this.sampleRate;
    if (result.change > 0) this.counters.insertedSamplesForDeceleration += Math.round(result.change * toStats);
    if (result.change < 0) this.counters.removedSamplesForAcceleration += Math.round(-result.change * toStats);
    return result.output;
  }

  /**
   * Counts a frame handed to the listener. `bufferedMs`: from its packet's arrival to the moment
   * its first sample is played (null: concealed, no packet; undefined: comfort noise for a frame
   * not sent, neither concealed nor from the buffer). (WebRTC counts a sample's time in
   * the jitter buffer until it leaves it; here the delay is held as decoded audio queued for the
   * listener, so a sample leaves the buffer when it is played.)
   */
  private emitted(samples: number, targetMs: number, bufferedMs: number | null | undefined): void {
    const n = Math.round((samples * this.options.statsSampleRate) / this.sampleRate);
    const c = this.counters;
    c.totalSamplesReceived += n;
    if (bufferedMs === undefined) {
      this.concealing = false;
      return;
    }
    if (bufferedMs === null) {
      c.concealedSamples += n;
      if (!this.concealing) c.concealmentEvents++;
      this.concealing = true;
      return;
    }
    this.concealing = false;
    c.jitterBufferEmittedCount += n;
    c.jitterBufferDelay += (n * Math.max(0, bufferedMs)) / 1000;
    c.jitterBufferTargetDelay += (n * targetMs) / 1000;
  }

  private arrived(seq: number, nowMs: number): void {
    const offset = nowMs - seq * this.frameMs;
    this.arrivalTimes.push(nowMs);
    this.arrivalOffsets.push(offset);
    const horizon = nowMs - this.options.windowMs;
    let drop = 0;
    while (
      drop < this.arrivalTimes.length - 1 &&
      (this.arrivalTimes[drop] < horizon || this.arrivalTimes.length - drop > ARRIVALS_KEPT)
    )
      drop++;
    if (drop > 0) {
      this.arrivalTimes.splice(0, drop);
      this.arrivalOffsets.splice(0, drop);
    }
    this.updateJitter();
    this.notePeak(nowMs, offset - this.baseOffset);
  }

  /**
   * Remembers an arrival `delayMs` late (against the jitter-free line) if it is a peak, forgets
   * peaks older than peakHoldMs, and sets the recurring peaks' height (target() weighs it against
   * the margin).
   */
  private notePeak(nowMs: number, delayMs: number): void {
    const { peakHoldMs } = this.options;
    const peaks = this.peaks;
    if (peakHoldMs > 0 && delayMs > this.quantileMs + this.frameMs) {
      const last = peaks[peaks.length - 1];
      if (last && nowMs - last.lastAt < PEAK_MERGE_MS) {
        last.lastAt = nowMs;
        last.heightMs = Math.max(last.heightMs, delayMs);
      } else peaks.push({ lastAt: nowMs, heightMs: delayMs });
    }
    let old = 0;
    while (old < peaks.length && nowMs - peaks[old].lastAt > peakHoldMs) old++;
    if (old > 0) peaks.splice(0, old);
    let height = 0;
    if (peaks.length >= 2) for (const p of peaks) height = Math.max(height, p.heightMs);
    this.now.peakMs = height;
  }

  /** The jitter-free arrival line (the earliest offset in the window) and the quantile of delays against it. */
  private updateJitter(): void {
    const offsets = this.arrivalOffsets;
    if (offsets.length === 0) return;
    let base = offsets[0];
    for (const o of offsets) if (o < base) base = o;
    this.baseOffset = base;
    const delays = offsets.map((o) => o - base).sort((a, b) => a - b);
    const measured =
      offsets.length >= 2
        ? delays[Math.min(delays.length - 1, Math.floor(this.options.quantile * delays.length))]
        : this.options.initialJitterMs;
    this.quantileMs = measured;
    this.jitter = Math.max(this.options.minJitterMs, measured);
  }
}

function checkMs<K extends string>(o: Record<K, number>, names: readonly K[]): void {
  for (const name of names) {
    if (!Number.isFinite(o[name]) || o[name] < 0 || o[name] > 60_000)
      throw new RangeError(
        `adaptive playout: ${name} must be a number of milliseconds from 0 to 60000, got ${o[name]}`,
      );
  }
}

/** The options configure() may change: each in range, and a maximum delay the floors fit under. */
function checkTuning(o: Required<Pick<PlayoutOptions, PlayoutTuning>>, frameMs: number): void {
  checkMs(o, ['minJitterMs', 'minMarginMs', 'maxDelayMs', 'peakHoldMs', 'peakCapMs']);
  if (o.maxDelayMs < frameMs || o.maxDelayMs < o.minJitterMs + o.minMarginMs)
    throw new RangeError(
      `adaptive playout: maxDelayMs (${o.maxDelayMs}) must be at least a frame (${frameMs} ms) and minJitterMs + minMarginMs (${o.minJitterMs + o.minMarginMs})`,
    );
  if (!(o.quantile > 0 && o.quantile <= 1))
    throw new RangeError(`adaptive playout: quantile must be in (0, 1], got ${o.quantile}`);
}

function checkTime(nowMs: number): void {
  if (!Number.isFinite(nowMs))
    throw new RangeError(`adaptive playout: the time must be a finite number of ms, got ${nowMs}`);
}

function zeroStats(): PlayoutStats {
  return {
    packetsReceived: 0,
    packetsLost: 0,
    packetsDiscarded: 0,
    jitterBufferDelay: 0,
    jitterBufferTargetDelay: 0,
    jitterBufferEmittedCount: 0,
    totalSamplesReceived: 0,
    concealedSamples: 0,
    concealmentEvents: 0,
    insertedSamplesForDeceleration: 0,
    removedSamplesForAcceleration: 0,
  };
}

/** A FrameSource's audio, whichever form it returned. */
function frameAudio(result: Float32Array | { audio: Float32Array }): Float32Array {
  return result instanceof Float32Array ? result : result.audio;
}

/** ms from `arrival` to `playAt`, keeping playSlot's null (concealed) and undefined (not sent). */
function buffered(arrival: number | null | undefined, playAt: number): number | null | undefined {
  return arrival === null || arrival === undefined ? arrival : playAt - arrival;
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

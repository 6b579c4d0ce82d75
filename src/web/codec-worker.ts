// The codec worker behind the encoder and decoder nodes: a dedicated Worker, one per node,
// where the frame-sized work (tens of milliseconds at a throttled CPU) runs off the audio thread.
// Audio arrives from / leaves for the AudioWorklet through a SampleRing (polled every few ms)
// or through a MessagePort; packets go to and come from the main thread, and through packet
// ports straight to and from other workers.

import { Resampler } from '../audio/resample.js';
import { BitrateTable } from '../codec/bitrates.js';
import type { PacketFormat, RedundancyOptions } from '../codec/frame-codec.js';
import { parsePayload } from '../codec/payload.js';
import {
  createDecoder,
  createEncoder,
  playoutSource,
  type StreamDecoder,
  type StreamEncoder,
} from '../codec/stream.js';
import { loadModelFromBytes, type Model } from '../model/load.js';
import {
  AdaptivePlayout,
  type FrameKind,
  type PlayoutFrame,
  type PlayoutOptions,
  type PlayoutTuning,
} from '../codec/playout.js';
import { ListenerClock } from './listener-clock.js';
import { leastBurstMs, PlayoutMargin } from './playout-margin.js';
import { framesToDrop, nextShedStep, OVERLOAD_WINDOW_MS, DelayHold, maxDelayFor, OverloadMonitor } from './overload.js';
import type {
  DecoderInit,
  DecoderRecord,
  DecoderStats,
  EncoderInit,
  EncoderRecord,
  ModelBytes,
  OverloadPolicy,
  PacketMessage,
  PlaybackPosition,
  PlayoutBuffer,
  WorkerReply,
  WorkerRequest,
} from './protocol.js';
import { PacketMessageError, readPacketMessage } from './packet-message.js';
import { SampleRing } from './ring.js';
import { concatFloats } from '../util/concat.js';
import { xorshift32 } from '../util/prng.js';

const POLL_MS = 4;
/** Port transport: how long the audio thread is assumed to keep playing after its last count of samples played. */
const PLAYED_ON_MS = 20;
const FRAME_MS = 20;
/** Decoder catching up: frames kept waiting after the oldest are skipped (the next to decode, and one more). */
/** Recording (record: true) stops after this many frames (10 minutes), so a long session cannot exhaust memory. */
const RECORD_LIMIT_FRAMES = 30_000;

interface WorkerScope {
  postMessage(message: WorkerReply, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null;
  close(): void;
}
const scope = globalThis as unknown as WorkerScope;
const reply = (message: WorkerReply, transfer: Transferable[] = []) => scope.postMessage(message, transfer);

let role: EncoderRole | DecoderRole | null = null;
const early: WorkerRequest[] = [];

scope.onmessage = (e) => {
  const message = e.data;
  if (message.type === 'init-encoder' || message.type === 'init-decoder') {
    start(message).catch((err: unknown) =>
      reply({ type: 'error', message: err instanceof Error ? err.message : String(err) }),
    );
  } else if (message.type === 'close') {
    scope.close();
  } else if (role) guarded(role, () => role!.handle(message));
  else early.push(message);
};

/** An exception in the codec stops this node's stream and is reported to the main thread, once. */
let failed = false;
function guarded(target: EncoderRole | DecoderRole, run: () => void): void {
  if (failed) return;
  try {
    run();
  } catch (err) {
    failed = true;
    reply({
      type: 'error',
      message: `${target instanceof EncoderRole ? 'encoder' : 'decoder'} worker: ${err instanceof Error ? err.message : String(err)}`,
    });
  }
}

async function start(init: EncoderInit | DecoderInit): Promise<void> {
  const load = (bytes: ModelBytes, label: string): Promise<Model> =>
    loadModelFromBytes(bytes.manifestText, bytes.blob, label);
  const model = await load(init.model, 'codec model');
  const started = performance.now();
  const ready =
    init.type === 'init-encoder'
      ? new EncoderRole(init, model, init.denoiser ? await load(init.denoiser, 'denoiser model') : undefined)
      : new DecoderRole(init, model);
  const warmupMs = performance.now() - started;
  role = ready;
  reply({ type: 'ready', warmupMs, modelRate: model.manifest.sampleRate, frameSize: model.manifest.frameSize });
  for (const message of early.splice(0)) guarded(ready, () => ready.handle(message));
  pumpOnTicks(ready);
  setInterval(() => guarded(ready, () => ready.report()), 250);
  setInterval(() => guarded(ready, () => ready.checkOverload()), OVERLOAD_WINDOW_MS);
}

/**
 * Runs the role's pump right after each quantum the audio thread moves through the ring
 * (Atomics.waitAsync: the worker learns of a read or a write within a fraction of a millisecond
 * instead of up to a polling period later), and every POLL_MS when none comes; every POLL_MS where
 * it cannot wait (the MessagePort transport, or no Atomics.waitAsync).
 */
function pumpOnTicks(target: EncoderRole | DecoderRole): void {
  const ring = target.ring;
  if (!wakesOnAudioThread(ring)) {
    setInterval(() => guarded(target, () => target.pump()), POLL_MS);
    return;
  }
  const step = (lateMs: number) => {
    if (failed) return;
    // Taken before the pump: a quantum that comes during it ends the next wait at once.
    const seen = ring.ticks;
    guarded(target, () => (target instanceof DecoderRole ? target.pump(lateMs) : target.pump()));
    ring.afterTick(seen, POLL_MS, step);
  };
  step(Number.NaN);
}

/** Whether a worker with this ring (null: the MessagePort transport) waits for the audio thread's quanta rather than polling. */
function wakesOnAudioThread(ring: SampleRing | null): ring is SampleRing {
  return ring !== null && SampleRing.canWait;
}

/** Deterministic noise to warm up the JIT with (the warm-up codec is thrown away). */
function warmupSignal(samples: number): Float32Array {
  const x = new Float32Array(samples);
  const random = xorshift32(0x9e3779b9);
  for (let i = 0; i < samples; i++) x[i] = (random() - 0.5) * 0.2 * Math.sin(i / 400);
  return x;
}

/**
 * The encoder's model-rate stream, which it can switch to the non-exact float path between two
 * frames: the worker resamples (as createEncoder would, so the packets are the same) and feeds a
 * model-rate encoder, which is replaced at a frame boundary.
 */
class SwitchableEncoder {
  private encoder: StreamEncoder;
  private readonly resampler: Resampler | null;
  /** Resampler outputs still to drop (its filter's ramp-up), as createEncoder does. */
  private skip: number;
  /** Model-rate samples into the current frame. */
  private fill = 0;
  private switchTo: 'fast' | null = null;
  precision: 'exact' | 'fast' = 'exact';

  constructor(
    private readonly options: {
      model: Model;
      denoiser?: Model;
      bitrate: number;
      denoise: boolean;
      packetFormat: PacketFormat;
      redundancy: RedundancyOptions | false;
      dtx: boolean;
    },
    readonly sampleRate: number,
  ) {
    this.encoder = createEncoder(options);
    const modelRate = options.model.manifest.sampleRate;
    this.resampler = sampleRate === modelRate ? null : new Resampler(sampleRate, modelRate);
    this.skip = this.resampler?.delaySamples ?? 0;
  }

  get bitrate(): number {
    return this.encoder.bitrate;
  }
  get denoise(): boolean {
    return this.encoder.denoise;
  }
  setBitrate(bps: number): void {
    this.encoder.setBitrate(bps);
  }
  setDenoise(on: boolean): void {
    this.encoder.setDenoise(on);
  }

  /** From the next frame boundary on. (The new encoder starts from silence: a frame or two sound different.) */
  switchToFast(): void {
    if (this.precision === 'exact') this.switchTo = 'fast';
    this.precision = 'fast';
  }

  encode(chunk: Float32Array): Uint8Array[] {
    let x = this.resampler ? this.resampler.process(chunk) : chunk;
    const skipped = Math.min(this.skip, x.length);
    this.skip -= skipped;
    x = x.subarray(skipped);
    const frameSize = this.encoder.frameSize;
    const packets: Uint8Array[] = [];
    if (this.switchTo) {
      const toBoundary = this.fill === 0 ? 0 : frameSize - this.fill;
      if (x.length < toBoundary) {
        this.fill += x.length;
        return this.encoder.encode(x);
      }
      packets.push(...this.encoder.encode(x.subarray(0, toBoundary)));
      x = x.subarray(toBoundary);
      this.fill = 0;
      const { bitrate, denoise } = this.encoder;
      this.encoder = createEncoder({ ...this.options, bitrate, denoise, precision: this.switchTo });
      this.switchTo = null;
    }
    this.fill = (this.fill + x.length) % frameSize;
    packets.push(...this.encoder.encode(x));
    return packets;
  }
}

class EncoderRole {
  private readonly encoder: SwitchableEncoder;
  readonly ring: SampleRing | null;
  private readonly scratch: Float32Array;
  /** Port transport: chunks received and not yet encoded (the input backlog). */
  private pending: Float32Array[] = [];
  private pumpScheduled = false;
  /** Frames completed or dropped: the next packet's sequence number. */
  private frames = 0;
  private samplesFed = 0;
  private computeMs: number[] = [];
  private readonly packetPorts: MessagePort[] = [];
  private readonly record: { input: Float32Array[]; settings: EncoderRecord['settings']; packets: Uint8Array[] } | null;
  private readonly format: Pick<EncoderRecord, 'packetFormat' | 'redundancy' | 'dtx'>;
  private framesNotSent = 0;
  private sidFrames = 0;
  private readonly policy: OverloadPolicy;
  private readonly monitor = new OverloadMonitor(FRAME_MS);
  private readonly frameSamples: number;
  private droppedFrames = 0;
  private droppedSamples = 0;

  constructor(init: EncoderInit, model: Model, denoiser: Model | undefined) {
    this.format = { packetFormat: init.packetFormat, redundancy: init.redundancy, dtx: init.dtx };
    const options = {
      model,
      denoiser,
      sampleRate: init.sampleRate,
      bitrate: init.bitrate,
      denoise: init.denoise,
      ...this.format,
    };
    if (init.warmupFrames > 0) {
      const warm = createEncoder({ ...options, denoise: denoiser !== undefined });
      const frameAtRate = Math.ceil((init.sampleRate * FRAME_MS) / 1000);
      warm.encode(warmupSignal(frameAtRate * init.warmupFrames));
    }
    this.encoder = new SwitchableEncoder(
      { model, denoiser, bitrate: init.bitrate, denoise: init.denoise, ...this.format },
      init.sampleRate,
    );
    this.policy = init.overload;
    this.frameSamples = (init.sampleRate * FRAME_MS) / 1000;
    this.ring = init.transport.kind === 'sab' ? new SampleRing(init.transport.ring) : null;
    this.scratch = new Float32Array(this.ring ? this.ring.capacity : 0);
    if (init.transport.kind === 'port') {
      // Queued, not encoded on arrival: only so can the worker see how far behind it is (the
      // messages that came while it was busy are all taken before the pump runs).
      init.transport.port.onmessage = (e: MessageEvent<Float32Array>) => {
        this.pending.push(e.data);
        if (this.pumpScheduled) return;
        this.pumpScheduled = true;
        setTimeout(() => {
          this.pumpScheduled = false;
          guarded(this, () => this.pump());
        }, 0);
      };
    }
    this.record = init.record
      ? { input: [], settings: [{ atSample: 0, bitrate: init.bitrate, denoise: init.denoise }], packets: [] }
      : null;
  }

  handle(message: WorkerRequest): void {
    if (message.type === 'bitrate') this.encoder.setBitrate(message.bps);
    else if (message.type === 'denoise') this.encoder.setDenoise(message.on);
    else if (message.type === 'packet-port') {
      this.packetPorts.push(message.port);
      return;
    } else if (message.type === 'record') {
      reply({ type: 'record', encoder: this.takeRecord() });
      return;
    } else return;
    this.settingsChanged();
  }

  private settingsChanged(): void {
    const { bitrate, denoise } = this.encoder;
    this.record?.settings.push({ atSample: this.samplesFed, bitrate, denoise });
    reply({ type: 'settings', fromFrame: this.frames, bitrate, denoise });
  }

  pump(): void {
    let chunk: Float32Array;
    if (this.ring) chunk = this.scratch.subarray(0, this.ring.read(this.scratch));
    else {
      chunk = this.pending.length === 1 ? this.pending[0] : concatFloats(this.pending);
      this.pending = [];
    }
    if (chunk.length === 0) return;
    const maxBacklog = (this.policy.maxBacklogMs * this.encoder.sampleRate) / 1000;
    const drop = framesToDrop(chunk.length, this.frameSamples, maxBacklog);
    if (drop > 0) {
      // Whole frames (rounded as they accumulate, at rates where a frame is not a whole number
      // of samples), so that every later packet's sequence number still matches its time.
      const samples = Math.round((this.droppedFrames + drop) * this.frameSamples) - this.droppedSamples;
      this.droppedFrames += drop;
      this.droppedSamples += samples;
      this.frames += drop;
      this.monitor.drop(drop);
      chunk = chunk.subarray(samples);
    }
    this.encode(chunk);
  }

  private encode(chunk: Float32Array): void {
    const started = performance.now();
    const packets = this.encoder.encode(chunk);
    const ms = performance.now() - started;
    this.samplesFed += chunk.length;
    if (this.record && this.record.packets.length < RECORD_LIMIT_FRAMES) {
      this.record.input.push(chunk.slice());
      this.record.packets.push(...packets);
    }
    if (packets.length === 0) return;
    for (const packet of packets) {
      if (packet.length === 0) this.framesNotSent++;
      else if (this.format.dtx && parsePayload(packet).kind === 'comfort-noise') this.sidFrames++;
    }
    // The ports first: they are the packets' way out that does not wait for the main thread.
    for (const port of this.packetPorts) {
      packets.forEach((packet, i) => {
        port.postMessage({ seq: this.frames + i, packet } satisfies PacketMessage);
      });
    }
    const each = packets.map(() => ms / packets.length);
    this.computeMs.push(...each);
    for (const t of each) this.monitor.frame(t);
    reply({ type: 'packets', seq: this.frames, packets, computeMs: each });
    this.frames += packets.length;
  }

  report(): void {
    reply({
      type: 'stats',
      encoder: {
        frames: this.frames,
        computeMs: this.computeMs,
        droppedFrames: this.droppedFrames,
        framesNotSent: this.framesNotSent,
        sidFrames: this.sidFrames,
        precision: this.encoder.precision,
      },
    });
    this.computeMs = [];
  }

  checkOverload(): void {
    const verdict = this.monitor.endWindow();
    if (!verdict) return;
    const step = verdict.shedNow && this.policy.shedLoad ? nextShedStep(this.encoder.precision) : null;
    if (step === 'precision-fast') this.encoder.switchToFast();
    reply({
      type: 'overload',
      report: {
        node: 'encoder',
        computeMs: verdict.computeMs,
        budgetMs: FRAME_MS,
        droppedInWindow: verdict.droppedInWindow,
        droppedFrames: this.droppedFrames,
        shed: step,
        precision: this.encoder.precision,
      },
    });
  }

  private takeRecord(): EncoderRecord | undefined {
    if (!this.record) return undefined;
    return {
      sampleRate: this.encoder.sampleRate,
      input: concatFloats(this.record.input),
      ...this.format,
      settings: this.record.settings,
      packets: this.record.packets,
    };
  }
}

/** The most a packet's arrival is moved back for the time it waited for the worker (ms). */
const MAX_PACKET_WAIT_MS = 1000;

class DecoderRole {
  private decoder: StreamDecoder;
  private source: ReturnType<typeof playoutSource>;
  private readonly model: Model;
  private precision: 'exact' | 'fast' = 'exact';
  private readonly policy: OverloadPolicy;
  private readonly monitor = new OverloadMonitor(FRAME_MS);
  private readonly resampler: Resampler | null;
  private readonly sampleRate: number;
  private readonly modelRate: number;
  private readonly frameSize: number;
  private readonly playout: AdaptivePlayout;
  private readonly bitrates: BitrateTable;
  private readonly packetFormat: PacketFormat;
  private rejected = 0;
  private lastRejection: string | null = null;
  private recoveredFrames = 0;
  private comfortNoiseFrames = 0;
  /** The earliest (arrival time - FRAME_MS * seq) seen, and the latest arrival against it (ms). */
  private earliestOffset = Infinity;
  private maxLateMs = 0;
  readonly ring: SampleRing | null;
  private readonly port: MessagePort | null;
  private skip: number;
  /** Samples handed to the audio thread; port transport: the playback processor's last count of samples read and when it came. */
  private sent = 0;
  private played = 0;
  private playedAt = 0;
  /** The listener's audio clock: what the playout's arrivals and delays are measured on. */
  private readonly clock: ListenerClock;
  /** The audio handed over lately: where each piece lies in the output and on the sender's timeline (ms). */
  private segments: { start: number; length: number; fromMs: number; spanMs: number }[] = [];
  private slotEndMs = 0;
  private computeMs: number[] = [];
  private readonly margin: PlayoutMargin;
  private writing = false;
  private skippedBefore = 0;
  /** The node's playout limits; while overloaded the maximum delay is held lower (OVERLOADED_MAX_DELAY_MS). */
  private limits: Required<Pick<PlayoutOptions, PlayoutTuning>>;
  private readonly delayHold = new DelayHold();
  private readonly wallClock: boolean;
  private queuedSum = 0;
  private queuedCount = 0;
  private readonly record: {
    packets: (Uint8Array | null)[];
    nexts: (Uint8Array | null)[];
    seqs: number[];
    pcm: Float32Array[];
  } | null;

  constructor(init: DecoderInit, model: Model) {
    this.model = model;
    this.policy = init.overload;
    this.modelRate = model.manifest.sampleRate;
    this.frameSize = model.manifest.frameSize;
    this.sampleRate = init.sampleRate;
    this.bitrates = BitrateTable.of(model);
    this.packetFormat = init.packetFormat;
    if (init.warmupFrames > 0) {
      // Through the same code paths as the real stream: packets (a 6 kbps encode of noise, with
      // redundancy in a SoundStream stream), losses, resampling.
      const packets = createEncoder({
        model,
        ...(init.packetFormat === 'soundstream' ? { packetFormat: 'soundstream', redundancy: { quantizers: 16 } } : {}),
      }).encode(warmupSignal(model.manifest.frameSize * init.warmupFrames));
      const warm = createDecoder({ model, packetFormat: init.packetFormat });
      const warmResampler = this.sampleRate === this.modelRate ? null : new Resampler(this.modelRate, this.sampleRate);
      const warmPlayout = new AdaptivePlayout(playoutSource(warm), {
        sampleRate: this.modelRate,
        frameSize: this.frameSize,
      });
      packets.forEach((p, i) => {
        if (i % 7 !== 3) warmPlayout.push(i, p, i * FRAME_MS);
        for (let f = warmPlayout.pull(i * FRAME_MS, 5, 5); f; f = warmPlayout.pull(i * FRAME_MS, 25, 5))
          warmResampler?.process(f.output);
      });
    }
    // Decoded at the model's rate, time-scaled and resampled here, so the model-rate frames can be recorded.
    this.decoder = createDecoder({ model, packetFormat: this.packetFormat });
    this.source = playoutSource(this.decoder);
    this.resampler = this.sampleRate === this.modelRate ? null : new Resampler(this.modelRate, this.sampleRate);
    this.skip = this.resampler?.delaySamples ?? 0;
    this.limits = playoutLimits(init.buffer);
    this.playout = new AdaptivePlayout((packet, seq, next) => this.decodeFrame(packet, seq, next), {
      sampleRate: this.modelRate,
      frameSize: this.frameSize,
      statsSampleRate: this.sampleRate,
      ...this.limits,
    });
    this.ring = init.transport.kind === 'sab' ? new SampleRing(init.transport.ring) : null;
    this.port = init.transport.kind === 'port' ? init.transport.port : null;
    this.clock = new ListenerClock(this.sampleRate);
    this.margin = new PlayoutMargin({
      pollMs: POLL_MS,
      frameMs: FRAME_MS,
      // (The port transport's playback processor reports every other quantum.)
      minBurstMs: leastBurstMs(this.sampleRate, !this.ring, init.deviceReadMs),
      stallsOnWallClock: !this.ring,
    });
    this.wallClock = init.clock === 'wall';
    if (this.port) {
      this.port.onmessage = (e: MessageEvent<PlaybackPosition>) => {
        const [played, playhead] = e.data;
        this.played = played;
        this.playedAt = performance.now();
        this.clock.update(playhead, this.playedAt);
        guarded(this, () => this.pump());
      };
    }
    this.record = init.record ? { packets: [], nexts: [], seqs: [], pcm: [] } : null;
  }

  handle(message: WorkerRequest): void {
    if (message.type === 'packet') this.receive(message, message.pushedAt);
    else if (message.type === 'packet-port')
      message.port.onmessage = (e: MessageEvent<unknown>) => guarded(this, () => this.fromPort(e.data));
    else if (message.type === 'buffer') {
      this.limits = playoutLimits(message.buffer);
      this.applyLimits();
    } else if (message.type === 'restart') {
      this.playout.reset();
      this.earliestOffset = Infinity;
      this.maxLateMs = 0;
      this.writing = false;
      this.decoder.reset();
      this.resampler?.reset();
      this.skip = this.resampler?.delaySamples ?? 0;
      this.segments = [];
    } else if (message.type === 'record') reply({ type: 'record', decoder: this.takeRecord() });
  }

  /** The listener's time (ms): the audio clock that plays the queue, run on between its readings (the wall clock offline). */
  private listenerNow(): number {
    const wall = performance.now();
    if (this.wallClock) return wall;
    if (this.ring) this.clock.update(this.ring.playhead, wall);
    return this.clock.now(wall);
  }

  /**
   * `pushedAtMs`: when the page pushed it (performance.timeOrigin-based ms). The packet is counted
   * as arrived then, not when this worker got to it: a worker stalled for 100 ms (Firefox's GC of
   * its code every 5 s) would otherwise make every packet of those 100 ms look late, and the
   * jitter allowance rise by the stall that the margin already covers (src/web/playout-margin.ts).
   */
  private receive(message: PacketMessage, pushedAtMs?: number): void {
    let now = this.listenerNow();
    if (pushedAtMs !== undefined && Number.isFinite(pushedAtMs)) {
      const waitedMs = performance.timeOrigin + performance.now() - pushedAtMs;
      now -= Math.min(Math.max(0, waitedMs), MAX_PACKET_WAIT_MS);
    }
    const offset = now - FRAME_MS * message.seq;
    this.earliestOffset = Math.min(this.earliestOffset, offset);
    // (Counted from playout on: before it, a late packet only delays the start.)
    if (this.writing) this.maxLateMs = Math.max(this.maxLateMs, offset - this.earliestOffset);
    this.playout.push(message.seq, message.packet, now);
    this.pump();
  }

  /** What push() checks on the main thread, checked here for packets that did not pass through it. */
  private fromPort(data: unknown): void {
    let message: PacketMessage;
    try {
      message = readPacketMessage(data, this.packetFormat, this.bitrates);
    } catch (err) {
      if (!(err instanceof PacketMessageError)) throw err;
      this.rejected++;
      this.lastRejection = err.message;
      return;
    }
    this.receive(message);
  }

  private queuedMs(): number {
    if (this.ring) return (this.ring.available * 1000) / this.sampleRate;
    // The count is a message old: assume the audio thread has played on since (if it has not,
    // the queue is only fuller than thought, the safe side), but not for long, so that a
    // suspended context does not have audio decoded for it without end.
    const sinceMs = Math.min(performance.now() - this.playedAt, PLAYED_ON_MS);
    const samples = this.sent - Math.min(this.sent, this.played + (sinceMs * this.sampleRate) / 1000);
    return (samples * 1000) / this.sampleRate;
  }

  /** `lateMs`: how long after the audio thread's quantum this pump came, where it is known (else NaN). */
  pump(lateMs = Number.NaN): void {
    if (!Number.isNaN(lateMs)) this.margin.woke(lateMs);
    this.pumpFrames();
    this.margin.finished(this.listenerNow(), performance.now());
  }

  private pumpFrames(): void {
    let queued = this.queuedMs();
    this.queuedSum += queued;
    this.queuedCount++;
    const listenerMs = this.listenerNow();
    // (The ring's playhead is read live: the margin sees how much the audio thread reads at once.)
    const playheadMs = this.ring ? this.clock.playheadFrames * (1000 / this.sampleRate) : Number.NaN;
    const margin = this.margin.pumped(listenerMs, performance.now(), this.writing && queued === 0, playheadMs);
    for (;;) {
      const frame = this.playout.pull(this.listenerNow(), queued, margin);
      if (!frame) return;
      const out = this.resample(frame.output);
      this.logSegment(frame, this.write(out));
      this.writing = true;
      const before = queued;
      queued = this.queuedMs();
      // A ring that no longer takes audio (the audio thread stopped): wait for it rather than decode on.
      if (queued <= before && frame.output.length > 0 && this.ring) return;
    }
  }

  private decodeFrame(
    packet: Uint8Array | null,
    seq: number,
    next: Uint8Array | null,
  ): { audio: Float32Array; kind: FrameKind } {
    const started = performance.now();
    const listenerStarted = this.listenerNow();
    const { audio: pcm, kind } = this.source(packet, seq, next);
    const ms = performance.now() - started;
    if (kind === 'recovered') this.recoveredFrames++;
    else if (kind === 'comfort-noise') this.comfortNoiseFrames++;
    this.computeMs.push(ms);
    this.monitor.frame(ms);
    // (The margin's share: the audio played while this frame was decoded, or the wall clock's time when less.)
    this.margin.decoded(this.listenerNow() - listenerStarted, performance.now() - started);
    if (this.record && this.record.packets.length < RECORD_LIMIT_FRAMES) {
      this.record.packets.push(packet);
      this.record.nexts.push(next);
      this.record.seqs.push(seq);
      this.record.pcm.push(pcm.slice());
    }
    return { audio: pcm, kind };
  }

  private resample(pcm: Float32Array): Float32Array {
    if (!this.resampler) return pcm.slice();
    const out = this.resampler.process(pcm);
    if (this.skip === 0) return out;
    const drop = Math.min(this.skip, out.length);
    this.skip -= drop;
    return out.subarray(drop);
  }

  /** Hands `out` to the audio thread; returns how many samples it took. */
  private write(out: Float32Array): number {
    if (out.length === 0) return 0;
    if (this.ring) {
      // The ring holds a second and the delay is kept below maxDelayMs: full means the audio thread stopped.
      const n = this.ring.write(out);
      this.sent += n;
      return n;
    }
    const chunk = out.byteOffset === 0 && out.length === out.buffer.byteLength / 4 ? out : out.slice();
    const n = chunk.length; // (counted before the transfer empties it)
    this.sent += n;
    this.port!.postMessage(chunk, [chunk.buffer]);
    return n;
  }

  /**
   * Where the audio of `frame` lies on the sender's timeline: a frame's slot (the first output:
   * every frame held until playout began), time-scaled or not; concealment in addition takes no
   * time of the sender's, it stays where the frame before it ended.
   */
  private logSegment(frame: PlayoutFrame, length: number): void {
    const fromMs = frame.seq < 0 ? this.slotEndMs : frame.seq * FRAME_MS;
    const spanMs = frame.seq < 0 ? 0 : FRAME_MS * Math.max(1, Math.round(frame.decoded.length / this.frameSize));
    this.slotEndMs = fromMs + spanMs;
    if (length > 0) this.segments.push({ start: this.sent - length, length, fromMs, spanMs });
  }

  /**
   * The next sample the audio thread reads: the audio-clock frame it plays at, and its place on
   * the sender's timeline (ms; less the resampler's delay, by which each frame's output trails its
   * input). Read together, so that they describe the same sample.
   */
  private playing(): DecoderStats['playing'] {
    let read: number;
    if (this.ring) {
      this.clock.update(this.ring.playhead, performance.now());
      read = this.sent - this.ring.available;
    } else read = this.played;
    const segments = this.segments;
    while (segments.length > 1 && segments[0].start + segments[0].length <= read) segments.shift();
    const segment = segments[0];
    if (!segment || Number.isNaN(this.clock.playheadFrames)) return null;
    const into = Math.min(1, Math.max(0, (read - segment.start) / segment.length));
    const delayMs = this.resampler ? (this.resampler.delaySamples * 1000) / this.sampleRate : 0;
    return {
      audioFrame: this.clock.playheadFrames,
      timelineMs: segment.fromMs + into * segment.spanMs - delayMs,
    };
  }

  report(): void {
    const s = this.playout.stats();
    const p = this.playout.state();
    reply({
      type: 'stats',
      decoder: {
        ...s,
        frames: p.framesDecoded + p.framesConcealed + p.framesRecovered + p.framesComfortNoise,
        recoveredFrames: this.recoveredFrames,
        comfortNoiseFrames: this.comfortNoiseFrames,
        lastRejection: this.lastRejection,
        computeMs: this.computeMs,
        late: p.framesConcealed - p.framesKnownLost + p.framesExpanded,
        lost: p.framesKnownLost,
        tooLate: s.packetsDiscarded,
        rejected: this.rejected,
        maxLateMs: this.maxLateMs,
        firstSeq: p.firstSeq,
        queuedMs: this.queuedCount > 0 ? this.queuedSum / this.queuedCount : 0,
        skipped: p.framesSkipped,
        precision: this.precision,
        delayMs: p.delayMs,
        targetDelayMs: p.targetDelayMs,
        jitterMs: p.jitterMs,
        marginMs: p.marginMs,
        peakMs: p.peakMs,
        wakes: wakesOnAudioThread(this.ring) ? 'audio-thread' : 'poll',
        playing: this.playing(),
      },
    });
    this.computeMs = [];
    this.queuedSum = this.queuedCount = 0;
  }

  checkOverload(): void {
    // Frames the playout skipped (it was behind by its maximum delay) count as dropped.
    const skipped = this.playout.state().framesSkipped;
    this.monitor.drop(skipped - this.skippedBefore);
    this.skippedBefore = skipped;
    const verdict = this.monitor.endWindow();
    // A node that may shed load also trades delay for concealment while overloaded.
    if (this.delayHold.window(verdict !== null && this.policy.shedLoad)) this.applyLimits();
    if (!verdict) return;
    const step = verdict.shedNow && this.policy.shedLoad ? nextShedStep(this.precision) : null;
    if (step === 'precision-fast') {
      // Between two frames; the new decoder starts from silence, so the next frame or two differ.
      this.decoder = createDecoder({ model: this.model, precision: 'fast', packetFormat: this.packetFormat });
      this.source = playoutSource(this.decoder);
      this.precision = 'fast';
    }
    reply({
      type: 'overload',
      report: {
        node: 'decoder',
        computeMs: verdict.computeMs,
        budgetMs: FRAME_MS,
        droppedInWindow: verdict.droppedInWindow,
        droppedFrames: this.playout.state().framesSkipped,
        shed: step,
        precision: this.precision,
      },
    });
  }

  private applyLimits(): void {
    this.playout.configure({ ...this.limits, maxDelayMs: maxDelayFor(this.limits, this.delayHold.held) });
  }

  private takeRecord(): DecoderRecord | undefined {
    if (!this.record) return undefined;
    return {
      modelRate: this.modelRate,
      packetFormat: this.packetFormat,
      firstSeq: this.playout.state().firstSeq,
      packets: this.record.packets,
      nexts: this.record.nexts,
      seqs: this.record.seqs,
      pcm: concatFloats(this.record.pcm),
    };
  }
}

/** A node's playout settings in the playout's own terms. */
function playoutLimits(b: PlayoutBuffer): Required<Pick<PlayoutOptions, PlayoutTuning>> {
  return {
    minMarginMs: b.safetyMs,
    minJitterMs: b.jitterMs,
    maxDelayMs: b.maxDelayMs,
    quantile: b.quantile,
    peakHoldMs: b.peakHoldMs,
    peakCapMs: b.peakCapMs,
  };
}

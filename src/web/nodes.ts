// Web Audio encoder and decoder nodes. The codec runs in a dedicated Worker per node; the
// AudioWorklet only moves samples, through a SharedArrayBuffer ring when the page is
// cross-origin isolated and through a MessagePort otherwise, so no render quantum ever carries
// a frame's worth of codec work.
//
//   const encoder = await SoundstreamEncoderNode.create(context, { model });
//   microphone.connect(encoder.input);
//   encoder.addEventListener('packet', (e) => send(e.detail.packet));
//   const decoder = await SoundstreamDecoderNode.create(context, { model });
//   decoder.output.connect(context.destination);
//   onReceive((packet) => decoder.push(packet));   // null for a packet known to be lost
//
// Packets can also skip the main thread: encoder.packetPort() and decoder.packetPort() are
// MessagePorts to the codec workers, to hand to the Worker that owns the network connection.

import { BitrateTable } from '../codec/bitrates.js';
import {
  type PacketFormat,
  quantizersForFormat,
  type RedundancyOptions,
  resolveEncoderFormat,
} from '../codec/frame-codec.js';
import type { Model } from '../model/load.js';
import type {
  DecoderRecord,
  DecoderStats,
  EncoderRecord,
  EncoderStats,
  ModelBytes,
  OverloadPolicy,
  OverloadReport,
  PlayoutBuffer,
  ProcessorControl,
  ProcessorOptions,
  ProcessorStarted,
  ProcessorStats,
  Transport,
  TransportKind,
  WorkerReply,
  WorkerRequest,
} from './protocol.js';
import { readPacketMessage } from './packet-message.js';
import { checkPlayoutBuffer, DEFAULT_PLAYOUT_BUFFER } from './playout-buffer.js';
import { SampleRing } from './ring.js';

export interface CodecNodeOptions {
  /** The codec (e.g. loadModelFromUrl('/weights/lyra-v2/')); the worker gets a copy of its bytes. */
  model: Model;
  /** 'auto' (default): 'sab' when the page is cross-origin isolated, else 'port'. */
  transport?: 'auto' | TransportKind;
  /** The bundled codec worker and worklet modules; by default next to this module. */
  workerUrl?: string | URL;
  workletUrl?: string | URL;
  /** Frames of noise run through a throw-away codec so that the JIT has compiled it before the first real frame (default 50). */
  warmupFrames?: number;
  /** Keep everything in and out (the first 10 minutes), for record(): tests, downloads. Default false. */
  record?: boolean;
  /**
   * When the device cannot keep up, the delay stays bounded: frames are dropped instead of
   * queued. Encoder: input waiting to be encoded beyond this is dropped, oldest first, in whole
   * frames (their sequence numbers are skipped, so the receiver conceals them). Decoder: while
   * the audio thread runs dry, packets waiting beyond this are skipped, oldest first (never
   * played). Default 60 ms; Infinity never drops. Either way an 'overload' event says so.
   */
  maxBacklogMs?: number;
  /**
   * After 2 s overloaded in a row, make frames cheaper: switch to the float layers' non-exact path
   * (precision 'fast': about a quarter less compute, a quality change too small to measure, but
   * no longer bit-identical to Google's runtime). Not undone. The 'overload' event reports it;
   * docs/overload.md has the measurements. Default true: an overloaded node is already dropping
   * frames, a far larger loss.
   */
  shedLoad?: boolean;
}

export interface EncoderNodeOptions extends CodecNodeOptions {
  /**
   * Bits per second, default 6000: a Lyra rate (3200, 6000, 9200), or with the 'soundstream'
   * packet format any multiple of 200 from 200 to 9200.
   */
  bitrate?: number;
  /**
   * 'lyra': raw Lyra packets; 'soundstream': SoundStream payloads (docs/payload-format.md).
   * Default, as createEncoder's: 'lyra' for a Lyra rate without redundancy or DTX, else 'soundstream'.
   */
  packetFormat?: PacketFormat;
  /** Each payload also carries the previous frame's first `quantizers` indices (16: 3.2 kbps more), for the receiver to recover a lost frame from. Default false. */
  redundancy?: RedundancyOptions | false;
  /**
   * Discontinuous transmission (docs/dtx.md), default false: in silence only a comfort-noise
   * update every 400 ms is sent; every other frame of the silence is a packet event with an empty
   * packet (length 0), to transmit as nothing.
   */
  dtx?: boolean;
  /** A denoiser model (weights/lyra-v2-denoise) run between encoder and quantizer. */
  denoiser?: Model;
  denoise?: boolean;
  /** 'port' transport: render quanta per message to the worker (default 4: 10.7 ms at 48 kHz). */
  batchQuanta?: number;
}

export interface DecoderNodeOptions extends CodecNodeOptions {
  /** The layout of the packets pushed: 'lyra' (default) or 'soundstream' (what an encoder node with a ladder rate, redundancy or DTX sends: its packetFormat). */
  packetFormat?: PacketFormat;
  /**
   * Adaptive playout (docs/playout.md): the delay follows the measured arrival jitter plus the
   * measured compute margin, and speech is time-scaled to reach it. These are floors, for a
   * network or device known to be worse than it has looked so far: safetyMs under the compute
   * margin, jitterMs under the jitter allowance (both default 0: measured only; before version
   * 0.2 they were the fixed queue, 40 + 60 ms). maxDelayMs (default 400) bounds the delay: frames
   * further behind are skipped, never queued without end.
   */
  safetyMs?: number;
  jitterMs?: number;
  maxDelayMs?: number;
  /**
   * How much lateness the playout waits for: the quantile of recent arrival delays its jitter
   * allowance covers (default 0.95; 1 waits for the latest packet of the last 2 s: a network's
   * late tail is then waited for, not concealed, at a longer delay), how long recurring delay
   * peaks are remembered (peakHoldMs, default 20000; 0 never holds them) and the highest target
   * delay they may raise it to (peakCapMs, default 150). docs/playout.md.
   */
  quantile?: number;
  peakHoldMs?: number;
  peakCapMs?: number;
}

export interface EncodedPacket {
  /** Frame number since the node was created. */
  seq: number;
  /** Empty (length 0) for a frame DTX did not send. */
  packet: Uint8Array;
  /** Worker compute time of this frame (ms). */
  computeMs: number;
}

export interface EncoderNodeStats {
  frames: number;
  /** Compute time of each frame since the last stats event (ms). */
  computeMs: number[];
  /** Frames of input dropped because the worker fell behind (see maxBacklogMs). */
  droppedFrames: number;
  /** DTX: frames not sent (empty packets) and comfort-noise updates sent. */
  framesNotSent: number;
  sidFrames: number;
  precision: 'exact' | 'fast';
  audioThread: ProcessorStats | null;
}

export interface DecoderNodeStats extends DecoderStats {
  audioThread: ProcessorStats | null;
}

const loadedWorklets = new WeakMap<BaseAudioContext, Map<string, Promise<void>>>();

function addWorklet(context: BaseAudioContext, url: string): Promise<void> {
  let byUrl = loadedWorklets.get(context);
  if (!byUrl) {
    byUrl = new Map();
    loadedWorklets.set(context, byUrl);
  }
  let loading = byUrl.get(url);
  if (!loading) {
    loading = context.audioWorklet.addModule(url);
    byUrl.set(url, loading);
  }
  return loading;
}

function isOffline(context: BaseAudioContext): boolean {
  const Offline = (globalThis as { OfflineAudioContext?: typeof OfflineAudioContext }).OfflineAudioContext;
  return Offline !== undefined && context instanceof Offline;
}

/** The context's baseLatency in ms where it is a number (not in every engine, nor offline), else 0. */
function deviceReadMs(context: BaseAudioContext): number {
  const seconds = (context as { baseLatency?: unknown }).baseLatency;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 && seconds < 1 ? seconds * 1000 : 0;
}

function chooseTransport(wanted: CodecNodeOptions['transport']): TransportKind {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  if (wanted === 'sab' && !isolated)
    throw new Error("transport 'sab' needs a cross-origin isolated page (COOP: same-origin, COEP: require-corp)");
  if (wanted === 'sab' || wanted === 'port') return wanted;
  if (wanted !== undefined && wanted !== 'auto')
    throw new RangeError(`transport must be 'auto', 'sab' or 'port', got ${String(wanted)}`);
  return isolated ? 'sab' : 'port';
}

/** A ring of at least a second at `rate`. */
function ringFor(rate: number): SharedArrayBuffer {
  let capacity = 1024;
  while (capacity < rate) capacity *= 2;
  return SampleRing.allocate(capacity);
}

/** What a worker loads the model from (it checks it again: sha256, tensor table). */
function bytesOf(model: Model): ModelBytes {
  return { manifestText: JSON.stringify(model.manifest), blob: model.blob };
}

/** The shared part of both nodes: worker start-up and stats. */
abstract class CodecNode extends EventTarget {
  readonly transport: TransportKind;
  protected readonly worker: Worker;
  protected readonly node: AudioWorkletNode;
  protected audioThread: ProcessorStats | null = null;
  /** The latest 'overload' event's report (null: never overloaded). */
  lastOverload: OverloadReport | null = null;
  private pendingRecord: ((r: WorkerReply & { type: 'record' }) => void) | null = null;

  protected constructor(worker: Worker, node: AudioWorkletNode, transport: TransportKind) {
    super();
    this.worker = worker;
    this.node = node;
    this.transport = transport;
    node.port.onmessage = (e: MessageEvent<ProcessorStats | ProcessorStarted>) => {
      if (e.data.type === 'stats') this.audioThread = e.data;
    };
  }

  protected static async start(
    context: BaseAudioContext,
    options: CodecNodeOptions,
    processor: 'soundstream-capture' | 'soundstream-playback',
    processorOptions: (transport: TransportKind) => {
      options: ProcessorOptions;
      transport: Transport;
      workletPort?: MessagePort;
    },
    init: (transport: Transport) => WorkerRequest,
  ): Promise<{ worker: Worker; node: AudioWorkletNode; transport: TransportKind }> {
    const transportKind = chooseTransport(options.transport);
    const workletUrl = String(options.workletUrl ?? new URL('./soundstream-worklet.js', import.meta.url));
    const workerUrl = options.workerUrl ?? new URL('./soundstream-worker.js', import.meta.url);
    await addWorklet(context, workletUrl);
    const { options: p, transport, workletPort } = processorOptions(transportKind);
    const node = new AudioWorkletNode(context, processor, {
      numberOfInputs: processor === 'soundstream-capture' ? 1 : 0,
      numberOfOutputs: processor === 'soundstream-capture' ? 0 : 1,
      outputChannelCount: processor === 'soundstream-capture' ? [] : [1],
      processorOptions: p,
    });
    if (workletPort)
      node.port.postMessage({ type: 'connect', port: workletPort } satisfies ProcessorControl, [workletPort]);
    const worker = new Worker(workerUrl, { type: 'module', name: processor.replace('soundstream-', 'soundstream ') });
    await new Promise<void>((resolve, reject) => {
      worker.onerror = (e) => reject(new Error(`codec worker ${String(workerUrl)}: ${e.message || 'failed to load'}`));
      worker.onmessage = (e: MessageEvent<WorkerReply>) => {
        if (e.data.type === 'ready') resolve();
        else if (e.data.type === 'error') reject(new Error(e.data.message));
      };
      const request = init(transport);
      worker.postMessage(request, transport.kind === 'port' ? [transport.port] : []);
    });
    // An OfflineAudioContext renders as fast as it can once started, so its capture must already
    // be running then: wait for the audio thread to have the message. (A live context plays on
    // regardless, and one still suspended until a user gesture need not answer yet.)
    const started = isOffline(context)
      ? new Promise<void>((resolve) => {
          node.port.onmessage = (e: MessageEvent<ProcessorStarted | ProcessorStats>) => {
            if (e.data.type === 'started') resolve();
          };
        })
      : undefined;
    node.port.postMessage({ type: 'start' } satisfies ProcessorControl);
    await started;
    return { worker, node, transport: transportKind };
  }

  protected listen(handle: (reply: WorkerReply) => void): void {
    this.worker.onerror = (e) => this.dispatchEvent(new CustomEvent('error', { detail: new Error(e.message) }));
    this.worker.onmessage = (e: MessageEvent<WorkerReply>) => {
      const reply = e.data;
      if (reply.type === 'record') {
        this.pendingRecord?.(reply);
        this.pendingRecord = null;
      } else if (reply.type === 'error')
        this.dispatchEvent(new CustomEvent('error', { detail: new Error(reply.message) }));
      else if (reply.type === 'overload') {
        this.lastOverload = reply.report;
        this.dispatchEvent(new CustomEvent('overload', { detail: reply.report }));
      } else handle(reply);
    };
  }

  protected requestRecord(): Promise<WorkerReply & { type: 'record' }> {
    return new Promise((resolve) => {
      this.pendingRecord = resolve;
      this.send({ type: 'record' });
    });
  }

  protected send(message: WorkerRequest, transfer: Transferable[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  /** A channel to the worker whose other end the caller gets (see the nodes' packetPort()). */
  protected packetChannel(): MessagePort {
    const channel = new MessageChannel();
    this.send({ type: 'packet-port', port: channel.port1 }, [channel.port1]);
    return channel.port2;
  }

  /** Forgets the worst quantum time and the underrun / dropped-sample counts of the audio thread. */
  resetAudioThreadStats(): void {
    this.node.port.postMessage({ type: 'reset-stats' } satisfies ProcessorControl);
  }

  /** Disconnects the node and ends its worker. */
  close(): void {
    this.node.disconnect();
    this.send({ type: 'close' });
  }
}

function overloadPolicy(options: CodecNodeOptions): OverloadPolicy {
  const maxBacklogMs = options.maxBacklogMs ?? 60;
  if (!(maxBacklogMs >= 0))
    throw new RangeError(`maxBacklogMs must be a number of milliseconds >= 0, got ${maxBacklogMs}`);
  const shedLoad = options.shedLoad ?? true;
  if (typeof shedLoad !== 'boolean') throw new TypeError(`shedLoad must be true or false, got ${String(shedLoad)}`);
  return { maxBacklogMs, shedLoad };
}

function sabOrPort(
  transport: TransportKind,
  rate: number,
  batchQuanta = 1,
): { options: ProcessorOptions; transport: Transport; workletPort?: MessagePort } {
  if (transport === 'sab') {
    const ring = ringFor(rate);
    return { options: { ring, batchQuanta }, transport: { kind: 'sab', ring } };
  }
  const channel = new MessageChannel();
  return { options: { batchQuanta }, transport: { kind: 'port', port: channel.port1 }, workletPort: channel.port2 };
}

/** Audio in (connect a source to `input`), Lyra packets out: 'packet' events and the `packets` stream. */
export class SoundstreamEncoderNode extends CodecNode {
  /** Connect the audio to encode here (mixed down to mono). */
  readonly input: AudioNode;
  private readonly bitrates: BitrateTable;
  private readonly canDenoise: boolean;
  /** The packets' layout: SoundStream payloads with a ladder rate, redundancy or DTX (see EncoderNodeOptions). */
  readonly packetFormat: PacketFormat;
  readonly redundancy: RedundancyOptions | false;
  readonly dtx: boolean;
  private current: { bitrate: number; denoise: boolean };
  private frames = 0;
  private computeMs: number[] = [];
  private workerStats: EncoderStats | null = null;
  private controller: ReadableStreamDefaultController<EncodedPacket> | null = null;
  private stream: ReadableStream<EncodedPacket> | null = null;

  static async create(context: BaseAudioContext, options: EncoderNodeOptions): Promise<SoundstreamEncoderNode> {
    const bitrates = BitrateTable.of(options.model);
    const bitrate = options.bitrate ?? 6000;
    const denoise = options.denoise ?? false;
    const dtx = options.dtx ?? false;
    if (typeof dtx !== 'boolean') throw new TypeError(`dtx must be true or false, got ${String(dtx)}`);
    const redundancy = options.redundancy ?? false;
    const { packetFormat } = resolveEncoderFormat(bitrates, {
      bitrate,
      redundancy,
      dtx,
      packetFormat: options.packetFormat,
    });
    const format = { packetFormat, redundancy, dtx };
    if (denoise && !options.denoiser) throw new RangeError('denoise: true needs a denoiser model');
    const overload = overloadPolicy(options);
    const { worker, node, transport } = await CodecNode.start(
      context,
      options,
      'soundstream-capture',
      (kind) => sabOrPort(kind, context.sampleRate, options.batchQuanta ?? 4),
      (t) => ({
        type: 'init-encoder',
        model: bytesOf(options.model),
        denoiser: options.denoiser && bytesOf(options.denoiser),
        sampleRate: context.sampleRate,
        bitrate,
        denoise,
        ...format,
        transport: t,
        record: options.record ?? false,
        warmupFrames: options.warmupFrames ?? 50,
        overload,
      }),
    );
    return new SoundstreamEncoderNode(worker, node, transport, bitrates, options.denoiser !== undefined, format, {
      bitrate,
      denoise,
    });
  }

  private constructor(
    worker: Worker,
    node: AudioWorkletNode,
    transport: TransportKind,
    bitrates: BitrateTable,
    canDenoise: boolean,
    format: { packetFormat: PacketFormat; redundancy: RedundancyOptions | false; dtx: boolean },
    settings: { bitrate: number; denoise: boolean },
  ) {
    super(worker, node, transport);
    this.input = node;
    this.bitrates = bitrates;
    this.canDenoise = canDenoise;
    this.packetFormat = format.packetFormat;
    this.redundancy = format.redundancy;
    this.dtx = format.dtx;
    this.current = settings;
    this.listen((reply) => {
      if (reply.type === 'packets') {
        reply.packets.forEach((packet, i) => {
          const detail: EncodedPacket = { seq: reply.seq + i, packet, computeMs: reply.computeMs[i] };
          this.frames = detail.seq + 1;
          this.computeMs.push(detail.computeMs);
          this.controller?.enqueue(detail);
          this.dispatchEvent(new CustomEvent('packet', { detail }));
        });
      } else if (reply.type === 'settings') {
        // (The worker may have switched the denoiser off itself: see shedLoad.)
        this.current.denoise = reply.denoise;
        this.dispatchEvent(new CustomEvent('settings', { detail: reply }));
      } else if (reply.type === 'stats') {
        if (reply.encoder) this.workerStats = reply.encoder;
        this.dispatchEvent(new CustomEvent('stats', { detail: this.stats() }));
      }
    });
  }

  /**
   * Every packet from now on, posted straight from the codec worker as PacketMessage
   * ({ seq, packet }). Transfer it to the Worker that sends packets (or to a decoder node's
   * packetPort()) and the page's main thread — layout, garbage collection, a slow phone — is no
   * longer on the packets' path. 'packet' events and the stream go on as well.
   */
  packetPort(): MessagePort {
    return this.packetChannel();
  }

  /** Every packet from now on, as a stream (created on first use). */
  get packets(): ReadableStream<EncodedPacket> {
    this.stream ??= new ReadableStream<EncodedPacket>({
      start: (c) => {
        this.controller = c;
      },
    });
    return this.stream;
  }

  get bitrate(): number {
    return this.current.bitrate;
  }

  get denoise(): boolean {
    return this.current.denoise;
  }

  /** From the next frame the worker completes on (the 'settings' event says which): a Lyra rate, or with 'soundstream' any ladder rate. */
  setBitrate(bps: number): void {
    quantizersForFormat(this.bitrates, this.packetFormat, bps);
    this.current.bitrate = bps;
    this.send({ type: 'bitrate', bps });
  }

  setDenoise(on: boolean): void {
    if (on && !this.canDenoise)
      throw new RangeError('setDenoise(true) needs a denoiser model (create(context, { denoiser }))');
    this.current.denoise = on;
    this.send({ type: 'denoise', on });
  }

  /** Frames encoded, compute times since the last call, and the audio thread's counters. */
  stats(): EncoderNodeStats {
    const computeMs = this.computeMs;
    this.computeMs = [];
    return {
      frames: this.frames,
      computeMs,
      droppedFrames: this.workerStats?.droppedFrames ?? 0,
      framesNotSent: this.workerStats?.framesNotSent ?? 0,
      sidFrames: this.workerStats?.sidFrames ?? 0,
      precision: this.workerStats?.precision ?? 'exact',
      audioThread: this.audioThread,
    };
  }

  /** What the worker was fed and produced (needs record: true). */
  async record(): Promise<EncoderRecord> {
    const reply = await this.requestRecord();
    if (!reply.encoder) throw new Error('the encoder node was created without record: true');
    return reply.encoder;
  }

  override close(): void {
    this.controller?.close();
    super.close();
  }
}

/**
 * Packets in (push), audio out (connect `output`), through adaptive playout with packet-loss
 * concealment; with SoundStream payloads also recovery from redundancy and comfort noise (DTX).
 */
export class SoundstreamDecoderNode extends CodecNode {
  readonly output: AudioNode;
  readonly packetFormat: PacketFormat;
  private readonly bitrates: BitrateTable;
  private nextSeq = 0;
  private buffer: PlayoutBuffer;
  private latest: DecoderStats | null = null;

  static async create(context: BaseAudioContext, options: DecoderNodeOptions): Promise<SoundstreamDecoderNode> {
    const bitrates = BitrateTable.of(options.model);
    const packetFormat = options.packetFormat ?? 'lyra';
    if (packetFormat !== 'lyra' && packetFormat !== 'soundstream')
      throw new RangeError(`packetFormat must be 'lyra' or 'soundstream', got ${JSON.stringify(packetFormat)}`);
    const d = DEFAULT_PLAYOUT_BUFFER;
    const buffer = checkPlayoutBuffer({
      safetyMs: options.safetyMs ?? d.safetyMs,
      jitterMs: options.jitterMs ?? d.jitterMs,
      maxDelayMs: options.maxDelayMs ?? d.maxDelayMs,
      quantile: options.quantile ?? d.quantile,
      peakHoldMs: options.peakHoldMs ?? d.peakHoldMs,
      peakCapMs: options.peakCapMs ?? d.peakCapMs,
    });
    const overload = overloadPolicy(options);
    const { worker, node, transport } = await CodecNode.start(
      context,
      options,
      'soundstream-playback',
      (kind) => sabOrPort(kind, context.sampleRate),
      (t) => ({
        type: 'init-decoder',
        model: bytesOf(options.model),
        packetFormat,
        sampleRate: context.sampleRate,
        transport: t,
        buffer,
        record: options.record ?? false,
        warmupFrames: options.warmupFrames ?? 50,
        overload,
        clock: typeof OfflineAudioContext !== 'undefined' && context instanceof OfflineAudioContext ? 'wall' : 'audio',
        deviceReadMs: deviceReadMs(context),
      }),
    );
    return new SoundstreamDecoderNode(worker, node, transport, bitrates, buffer, packetFormat);
  }

  private constructor(
    worker: Worker,
    node: AudioWorkletNode,
    transport: TransportKind,
    bitrates: BitrateTable,
    buffer: PlayoutBuffer,
    packetFormat: PacketFormat,
  ) {
    super(worker, node, transport);
    this.output = node;
    this.packetFormat = packetFormat;
    this.bitrates = bitrates;
    this.buffer = buffer;
    this.listen((reply) => {
      if (reply.type === 'stats' && reply.decoder) {
        this.latest = reply.decoder;
        this.dispatchEvent(new CustomEvent('stats', { detail: this.stats() }));
      }
    });
  }

  /**
   * A packet (or null: known lost; empty, 'soundstream': not sent, the sender's DTX silence) for
   * frame `seq` (default: the one after the last pushed). Packets may come out of order; one that
   * comes after its frame was played is dropped. PacketMessageError for anything this decoder
   * cannot play (it names the problem: a malformed payload, a length no Lyra rate has, ...).
   */
  push(packet: Uint8Array | null, seq = this.nextSeq): void {
    const message = readPacketMessage({ seq, packet }, this.packetFormat, this.bitrates);
    this.nextSeq = Math.max(this.nextSeq, seq + 1);
    this.send({ type: 'packet', ...message, pushedAt: performance.timeOrigin + performance.now() });
  }

  /**
   * A port whose PacketMessages ({ seq, packet }, packet null when known lost) go straight to the
   * codec worker, as push() would send them without the main thread in between (transfer it to
   * the Worker that receives packets, or connect an encoder node's packetPort()). The sender
   * numbers the frames; a message that is not a packet of this model is counted in stats()
   * as rejected and ignored.
   */
  packetPort(): MessagePort {
    return this.packetChannel();
  }

  get playoutBuffer(): PlayoutBuffer {
    return { ...this.buffer };
  }

  setPlayoutBuffer(buffer: Partial<PlayoutBuffer>): void {
    this.buffer = checkPlayoutBuffer({ ...this.buffer, ...buffer });
    this.send({ type: 'buffer', buffer: this.buffer });
  }

  /** A new stream: forgets queued packets and codec state; the next packet pushed starts playout afresh (seq from 0). */
  restart(): void {
    this.nextSeq = 0;
    this.node.port.postMessage({ type: 'pause' } satisfies ProcessorControl);
    this.send({ type: 'restart' });
  }

  stats(): DecoderNodeStats | null {
    return this.latest && { ...this.latest, audioThread: this.audioThread };
  }

  async record(): Promise<DecoderRecord> {
    const reply = await this.requestRecord();
    if (!reply.decoder) throw new Error('the decoder node was created without record: true');
    return reply.decoder;
  }
}

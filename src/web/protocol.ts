// Messages between the main thread, the codec worker and the audio-thread processors.

import type { PacketFormat, RedundancyOptions } from '../codec/frame-codec.js';
import type { PlayoutStats } from '../codec/playout.js';

export type { PlayoutStats };

/** A model as bytes (manifest.json's text + its weight blob), e.g. from fetchModel(). */
export interface ModelBytes {
  manifestText: string;
  blob: Uint8Array;
}

/** How audio moves between the audio thread and the worker. */
export type TransportKind = 'sab' | 'port';

export type Transport = { kind: 'sab'; ring: SharedArrayBuffer } | { kind: 'port'; port: MessagePort };

/** What a codec worker does when the device cannot keep up: see CodecNodeOptions. */
export interface OverloadPolicy {
  /** Encoder: unencoded input beyond which the oldest frames are dropped. Decoder: audio decoded or waiting to be, beyond the playout target, beyond which the oldest waiting frames are skipped (ms). */
  maxBacklogMs: number;
  /** Take shedding steps (precision 'fast') while overloaded. */
  shedLoad: boolean;
}

/** A shedding step: the float layers' non-exact path. */
export type ShedStep = 'precision-fast';

/** The codec worker says the device is too slow (about once a second while it is). */
export interface OverloadReport {
  node: 'encoder' | 'decoder';
  /** Mean compute per frame over the last second (ms, wall clock: time spent waiting for a CPU counts). */
  computeMs: number;
  /** The audio one frame holds (ms): compute above it cannot keep up. */
  budgetMs: number;
  /** Frames dropped from the input (encoder; the receiver conceals them) or skipped in playout (decoder) in the last second, and since the start. */
  droppedInWindow: number;
  droppedFrames: number;
  /** The step taken now, if any. */
  shed: ShedStep | null;
  /** The node's float precision after it. */
  precision: 'exact' | 'fast';
}

export interface EncoderInit {
  type: 'init-encoder';
  model: ModelBytes;
  denoiser?: ModelBytes;
  sampleRate: number;
  bitrate: number;
  denoise: boolean;
  /** As createEncoder's options (checked on the main thread with resolveEncoderFormat). */
  packetFormat: PacketFormat;
  redundancy: RedundancyOptions | false;
  dtx: boolean;
  transport: Transport;
  /** Keep the input and every packet, for record(). */
  record: boolean;
  warmupFrames: number;
  overload: OverloadPolicy;
}

export interface DecoderInit {
  type: 'init-decoder';
  model: ModelBytes;
  packetFormat: PacketFormat;
  sampleRate: number;
  transport: Transport;
  buffer: PlayoutBuffer;
  record: boolean;
  warmupFrames: number;
  overload: OverloadPolicy;
  /**
   * The clock the playout runs on: 'audio', the listener's (the playback processor's position);
   * 'wall' for an OfflineAudioContext, which renders as fast as it can and has no clock that
   * drains the queue in real time.
   */
  clock: 'audio' | 'wall';
  /**
   * What the audio device asks the audio thread for at once (ms): the context's baseLatency (10 ms
   * in headless Chromium, which the audio thread then reads as four render quanta at once); 0
   * where unknown. The playout margin covers it.
   */
  deviceReadMs: number;
}

/**
 * A packet on a packet port (encoder: out, decoder: in) for frame `seq` (frames count on through
 * DTX silences). null: known lost. Empty (length 0, 'soundstream' only): DTX did not send the
 * frame, as createEncoder and the .sst container's not-sent slot mark it: nothing to transmit,
 * and a receiver that learns of it (a port, an RTP timestamp gap) tells the silence from a loss.
 */
export interface PacketMessage {
  seq: number;
  packet: Uint8Array | null;
}

/** The decoder's adaptive playout limits: see DecoderNodeOptions. */
export interface PlayoutBuffer {
  /** Floor of the compute margin (ms); the worker's measured margin is used when larger. */
  safetyMs: number;
  /** Floor of the jitter allowance (ms); the measured arrival jitter is used when larger. */
  jitterMs: number;
  /** Hard maximum of the playout delay (ms): frames further behind are skipped. */
  maxDelayMs: number;
  /** Quantile of the arrival delays the jitter allowance covers, in (0, 1]. */
  quantile: number;
  /** How long recurring delay peaks are remembered (ms; 0: never held). */
  peakHoldMs: number;
  /** The highest target delay (ms) held peaks may raise it to. */
  peakCapMs: number;
}

export type WorkerRequest =
  | EncoderInit
  | DecoderInit
  | { type: 'bitrate'; bps: number }
  | { type: 'denoise'; on: boolean }
  /**
   * `pushedAt`: when the page pushed it (performance.timeOrigin + performance.now(), ms), so that
   * the time it then waited for a busy worker is not taken for network jitter.
   */
  | ({ type: 'packet'; pushedAt?: number } & PacketMessage)
  /** A port for packets that bypass the main thread: the encoder posts every packet on it, the decoder takes packets from it. */
  | { type: 'packet-port'; port: MessagePort }
  | { type: 'buffer'; buffer: PlayoutBuffer }
  | { type: 'restart' }
  | { type: 'record' }
  | { type: 'close' };

/** Per frame: compute time in the worker (ms). */
export interface EncoderRecord {
  sampleRate: number;
  /** The audio the encoder was fed, in order. */
  input: Float32Array;
  packetFormat: PacketFormat;
  redundancy: RedundancyOptions | false;
  dtx: boolean;
  /** Settings in force from input sample `atSample` on (the first entry is at 0). */
  settings: { atSample: number; bitrate: number; denoise: boolean }[];
  /** One per frame (empty: not sent, DTX). */
  packets: Uint8Array[];
}

export interface DecoderRecord {
  modelRate: number;
  /** The sequence number of the first frame played. */
  firstSeq: number;
  packetFormat: PacketFormat;
  /** What the decoder was given, frame by frame (null: missing or lost; empty: not sent). */
  packets: (Uint8Array | null)[];
  /** The next frame's packet it was given with a missing one (decode(packet, next)), else null. */
  nexts: (Uint8Array | null)[];
  /** The sequence number of each of those frames; -1 for concealment played in addition (the delay grew). */
  seqs: number[];
  /** The decoder's output at the model's rate, before resampling to the context's rate. */
  pcm: Float32Array;
}

export interface EncoderStats {
  frames: number;
  computeMs: number[];
  /** Frames of input dropped because the worker fell behind (their sequence numbers are skipped). */
  droppedFrames: number;
  /** Frames DTX did not send (empty packets), and comfort-noise updates sent. */
  framesNotSent: number;
  sidFrames: number;
  precision: 'exact' | 'fast';
}

/**
 * The decoder's counters under WebRTC's RTCInboundRtpStreamStats names and units (seconds,
 * samples at the context's rate): see src/codec/playout.ts and docs/playout.md.
 */
export interface DecoderStats extends PlayoutStats {
  /** Frames played: from a packet, recovered, comfort noise or concealed in a packet's slot. */
  frames: number;
  /** Frames whose packet was missing, decoded from the next packet's redundant copy instead (not concealed, not in `late` or `lost`). */
  recoveredFrames: number;
  /** Frames of comfort noise (DTX): comfort-noise updates and the frames of the silence after them (not concealed). */
  comfortNoiseFrames: number;
  computeMs: number[];
  /** Frames concealed because the packet had not arrived in time (in its slot, or in addition to the sequence). */
  late: number;
  /** Frames concealed because the sender marked them lost (null). */
  lost: number;
  /** Packets that arrived after their frame was played, or too far ahead (discarded: packetsDiscarded). */
  tooLate: number;
  /** The playout delay now and its target (ms): see PlayoutState in src/codec/playout.ts. */
  delayMs: number;
  targetDelayMs: number;
  /** The target's parts: the measured jitter allowance and compute margin (ms). */
  jitterMs: number;
  marginMs: number;
  /** The height of recurring delay peaks the jitter allowance holds (ms; 0: none): PlayoutState.peakMs. */
  peakMs: number;
  /**
   * How the worker learns that the audio thread read: woken by its quanta ('audio-thread': the
   * SharedArrayBuffer ring where Atomics.waitAsync exists) or by looking every 4 ms ('poll').
   */
  wakes: 'audio-thread' | 'poll';
  /**
   * What the listener hears now, for the mouth-to-ear meter: the audio-clock frame at which the
   * next sample read from the queue plays (underruns included), and where that sample lies on the
   * sender's timeline (ms from its frame 0: frame s starts at 20 s; time-scaled audio maps
   * proportionally, concealment in addition stays where the frame before it ended, skipped frames
   * are never heard). null until playout has begun. One snapshot of the worker, so the two agree.
   */
  playing: { audioFrame: number; timelineMs: number } | null;
  /** Messages on a packet port that were not a packet for this model and format (ignored), and why the latest was. */
  rejected: number;
  lastRejection: string | null;
  /**
   * How far behind schedule the latest packet since playout began came (ms): each packet's
   * arrival against the earliest arrival seen, one frame apart per sequence number, on the
   * listener's audio clock (as the playout measures arrivals). What jitterMs must cover.
   */
  maxLateMs: number;
  /** Decoded audio queued for the audio thread, ms (mean since the last stats message). */
  queuedMs: number;
  /** The frame playout began with (-1: not yet). */
  firstSeq: number;
  /** Frames skipped (never played: the delay shrinks by 20 ms each) because decoding fell behind. */
  skipped: number;
  precision: 'exact' | 'fast';
}

export type WorkerReply =
  | { type: 'ready'; warmupMs: number; modelRate: number; frameSize: number }
  /** Encoder: packets of frames `seq`, `seq` + 1, … (empty: not sent, DTX). */
  | { type: 'packets'; seq: number; packets: Uint8Array[]; computeMs: number[] }
  | { type: 'settings'; fromFrame: number; bitrate: number; denoise: boolean }
  | { type: 'stats'; encoder?: EncoderStats; decoder?: DecoderStats }
  | { type: 'overload'; report: OverloadReport }
  | { type: 'record'; encoder?: EncoderRecord; decoder?: DecoderRecord }
  | { type: 'error'; message: string };

export interface ProcessorOptions {
  /** The ring (sab transport); absent: audio comes and goes through a MessagePort sent in a 'connect' message. */
  ring?: SharedArrayBuffer;
  /** Capture, port transport: quanta per message to the worker. */
  batchQuanta: number;
}

/** From a processor to its node, about four times a second. */
export interface ProcessorStats {
  type: 'stats';
  quanta: number;
  /** Longest process() call (ms) since the start or the last reset, timed with `clock`. */
  worstQuantumMs: number;
  clock: 'performance' | 'Date';
  /** Playback: quanta that ran short of decoded audio after playout began, and the silent samples they played. */
  underruns: number;
  underrunSamples: number;
  /** Capture: samples lost because the worker fell behind. */
  droppedSamples: number;
  /** The audio-clock frame of the first sample captured / played (-1: not yet). */
  startFrame: number;
}

/**
 * Playback processor to its worker (port transport), every other quantum: samples read so far,
 * and the audio-clock frame at which the next one will play (what the SharedArrayBuffer ring's
 * playhead carries).
 */
export type PlaybackPosition = [consumed: number, playhead: number];

/** From a processor to its node: 'start' has reached the audio thread. */
export interface ProcessorStarted {
  type: 'started';
}

export type ProcessorControl =
  | { type: 'connect'; port: MessagePort }
  | { type: 'reset-stats' }
  /** Capture: the worker is ready; audio before this is not kept (it would only overflow the ring during warm-up). Answered with ProcessorStarted. */
  | { type: 'start' }
  /** Playback: the stream restarts; running dry until new audio comes is not an underrun. */
  | { type: 'pause' };

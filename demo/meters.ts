// The meters of one direction of audio (an encoder node here, a decoder node here or in another
// page): what the demo page shows for its loopback and the call page for each direction. Each
// side is a plain snapshot, so that a call page can send its decoder's to the other page.

import type { SoundstreamDecoderNode, SoundstreamEncoderNode, EncodedPacket } from '../src/web/nodes.js';
import type { DecoderStats, OverloadReport, ProcessorStats } from '../src/web/protocol.js';

const FRAME_MS = 20;
/** An 'overload' report is shown for this long (the nodes send one a second while overloaded). */
const OVERLOAD_SHOWN_MS = 3000;

/** What the meters show; tests read the same object. */
export interface Meters {
  bitsPerSecond: number;
  packetBytes: number;
  encoderMs: { p50: number; p99: number };
  decoderMs: { p50: number; p99: number };
  rtf: number;
  underruns: number;
  /** Frames concealed at the decoder (late or lost, not recovered). */
  concealed: number;
  /** Frames lost and decoded from the next packet's redundant copy instead. */
  recovered: number;
  /** Frames of comfort noise played (DTX), and their share of the frames played. */
  comfortNoise: number;
  dtxShare: number;
  /** Frames the encoder's DTX did not send. */
  notSent: number;
  droppedSamples: number;
  worstQuantumMs: number;
  latencyMs: number | null;
  framesEncoded: number;
  framesDecoded: number;
  /** The latest packet so far, ms behind schedule at the decoder (what the jitter allowance must cover). */
  packetLateMs: number;
  /** The encoder's frame the decoder began playout with (-1: not yet): packets before it were never routed to the decoder. */
  playoutFrom: number;
  /** Frames the encoder dropped from its input and the decoder skipped in playout, because the device could not keep up. */
  droppedFrames: number;
  skippedFrames: number;
  /** While a node reports overload (in the last 3 s): its compute per frame against the frame's 20 ms; null otherwise. */
  overload: OverloadMeter | null;
  /** The nodes' float precision ('fast' once they shed load). */
  precision: { encoder: 'exact' | 'fast'; decoder: 'exact' | 'fast' };
  /** Adaptive playout now (ms): the delay of the frame played last, its target, and the target's parts. */
  playoutDelayMs: number;
  targetDelayMs: number;
  jitterAllowanceMs: number;
  /** Of the jitter allowance: the recurring delay peaks it holds (0: none). */
  jitterPeakMs: number;
  marginMs: number;
  /** How the decoder's worker learns of the audio thread's reads (DecoderStats.wakes). */
  decoderWakes: 'audio-thread' | 'poll' | null;
  /** WebRTC's RTCInboundRtpStreamStats counters (samples at the context's rate), and the two mean delays in ms. */
  webrtc: {
    packetsReceived: number;
    packetsLost: number;
    packetsDiscarded: number;
    /** jitterBufferDelay / jitterBufferEmittedCount, ms. */
    meanJitterBufferDelayMs: number;
    /** jitterBufferTargetDelay / jitterBufferEmittedCount, ms. */
    meanJitterBufferTargetDelayMs: number;
    jitterBufferEmittedCount: number;
    totalSamplesReceived: number;
    concealedSamples: number;
    concealmentEvents: number;
    insertedSamplesForDeceleration: number;
    removedSamplesForAcceleration: number;
  };
}

export interface OverloadMeter {
  /** Compute per frame (ms) of each node that reported overload lately; null: that node keeps up. */
  encoderMs: number | null;
  decoderMs: number | null;
  budgetMs: number;
}

/** An overload report and when it came (wall clock, ms since the epoch). */
export type TimedOverload = OverloadReport & { epochMs: number };

function timedOverload(node: EventTarget, into: { overload: TimedOverload | null }): void {
  node.addEventListener('overload', (e) => {
    into.overload = {
      ...(e as CustomEvent<OverloadReport>).detail,
      epochMs: performance.timeOrigin + performance.now(),
    };
  });
}

/**
 * An audio clock read against the wall clock (performance.timeOrigin + now: one machine, one
 * clock), and which AudioContext it was read on: two readings of one context are compared in
 * frames, with no wall clock in between.
 */
export interface ClockReading {
  sampleRate: number;
  contextSeconds: number;
  epochMs: number;
  contextId: string;
}

const contextIds = new WeakMap<BaseAudioContext, string>();

/**
 * The render position (currentTime), not getOutputTimestamp(): the output timestamp adds the
 * output device's latency as each browser estimates it, and the estimates disagree (Chromium's
 * headless output maps the render position about 32 ms later than its time of reading, Firefox's
 * with PulseAudio not at all, measured), which put a call's two directions 35 ms off each way. A
 * main-thread reading of currentTime lags the audio thread by up to a burst (about 10 ms).
 */
export function readClock(context: BaseAudioContext): ClockReading {
  let contextId = contextIds.get(context);
  if (!contextId) {
    contextId = `${performance.timeOrigin}-${Math.random()}`;
    contextIds.set(context, contextId);
  }
  return {
    sampleRate: context.sampleRate,
    contextSeconds: context.currentTime,
    epochMs: performance.timeOrigin + performance.now(),
    contextId,
  };
}

/** The wall-clock time (ms) of sample `frame` of the context that `clock` was read on. */
const epochOf = (clock: ClockReading, frame: number) =>
  clock.epochMs + (frame / clock.sampleRate - clock.contextSeconds) * 1000;

export interface SendingSide {
  frames: number;
  /** Sizes of the latest packets (up to 50). */
  recentBytes: number[];
  /** Compute times of the latest frames (up to 500). */
  computeMs: number[];
  capture: ProcessorStats | null;
  clock: ClockReading;
  droppedFrames: number;
  notSent: number;
  precision: 'exact' | 'fast';
  overload: TimedOverload | null;
}

export interface ReceivingSide {
  stats: DecoderStats | null;
  computeMs: number[];
  playback: ProcessorStats | null;
  clock: ClockReading;
  overload: TimedOverload | null;
}

/** Watches an encoder node's packets; snapshot() for computeMeters(). */
export class EncoderWatch {
  private readonly recent: number[] = [];
  private readonly computeMs: number[] = [];
  private readonly latest: { overload: TimedOverload | null } = { overload: null };

  constructor(
    private readonly encoder: SoundstreamEncoderNode,
    private readonly context: AudioContext,
  ) {
    timedOverload(encoder, this.latest);
    encoder.addEventListener('packet', (e) => {
      const p = (e as CustomEvent<EncodedPacket>).detail;
      this.recent.push(p.packet.length);
      if (this.recent.length > 50) this.recent.shift();
      this.computeMs.push(p.computeMs);
      if (this.computeMs.length > 500) this.computeMs.shift();
    });
  }

  snapshot(): SendingSide {
    const s = this.encoder.stats();
    return {
      frames: s.frames,
      recentBytes: [...this.recent],
      computeMs: [...this.computeMs],
      capture: s.audioThread,
      clock: readClock(this.context),
      droppedFrames: s.droppedFrames,
      notSent: s.framesNotSent,
      precision: s.precision,
      overload: this.latest.overload,
    };
  }
}

/** Watches a decoder node's stats events; snapshot() for computeMeters(). */
export class DecoderWatch {
  private readonly computeMs: number[] = [];
  private readonly latest: { overload: TimedOverload | null } = { overload: null };

  constructor(
    private readonly decoder: SoundstreamDecoderNode,
    private readonly context: AudioContext,
  ) {
    timedOverload(decoder, this.latest);
    decoder.addEventListener('stats', () => {
      const s = decoder.stats();
      if (!s) return;
      this.computeMs.push(...s.computeMs);
      if (this.computeMs.length > 500) this.computeMs.splice(0, this.computeMs.length - 500);
    });
  }

  snapshot(): ReceivingSide {
    const s = this.decoder.stats();
    return {
      stats: s,
      computeMs: [...this.computeMs],
      playback: s?.audioThread ?? null,
      clock: readClock(this.context),
      overload: this.latest.overload,
    };
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);

/**
 * Mouth to ear of what the listener hears now: the decoder's worker reports the audio-clock frame
 * at which the next sample plays and where that sample lies on the sender's timeline (ms from its
 * frame 0, in one snapshot: see DecoderStats.playing); the sender's timeline starts at the capture
 * processor's first frame (plus any samples its ring dropped). On one page both are on one audio
 * clock and compared in frames; across two pages each is taken to the wall clock through its
 * render position (a few ms on one machine, off by the clocks' difference across two). Framing, resampling, transports, network, compute and the
 * playout queue; not the output device's own latency. Dropped, skipped, concealed and
 * time-scaled frames move what is heard on the sender's timeline, and so the latency, as they
 * should; concealment in addition to the sequence adds its own length.
 */
function latency(send: SendingSide, receive: ReceivingSide): number | null {
  const { capture, clock: sendClock } = send;
  const playing = receive.stats?.playing;
  if (!capture || capture.startFrame < 0 || !playing) return null;
  const captured = capture.startFrame + (playing.timelineMs * sendClock.sampleRate) / 1000 + capture.droppedSamples;
  if (sendClock.contextId === receive.clock.contextId)
    return ((playing.audioFrame - captured) * 1000) / sendClock.sampleRate;
  return epochOf(receive.clock, playing.audioFrame) - epochOf(sendClock, captured);
}

export function computeMeters(send: SendingSide, receive: ReceivingSide): Meters {
  const d = receive.stats;
  const e = [...send.computeMs].sort((a, b) => a - b);
  const dm = [...receive.computeMs].sort((a, b) => a - b);
  return {
    bitsPerSecond:
      (send.recentBytes.reduce((s, n) => s + n * 8, 0) / Math.max(1, send.recentBytes.length)) * (1000 / FRAME_MS),
    packetBytes: send.recentBytes.at(-1) ?? 0,
    encoderMs: { p50: percentile(e, 0.5), p99: percentile(e, 0.99) },
    decoderMs: { p50: percentile(dm, 0.5), p99: percentile(dm, 0.99) },
    rtf: (mean(send.computeMs) + mean(receive.computeMs)) / FRAME_MS,
    underruns: receive.playback?.underruns ?? 0,
    concealed: d ? d.late + d.lost : 0,
    recovered: d?.recoveredFrames ?? 0,
    comfortNoise: d?.comfortNoiseFrames ?? 0,
    dtxShare: d && d.frames > 0 ? (d.comfortNoiseFrames ?? 0) / d.frames : 0,
    notSent: send.notSent ?? 0,
    droppedSamples: send.capture?.droppedSamples ?? 0,
    worstQuantumMs: Math.max(send.capture?.worstQuantumMs ?? 0, receive.playback?.worstQuantumMs ?? 0),
    latencyMs: latency(send, receive),
    framesEncoded: send.frames,
    framesDecoded: d?.frames ?? 0,
    playoutFrom: d?.firstSeq ?? -1,
    packetLateMs: d?.maxLateMs ?? 0,
    droppedFrames: send.droppedFrames ?? 0,
    skippedFrames: d?.skipped ?? 0,
    overload: overloadMeter(send, receive),
    precision: { encoder: send.precision ?? 'exact', decoder: d?.precision ?? 'exact' },
    playoutDelayMs: d?.delayMs ?? 0,
    targetDelayMs: d?.targetDelayMs ?? 0,
    jitterAllowanceMs: d?.jitterMs ?? 0,
    jitterPeakMs: d?.peakMs ?? 0,
    marginMs: d?.marginMs ?? 0,
    decoderWakes: d?.wakes ?? null,
    webrtc: {
      packetsReceived: d?.packetsReceived ?? 0,
      packetsLost: d?.packetsLost ?? 0,
      packetsDiscarded: d?.packetsDiscarded ?? 0,
      meanJitterBufferDelayMs:
        d && d.jitterBufferEmittedCount > 0 ? (1000 * d.jitterBufferDelay) / d.jitterBufferEmittedCount : 0,
      meanJitterBufferTargetDelayMs:
        d && d.jitterBufferEmittedCount > 0 ? (1000 * d.jitterBufferTargetDelay) / d.jitterBufferEmittedCount : 0,
      jitterBufferEmittedCount: d?.jitterBufferEmittedCount ?? 0,
      totalSamplesReceived: d?.totalSamplesReceived ?? 0,
      concealedSamples: d?.concealedSamples ?? 0,
      concealmentEvents: d?.concealmentEvents ?? 0,
      insertedSamplesForDeceleration: d?.insertedSamplesForDeceleration ?? 0,
      removedSamplesForAcceleration: d?.removedSamplesForAcceleration ?? 0,
    },
  };
}

function overloadMeter(send: SendingSide, receive: ReceivingSide): OverloadMeter | null {
  // Each report is judged on its own page's clock (a call's two pages are on one machine, or near enough).
  const lately = (o: TimedOverload | null | undefined, clock: ClockReading) =>
    o && clock.epochMs - o.epochMs < OVERLOAD_SHOWN_MS ? o : null;
  const e = lately(send.overload, send.clock);
  const d = lately(receive.overload, receive.clock);
  if (!e && !d) return null;
  return { encoderMs: e?.computeMs ?? null, decoderMs: d?.computeMs ?? null, budgetMs: (e ?? d)!.budgetMs };
}

/** [element id suffix, label, value] per meter, two to a row. */
const METERS: [string, string, (m: Meters) => string][] = [
  ['bps', 'bits per second', (m) => `${Math.round(m.bitsPerSecond)}`],
  ['packet', 'packet size', (m) => (m.packetBytes ? `${m.packetBytes} bytes` : '–')],
  ['enc', 'encoder ms/frame p50 / p99', (m) => `${fmt(m.encoderMs.p50)} / ${fmt(m.encoderMs.p99)}`],
  ['dec', 'decoder ms/frame p50 / p99', (m) => `${fmt(m.decoderMs.p50)} / ${fmt(m.decoderMs.p99)}`],
  ['rtf', 'real-time factor', (m) => fmt(m.rtf, 3)],
  ['underruns', 'underruns', (m) => `${m.underruns}`],
  ['concealed', 'concealed frames', (m) => `${m.concealed}`],
  ['recovered', 'frames recovered from redundancy', (m) => `${m.recovered}`],
  [
    'dtx',
    'comfort noise frames (DTX share) / not sent',
    (m) => `${m.comfortNoise} (${fmt(100 * m.dtxShare, 0)} %) / ${m.notSent}`,
  ],
  ['dropped', 'dropped input samples', (m) => `${m.droppedSamples}`],
  ['quantum', 'worst audio-thread quantum', (m) => `${fmt(m.worstQuantumMs, 2)} ms`],
  ['latency', 'mouth-to-ear latency', (m) => (m.latencyMs === null ? '–' : `${fmt(m.latencyMs, 0)} ms`)],
  ['late', 'latest packet, behind schedule', (m) => `${fmt(m.packetLateMs, 0)} ms`],
  [
    'overload',
    'device too slow (ms per 20 ms frame)',
    (m) =>
      m.overload
        ? `${m.overload.encoderMs === null ? 'encoder ok' : `encoder ${fmt(m.overload.encoderMs)}`}, ${m.overload.decoderMs === null ? 'decoder ok' : `decoder ${fmt(m.overload.decoderMs)}`}`
        : 'no',
  ],
  ['shed', 'frames dropped / skipped (overload)', (m) => `${m.droppedFrames} / ${m.skippedFrames}`],
  ['precision', 'float precision, encoder / decoder', (m) => `${m.precision.encoder} / ${m.precision.decoder}`],
  [
    'delay',
    'playout delay / target (jitter + margin)',
    (m) =>
      `${fmt(m.playoutDelayMs, 0)} / ${fmt(m.targetDelayMs, 0)} (${fmt(m.jitterAllowanceMs, 0)} + ${fmt(m.marginMs, 0)}) ms${m.jitterPeakMs > 0 ? `; recurring delay peaks of ${fmt(m.jitterPeakMs, 0)} ms held` : ''}`,
  ],
  [
    'jb',
    'jitterBufferDelay / TargetDelay (mean)',
    (m) => `${fmt(m.webrtc.meanJitterBufferDelayMs, 0)} / ${fmt(m.webrtc.meanJitterBufferTargetDelayMs, 0)} ms`,
  ],
  [
    'packets',
    'packetsReceived / Lost / Discarded',
    (m) => `${m.webrtc.packetsReceived} / ${m.webrtc.packetsLost} / ${m.webrtc.packetsDiscarded}`,
  ],
  [
    'concealment',
    'concealedSamples (concealmentEvents)',
    (m) => `${m.webrtc.concealedSamples} (${m.webrtc.concealmentEvents})`,
  ],
  [
    'tsm',
    'insertedSamplesForDeceleration / removedSamplesForAcceleration',
    (m) => `${m.webrtc.insertedSamplesForDeceleration} / ${m.webrtc.removedSamplesForAcceleration}`,
  ],
  ['samples', 'totalSamplesReceived', (m) => `${m.webrtc.totalSamplesReceived}`],
];

const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '–');

/** Fills `tbody` with the meters' rows; cells get the ids `${prefix}bps`, `${prefix}packet`, … */
export function meterTable(tbody: HTMLElement, prefix: string): (m: Meters) => void {
  tbody.replaceChildren();
  for (let i = 0; i < METERS.length; i += 2) {
    const row = document.createElement('tr');
    for (const [id, label] of METERS.slice(i, i + 2)) {
      const name = document.createElement('td');
      name.textContent = label;
      const value = document.createElement('td');
      value.className = 'value';
      value.id = `${prefix}${id}`;
      value.textContent = '–';
      row.append(name, value);
    }
    tbody.append(row);
  }
  const cells = METERS.map(([id, , show]) => [document.getElementById(`${prefix}${id}`)!, show] as const);
  return (m) => {
    for (const [cell, show] of cells) cell.textContent = show(m);
  };
}

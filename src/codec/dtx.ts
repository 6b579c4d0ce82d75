// Discontinuous transmission (docs/dtx.md): in silence the sender sends no packets but a comfort
// noise update (SID) now and then; the receiver fills the gap with noise shaped like the sender's
// background.
//
//   DtxController      the sender's decision per frame: speech packet, SID or nothing (no model needed);
//   DtxFrameEncoder    FrameEncoder + DtxController: one DtxFrame per frame of audio;
//   DtxFrameDecoder    FrameDecoder + ComfortNoise: one frame of audio per DtxFrame or missing frame.
//
// The encoder runs the model on every frame, sent or not, so that its convolution histories are
// continuous when speech resumes: DTX saves bits, not the sender's computation. The receiver's
// neural decoder only sees the frames that were sent; the hangover means the last of those before
// a silence was background, so its histories resume from background too.

import {
  BackgroundEstimator,
  ComfortNoise,
  type ComfortNoiseOptions,
  encodeSidBody,
  type NoiseDescription,
  parseSidBody,
} from './comfort-noise.js';
import type { FrameDecoder, FrameEncoder } from './frame-codec.js';
import { parsePayload } from './payload.js';
import { Vad, type VadOptions, type VadResult } from './vad.js';

/**
 * What the sender emits for one frame: a speech packet, a comfort-noise update, or nothing (null).
 * DtxFrameEncoder's `packet` is what its FrameEncoder wrote (a raw Lyra packet or a SoundStream
 * payload, as its packetFormat says); DtxFrameDecoder.decode reads `packet` as packed indices (a
 * raw Lyra packet) and takes SoundStream payloads through decodePayload.
 */
export type DtxFrame =
  | { kind: 'speech'; packet: Uint8Array; numQuantizers: number }
  | { kind: 'sid'; body: Uint8Array }
  | null;

export interface DtxOptions {
  vad?: VadOptions;
  /** In silence, frames between comfort-noise updates (default 20: 400 ms). */
  sidIntervalFrames?: number;
  /** An update is sent early when the background's level moved this many dB since the last one (default 3). */
  sidChangeDb?: number;
  /** ... but not sooner than this many frames after the last one (default 5). */
  sidMinGapFrames?: number;
}

export type DtxDecision = { send: 'speech' } | { send: 'sid'; body: Uint8Array } | { send: 'none' };

const DEFAULTS = { sidIntervalFrames: 20, sidChangeDb: 3, sidMinGapFrames: 5 };

function checkFrameCount(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min)
    throw new RangeError(`DTX: ${name} must be an integer of at least ${min}, got ${value}`);
}

/** The sender's DTX logic: VAD with hangover, background estimate, when to send a SID. */
export class DtxController {
  readonly vad: Vad;
  private readonly background = new BackgroundEstimator();
  private readonly interval: number;
  private readonly changeDb: number;
  private readonly minGap: number;
  private inSilence = false;
  private sinceSid = 0;
  private lastSidLevelDb = 0;
  private lastVad: VadResult | null = null;

  constructor(options: DtxOptions = {}) {
    this.vad = new Vad(options.vad);
    this.interval = options.sidIntervalFrames ?? DEFAULTS.sidIntervalFrames;
    this.changeDb = options.sidChangeDb ?? DEFAULTS.sidChangeDb;
    this.minGap = options.sidMinGapFrames ?? DEFAULTS.sidMinGapFrames;
    checkFrameCount('sidIntervalFrames', this.interval, 1);
    checkFrameCount('sidMinGapFrames', this.minGap, 1);
    if (!(this.changeDb > 0)) throw new RangeError(`DTX: sidChangeDb must be positive, got ${this.changeDb}`);
  }

  /** The VAD's result for the last frame decided (null before the first). */
  get lastVadResult(): VadResult | null {
    return this.lastVad;
  }

  /** Whether the sender is in a silence (sending SIDs only). */
  get silent(): boolean {
    return this.inSilence;
  }

  /** The current background description (what the next SID would carry). */
  describeBackground(): NoiseDescription | null {
    return this.background.ready ? this.background.describe() : null;
  }

  /** Decides one frame (model-rate samples, `vad.options.frameSize` of them). */
  decide(frame: Float32Array): DtxDecision {
    const vad = this.vad.process(frame);
    this.lastVad = vad;
    // Hangover frames are not voiced: the background estimate starts during them, so the first SID is already settled.
    if (!vad.voiced) this.background.observe(frame);
    if (vad.active) {
      this.inSilence = false;
      return { send: 'speech' };
    }
    const description = this.background.describe();
    this.sinceSid++;
    const due =
      !this.inSilence ||
      this.sinceSid >= this.interval ||
      (this.sinceSid >= this.minGap && Math.abs(description.levelDb - this.lastSidLevelDb) >= this.changeDb);
    this.inSilence = true;
    if (!due) return { send: 'none' };
    this.sinceSid = 0;
    this.lastSidLevelDb = description.levelDb;
    return { send: 'sid', body: encodeSidBody(description) };
  }

  reset(): void {
    this.vad.reset();
    this.background.reset();
    this.inSilence = false;
    this.sinceSid = 0;
    this.lastVad = null;
  }
}

/** A FrameEncoder with DTX: one DtxFrame per frame of audio at the model's rate. */
export class DtxFrameEncoder {
  readonly controller: DtxController;
  private packet: Uint8Array | null = null;

  constructor(
    readonly encoder: FrameEncoder,
    options: DtxOptions = {},
  ) {
    this.controller = new DtxController({
      ...options,
      vad: { sampleRate: 16000, ...options.vad, frameSize: encoder.frameSize },
    });
  }

  encodeFrame(frame: Float32Array): DtxFrame {
    // Encoded whether sent or not: the encoder's histories must stay continuous.
    const packet = this.encoder.encodeFrame(frame);
    this.packet = packet;
    const decision = this.controller.decide(frame);
    if (decision.send === 'speech') return { kind: 'speech', packet, numQuantizers: this.encoder.numQuantizers };
    if (decision.send === 'sid') return { kind: 'sid', body: decision.body };
    return null;
  }

  /** The packet encoded for the last frame, whether DTX sent it or not (null before the first frame). */
  get lastPacket(): Uint8Array | null {
    return this.packet;
  }

  reset(): void {
    this.encoder.reset();
    this.controller.reset();
    this.packet = null;
  }
}

export interface DtxDecoderOptions extends ComfortNoiseOptions {
  /** Samples over which comfort noise cross-fades into resumed speech (default 80: 5 ms at 16 kHz; at most a frame). */
  crossfadeSamples?: number;
}

/**
 * A FrameDecoder with comfort noise. A missing frame (null) after a SID is silence by design and
 * gets comfort noise; after speech it is a lost packet and is concealed.
 */
export class DtxFrameDecoder {
  private readonly comfort: ComfortNoise;
  private readonly crossfade: number;
  private readonly continuation: Float32Array;
  private inComfort = false;
  private lastRms = 0;
  private comfortFrameCount = 0;

  constructor(
    readonly decoder: FrameDecoder,
    options: DtxDecoderOptions = {},
  ) {
    this.comfort = new ComfortNoise(options);
    // A model whose frames are shorter than the default cross-fades over the whole frame.
    this.crossfade = options.crossfadeSamples ?? Math.min(80, decoder.frameSize);
    if (!Number.isInteger(this.crossfade) || this.crossfade < 0 || this.crossfade > decoder.frameSize)
      throw new RangeError(
        `DTX: crossfadeSamples must be an integer in 0..${decoder.frameSize}, got ${this.crossfade}`,
      );
    this.continuation = new Float32Array(this.crossfade);
  }

  /** Whether the last frame was comfort noise. */
  get comfortNoise(): boolean {
    return this.inComfort;
  }

  /** Frames of comfort noise played since creation or reset(). */
  get comfortFrames(): number {
    return this.comfortFrameCount;
  }

  /** One frame (or null: nothing arrived for it) -> frameSize samples. SidFormatError for a bad SID body. */
  decode(frame: DtxFrame, out: Float32Array = new Float32Array(this.decoder.frameSize)): Float32Array {
    if (frame === null) {
      if (this.inComfort) return this.playComfort(out);
      return this.remember(this.decoder.concealFrame(out));
    }
    if (frame.kind === 'sid') {
      const description = parseSidBody(frame.body);
      this.comfort.update(description, this.inComfort ? undefined : this.lastRms);
      this.inComfort = true;
      return this.playComfort(out);
    }
    if (frame.kind !== 'speech')
      throw new RangeError(`DTX: unknown frame kind ${String((frame as { kind: unknown }).kind)}`);
    const resuming = this.inComfort;
    if (resuming) this.comfort.generate(this.continuation);
    this.decoder.decodeFrame(frame.packet, frame.numQuantizers, out);
    if (resuming) {
      const n = this.crossfade;
      for (let i = 0; i < n; i++) {
        const w = (i + 0.5) / n;
        out[i] = w * out[i] + (1 - w) * this.continuation[i];
      }
      this.inComfort = false;
    }
    return this.remember(out);
  }

  /**
   * One SoundStream payload (docs/payload-format.md), or null when none arrived for the frame ->
   * frameSize samples: speech is decoded, a comfort-noise update (kind 1) updates and plays the
   * comfort noise. PayloadFormatError for malformed bytes, SidFormatError for a SID body
   * comfort-noise.ts cannot read; either leaves the state untouched.
   */
  decodePayload(payload: Uint8Array | null, out?: Float32Array): Float32Array {
    if (payload === null) return this.decode(null, out);
    const parsed = parsePayload(payload);
    if (parsed.kind === 'comfort-noise') return this.decode({ kind: 'sid', body: parsed.sidBody }, out);
    return this.decode({ kind: 'speech', packet: parsed.indices, numQuantizers: parsed.numQuantizers }, out);
  }

  private playComfort(out: Float32Array): Float32Array {
    this.comfortFrameCount++;
    return this.remember(this.comfort.generate(out));
  }

  private remember(out: Float32Array): Float32Array {
    let sum = 0;
    for (let i = 0; i < out.length; i++) sum += out[i] * out[i];
    this.lastRms = Math.sqrt(sum / Math.max(1, out.length));
    return out;
  }

  reset(): void {
    this.decoder.reset();
    this.comfort.reset();
    this.inComfort = false;
    this.lastRms = 0;
    this.comfortFrameCount = 0;
  }
}

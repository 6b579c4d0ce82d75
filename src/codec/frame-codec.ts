// The per-frame codec pipeline, the one both the streaming API (stream.ts) and the CLI run:
//   encode: model-rate frame -> embedding -> [denoiser] -> quantizer -> packet
//   decode: packet -> indices -> dequantized embedding -> [denoiser] -> decoder -> audio,
//           and for a lost frame the concealer's embedding -> decoder.
// Buffering, resampling and containers are the callers' business. Nothing here allocates per
// frame except an output the caller did not supply.

import type { Model } from '../model/load.js';
import { BitrateTable } from './bitrates.js';
import { Concealer, silenceEmbedding, type ConcealerOptions } from './conceal.js';
import { Decoder } from './decoder.js';
import { Denoiser } from './denoiser.js';
import { Encoder } from './encoder.js';
import { packIndices, packetBytes, unpackIndices } from './lyra-packet.js';
import type { ComputeOptions } from '../model/compute.js';
import { Quantizer } from './quantizer.js';

export interface FrameEncoderOptions extends ComputeOptions {
  /** Bits per second: one of the model's bitrates. Default 6000. */
  bitrate?: number;
  /** A denoising bottleneck model (weights/lyra-v2-denoise) run between encoder and quantizer. */
  denoiser?: Model;
  /** Whether the denoiser is on at the start (default false). */
  denoise?: boolean;
}

export interface FrameDecoderOptions extends ComputeOptions {
  /** Packet-loss concealment settings, or false to output silence for lost frames (the decoder then skips them). */
  conceal?: ConcealerOptions | false;
  /** A denoising bottleneck applied to the dequantized embeddings. */
  denoiser?: Model;
  /** Whether that denoiser is on (default true when one is given). */
  denoise?: boolean;
}

function openDenoiser(denoiser: Model | undefined, codec: Model): Denoiser | null {
  if (!denoiser) return null;
  Denoiser.checkCompatible(denoiser, codec);
  return new Denoiser(denoiser);
}

/** Views of `buffer` of each length 0..buffer.length, made once so that frames allocate nothing. */
function prefixViews(buffer: Int32Array): Int32Array[] {
  const views: Int32Array[] = [];
  for (let n = 0; n <= buffer.length; n++) views.push(buffer.subarray(0, n));
  return views;
}

/** One frame of audio at the model's rate -> one packet. Stateful: frames must come in order. */
export class FrameEncoder {
  readonly table: BitrateTable;
  readonly frameSize: number;
  private readonly encoder: Encoder;
  private readonly quantizer: Quantizer;
  private readonly denoiser: Denoiser | null;
  private readonly embedding: Float32Array;
  private readonly indexViews: Int32Array[];
  private bps: number;
  private stages: number;
  private denoiseOn: boolean;

  constructor(model: Model, options: FrameEncoderOptions = {}) {
    this.table = BitrateTable.of(model);
    this.bps = options.bitrate ?? 6000;
    this.stages = this.table.quantizersFor(this.bps);
    this.denoiser = openDenoiser(options.denoiser, model);
    this.denoiseOn = options.denoise ?? false;
    if (this.denoiseOn && !this.denoiser) throw new RangeError('denoise: true needs a denoiser model');
    this.encoder = new Encoder(model, { mode: options.mode, precision: options.precision });
    this.quantizer = new Quantizer(model);
    this.frameSize = this.encoder.frameSize;
    this.embedding = new Float32Array(this.encoder.embeddingDim);
    this.indexViews = prefixViews(new Int32Array(this.quantizer.numQuantizers));
  }

  get bitrate(): number {
    return this.bps;
  }

  /** Quantizers per frame at the current bitrate. */
  get numQuantizers(): number {
    return this.stages;
  }

  /** Bytes of each packet at the current bitrate. */
  get packetBytes(): number {
    return packetBytes(this.stages, this.table.bitsPerIndex);
  }

  /** From the next frame on; RangeError (and no change) for a bitrate the model does not have. */
  setBitrate(bps: number): void {
    this.stages = this.table.quantizersFor(bps);
    this.bps = bps;
  }

  get denoise(): boolean {
    return this.denoiseOn;
  }

  get hasDenoiser(): boolean {
    return this.denoiser !== null;
  }

  /** From the next frame on; turning it on needs a denoiser model. */
  setDenoise(on: boolean): void {
    if (on && !this.denoiser) throw new RangeError('setDenoise(true) needs a denoiser model');
    this.denoiseOn = on;
  }

  /** `frameSize` samples -> a packet (in `out` when given, which must hold packetBytes bytes; else a new array). */
  encodeFrame(frame: Float32Array, out?: Uint8Array): Uint8Array {
    this.encoder.encodeFrame(frame, this.embedding);
    // The denoiser runs on every frame, on or off, so that its history stays continuous.
    this.denoiser?.process(this.embedding, this.denoiseOn, this.embedding);
    const indices = this.indexViews[this.stages];
    this.quantizer.quantize(this.embedding, this.stages, indices);
    return packIndices(indices, this.table.bitsPerIndex, out);
  }

  /** Forgets the model state (the bitrate and denoise setting are kept). */
  reset(): void {
    this.encoder.reset();
    this.denoiser?.reset();
  }
}

/** One packet (with its quantizer count) or one lost frame -> one frame of audio at the model's rate. Stateful. */
export class FrameDecoder {
  readonly table: BitrateTable;
  readonly frameSize: number;
  /** The most quantizers a packet may have (the model's codebooks). */
  readonly maxQuantizers: number;
  private readonly decoder: Decoder;
  private readonly quantizer: Quantizer;
  private readonly denoiser: Denoiser | null;
  private readonly denoiseOn: boolean;
  private readonly concealer: Concealer | null;
  private readonly embedding: Float32Array;
  private readonly indexViews: Int32Array[];

  constructor(model: Model, options: FrameDecoderOptions = {}) {
    this.table = BitrateTable.of(model);
    const mode = options.mode ?? 'int8';
    this.decoder = new Decoder(model, { mode, precision: options.precision });
    this.quantizer = new Quantizer(model);
    this.denoiser = openDenoiser(options.denoiser, model);
    this.denoiseOn = options.denoise ?? true;
    this.concealer =
      options.conceal === false
        ? null
        : new Concealer(this.decoder.embeddingDim, silenceEmbedding(model, mode), options.conceal ?? {});
    this.frameSize = this.decoder.frameSize;
    this.maxQuantizers = this.quantizer.numQuantizers;
    this.embedding = new Float32Array(this.decoder.embeddingDim);
    this.indexViews = prefixViews(new Int32Array(this.quantizer.numQuantizers));
  }

  /**
   * A packet of `numQuantizers` indices -> `frameSize` samples (into `out` when given). The
   * packet must be exactly as long as that many indices take; RangeError otherwise, and for a
   * count outside 1..maxQuantizers, with the decoder's state untouched.
   */
  decodeFrame(
    packet: Uint8Array,
    numQuantizers: number,
    out: Float32Array = new Float32Array(this.frameSize),
  ): Float32Array {
    if (!Number.isInteger(numQuantizers) || numQuantizers < 1 || numQuantizers > this.maxQuantizers) {
      throw new RangeError(`number of quantizers must be 1..${this.maxQuantizers}, got ${numQuantizers}`);
    }
    const indices = this.indexViews[numQuantizers];
    unpackIndices(packet, numQuantizers, this.table.bitsPerIndex, indices);
    this.quantizer.dequantize(indices, numQuantizers, this.embedding);
    this.denoiser?.process(this.embedding, this.denoiseOn, this.embedding);
    this.decoder.decodeFrame(this.embedding, out);
    this.concealer?.observe(this.embedding, out);
    return out;
  }

  /** A packet whose length gives its bitrate (Lyra: 8, 15 or 23 bytes) -> audio; RangeError for any other length. */
  decodePacket(packet: Uint8Array, out?: Float32Array): Float32Array {
    return this.decodeFrame(packet, this.table.quantizersForPacket(packet.length), out);
  }

  /** A lost frame -> the concealer's continuation (silence, the decoder untouched, with conceal: false). */
  concealFrame(out: Float32Array = new Float32Array(this.frameSize)): Float32Array {
    if (!this.concealer) return out.fill(0);
    this.decoder.decodeFrame(this.concealer.conceal(this.embedding), out);
    return out;
  }

  reset(): void {
    this.decoder.reset();
    this.denoiser?.reset();
    this.concealer?.reset();
  }
}

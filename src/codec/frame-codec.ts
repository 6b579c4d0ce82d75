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
import { parsePayload, PayloadFormatError, serializePayload } from './payload.js';
import { Quantizer } from './quantizer.js';

/**
 * How a stream's packets are laid out: 'lyra', raw Lyra packets (8 / 15 / 23 bytes, the length
 * gives the rate; what Google's decoder reads), or 'soundstream', the SoundStream payload
 * (docs/payload-format.md: a TOC byte, any quantizer count, optional redundancy).
 */
export type PacketFormat = 'lyra' | 'soundstream';

export interface RedundancyOptions {
  /** The previous frame's first quantizers carried in each payload (16 = 3.2 kbps). */
  quantizers: number;
}

export interface FrameEncoderOptions extends ComputeOptions {
  /**
   * Bits per second. Default 6000. With packetFormat 'lyra' one of the model's listed rates
   * (3200, 6000, 9200); with 'soundstream' any multiple of 200 from 200 to 9200.
   */
  bitrate?: number;
  /** Quantizers per frame (1..46 for Lyra v2), instead of `bitrate`. */
  quantizers?: number;
  /** Each payload also carries the previous frame's first `quantizers` indices (needs 'soundstream'). */
  redundancy?: RedundancyOptions | false;
  /**
   * Default: 'lyra' when the rate is one Google's decoder reads and there is no redundancy,
   * else 'soundstream'. 'lyra' with another rate or with redundancy is a RangeError.
   */
  packetFormat?: PacketFormat;
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

/** What an encoder's options come to: the packet layout, quantizers per frame, redundant quantizers (0: none). */
export interface EncoderFormat {
  packetFormat: PacketFormat;
  numQuantizers: number;
  redundantQuantizers: number;
}

/**
 * The format FrameEncoder picks for these options (with `dtx`, as createEncoder does: DTX needs
 * SoundStream payloads and makes them the default); RangeError naming the problem for options it
 * refuses. Callers that only pass options on (the Web Audio nodes) check them here, up front.
 */
export function resolveEncoderFormat(
  table: BitrateTable,
  options: Pick<FrameEncoderOptions, 'bitrate' | 'quantizers' | 'redundancy' | 'packetFormat'> & { dtx?: boolean },
): EncoderFormat {
  const redundancy = options.redundancy || null;
  const redundantQuantizers = redundancy === null ? 0 : table.checkLadderQuantizers(redundancy.quantizers);
  if (options.quantizers !== undefined && options.bitrate !== undefined)
    throw new RangeError('give bitrate or quantizers, not both');
  const numQuantizers =
    options.quantizers !== undefined
      ? table.checkLadderQuantizers(options.quantizers)
      : table.ladderQuantizersFor(options.bitrate ?? 6000);
  if (options.dtx && options.packetFormat === 'lyra')
    throw new RangeError(
      "dtx needs packetFormat 'soundstream' (raw Lyra packets cannot carry a comfort-noise update or mark a gap)",
    );
  const packetFormat =
    options.packetFormat ??
    (table.isListed(numQuantizers) && redundancy === null && !options.dtx ? 'lyra' : 'soundstream');
  if (packetFormat !== 'lyra' && packetFormat !== 'soundstream')
    throw new RangeError(`packetFormat must be 'lyra' or 'soundstream', got ${JSON.stringify(options.packetFormat)}`);
  if (packetFormat === 'lyra' && redundancy !== null)
    throw new RangeError("redundancy needs packetFormat 'soundstream' (raw Lyra packets cannot carry it)");
  checkForFormat(table, packetFormat, numQuantizers);
  return { packetFormat, numQuantizers, redundantQuantizers };
}

/** Raw Lyra packets carry only the listed rates. */
function checkForFormat(table: BitrateTable, packetFormat: PacketFormat, numQuantizers: number): number {
  if (packetFormat === 'lyra' && !table.isListed(numQuantizers))
    throw new RangeError(
      `${numQuantizers} quantizers (${table.bitrateFor(numQuantizers)} bps) is not a Lyra rate (${table.bitrates.join(', ')} bps); ` +
        "other rates need packetFormat 'soundstream'",
    );
  return numQuantizers;
}

/** The quantizer count for `bps` in a stream of `packetFormat` (a Lyra rate, or any ladder rate); RangeError otherwise. */
export function quantizersForFormat(table: BitrateTable, packetFormat: PacketFormat, bps: number): number {
  const n = packetFormat === 'lyra' ? table.quantizersFor(bps) : table.ladderQuantizersFor(bps);
  return checkForFormat(table, packetFormat, n);
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
  readonly packetFormat: PacketFormat;
  /** Quantizers of the previous frame carried in each payload; 0 = no redundancy. */
  readonly redundantQuantizers: number;
  private readonly encoder: Encoder;
  private readonly quantizer: Quantizer;
  private readonly denoiser: Denoiser | null;
  private readonly embedding: Float32Array;
  private readonly indexViews: Int32Array[];
  /** With redundancy: this frame's and the previous frame's indices (swapped each frame). */
  private current: Int32Array;
  private previous: Int32Array;
  private hasPrevious = false;
  private stages: number;
  private denoiseOn: boolean;

  constructor(model: Model, options: FrameEncoderOptions = {}) {
    this.table = BitrateTable.of(model);
    const format = resolveEncoderFormat(this.table, options);
    this.redundantQuantizers = format.redundantQuantizers;
    this.packetFormat = format.packetFormat;
    this.stages = format.numQuantizers;
    this.denoiser = openDenoiser(options.denoiser, model);
    this.denoiseOn = options.denoise ?? false;
    if (this.denoiseOn && !this.denoiser) throw new RangeError('denoise: true needs a denoiser model');
    this.encoder = new Encoder(model, { mode: options.mode, precision: options.precision });
    this.quantizer = new Quantizer(model);
    this.frameSize = this.encoder.frameSize;
    this.embedding = new Float32Array(this.encoder.embeddingDim);
    this.indexViews = prefixViews(new Int32Array(this.quantizer.numQuantizers));
    this.current = new Int32Array(this.quantizer.numQuantizers);
    this.previous = new Int32Array(this.quantizer.numQuantizers);
  }

  get bitrate(): number {
    return this.table.bitrateFor(this.stages);
  }

  /** Quantizers per frame at the current bitrate. */
  get numQuantizers(): number {
    return this.stages;
  }

  /** Bytes of each packet at the current bitrate (with redundancy: from the second frame on). */
  get packetBytes(): number {
    const indices = packetBytes(this.stages, this.table.bitsPerIndex);
    if (this.packetFormat === 'lyra') return indices;
    const redundant = this.redundantQuantizers;
    return 1 + indices + (redundant === 0 ? 0 : 1 + packetBytes(redundant, this.table.bitsPerIndex));
  }

  /** From the next frame on; RangeError (and no change) for a bitrate this stream cannot carry. */
  setBitrate(bps: number): void {
    this.stages = quantizersForFormat(this.table, this.packetFormat, bps);
  }

  /** From the next frame on: any count 1..the model's codebooks ('soundstream'), a Lyra count ('lyra'). */
  setQuantizers(numQuantizers: number): void {
    this.stages = checkForFormat(this.table, this.packetFormat, this.table.checkLadderQuantizers(numQuantizers));
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

  /**
   * `frameSize` samples -> a packet in the stream's format. A raw Lyra packet goes into `out` when
   * given (which must hold packetBytes bytes; else a new array); a payload is always a new array.
   */
  encodeFrame(frame: Float32Array, out?: Uint8Array): Uint8Array {
    this.encoder.encodeFrame(frame, this.embedding);
    // The denoiser runs on every frame, on or off, so that its history stays continuous.
    this.denoiser?.process(this.embedding, this.denoiseOn, this.embedding);
    const bits = this.table.bitsPerIndex;
    if (this.packetFormat === 'lyra') {
      const indices = this.indexViews[this.stages];
      this.quantizer.quantize(this.embedding, this.stages, indices);
      return packIndices(indices, bits, out);
    }
    // Residual quantization is greedy, so the first m of n indices are those of m stages:
    // quantizing once at the larger count gives both this frame's payload and its later copy.
    const stages = Math.max(this.stages, this.redundantQuantizers);
    const indices = this.current.subarray(0, stages);
    this.quantizer.quantize(this.embedding, stages, indices);
    const m = this.redundantQuantizers;
    const payload = serializePayload({
      kind: 'speech',
      numQuantizers: this.stages,
      indices: packIndices(indices.subarray(0, this.stages), bits),
      redundancy:
        m > 0 && this.hasPrevious
          ? { numQuantizers: m, indices: packIndices(this.previous.subarray(0, m), bits) }
          : undefined,
    });
    [this.current, this.previous] = [this.previous, this.current];
    this.hasPrevious = true;
    return payload;
  }

  /** Forgets the model state (the bitrate and denoise setting are kept). */
  reset(): void {
    this.encoder.reset();
    this.denoiser?.reset();
    this.hasPrevious = false;
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

  /**
   * A SoundStream payload (docs/payload-format.md) -> audio: its primary indices, whatever
   * redundancy it carries. PayloadFormatError for malformed bytes and for a comfort-noise update
   * (DtxFrameDecoder plays those); RangeError for a count the model does not have; all leave the
   * decoder's state untouched.
   */
  decodePayload(payload: Uint8Array, out?: Float32Array): Float32Array {
    const parsed = parsePayload(payload);
    if (parsed.kind !== 'speech')
      throw new PayloadFormatError(
        'a comfort-noise update (SID) is not a speech frame: decode the stream with DtxFrameDecoder.decodePayload (createDecoder does)',
      );
    return this.decodeFrame(parsed.indices, parsed.numQuantizers, out);
  }

  /**
   * A lost frame, recovered from the redundant copy the NEXT payload carries: decodes it into
   * `out` and returns true; returns false (nothing written, state untouched) when `nextPayload` is
   * null, malformed, or carries no redundancy, and the caller conceals instead.
   */
  recoverFrame(nextPayload: Uint8Array | null, out: Float32Array): boolean {
    if (nextPayload === null) return false;
    let parsed: ReturnType<typeof parsePayload>;
    try {
      parsed = parsePayload(nextPayload);
    } catch (err) {
      if (err instanceof PayloadFormatError) return false;
      throw err;
    }
    if (parsed.kind !== 'speech' || !parsed.redundancy || parsed.redundancy.numQuantizers > this.maxQuantizers)
      return false;
    this.decodeFrame(parsed.redundancy.indices, parsed.redundancy.numQuantizers, out);
    return true;
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

// Streaming Lyra codec: audio chunks of any length in, Lyra packets out, and back.
// Runs in any JS runtime (no Node APIs).

import type { Model } from '../model/load.js';
import { Concealer, silenceEmbedding, type ConcealerOptions } from './conceal.js';
import { Decoder } from './decoder.js';
import { Denoiser } from './denoiser.js';
import { Encoder } from './encoder.js';
import { checkPacket, describeValue, LYRA_BITRATES, packIndices, packetBytes, unpackIndices } from './lyra-packet.js';
import type { ComputeMode, FloatPrecision } from '../model/compute.js';
import { Quantizer } from './quantizer.js';
import { Resampler, type ResamplerQuality } from '../audio/resample.js';

export interface StreamEncoderOptions {
  model: Model;
  /** Bits per second: one of the model's bitrates (Lyra v2: 3200, 6000, 9200). Default 6000. */
  bitrate?: number;
  /** Rate of the audio passed to encode(); resampled to the model's rate when different. */
  sampleRate?: number;
  mode?: ComputeMode;
  /** 'fast' sums float layers in float64: about 1.3x faster, no longer the reference runtime's bits. */
  precision?: FloatPrecision;
  resamplerQuality?: ResamplerQuality;
  /** A denoising bottleneck model (weights/lyra-v2-denoise) run between encoder and quantizer. */
  denoiser?: Model;
  /** Whether the denoiser is on at the start (default false); setDenoise() switches it per frame. */
  denoise?: boolean;
}

export interface StreamEncoder {
  /** Feeds samples (any length, at `sampleRate`); returns the packets of the frames completed so far. */
  encode(samples: Float32Array): Uint8Array[];
  /** Ends the stream: zero-pads the last partial frame, returns the remaining packets, then resets. */
  flush(): Uint8Array[];
  /** Changes the bitrate from the next frame that completes on. */
  setBitrate(bps: number): void;
  readonly bitrate: number;
  /** Switches denoising on or off from the next frame that completes on (needs `denoiser`). */
  setDenoise(on: boolean): void;
  readonly denoise: boolean;
  readonly sampleRate: number;
  /** Samples per frame at the model's rate (320 for Lyra v2: 20 ms at 16 kHz). */
  readonly frameSize: number;
  /** Forgets all buffered audio and model state, as if newly created (the bitrate is kept). */
  reset(): void;
}

export interface StreamDecoderOptions {
  model: Model;
  /** Rate of the audio decode() returns; resampled from the model's rate when different. */
  sampleRate?: number;
  mode?: ComputeMode;
  /** 'fast' sums float layers in float64: about 1.3x faster, no longer the reference runtime's bits. */
  precision?: FloatPrecision;
  resamplerQuality?: ResamplerQuality;
  /**
   * Packet-loss concealment settings, or false to output silence for lost frames (the decoder
   * then skips them, its state left as it was).
   */
  conceal?: ConcealerOptions | false;
  /** A denoising bottleneck applied on the receiving side, to the dequantized embeddings. */
  denoiser?: Model;
  /** Whether the receiving-side denoiser is on (default true when a denoiser is given). */
  denoise?: boolean;
}

export interface StreamDecoder {
  /**
   * One packet -> its frame of audio: frameSize samples at the model's rate, or the resampled
   * equivalent (the resampler's group delay is removed, so the first frames can be a little
   * shorter; flush() returns the rest). null = packet lost: the frame is concealed.
   */
  decode(packet: Uint8Array | null): Float32Array;
  /**
   * Ends the stream: returns audio still held by the resampler (empty at the model's rate), then
   * resets the codec state for a new stream (lostFrames is kept).
   */
  flush(): Float32Array;
  /** Forgets all state, as if newly created. */
  reset(): void;
  readonly sampleRate: number;
  readonly frameSize: number;
  /** Lost frames concealed (or silenced) since creation or the last reset(). */
  readonly lostFrames: number;
}

interface BitrateTable {
  /** bps -> number of quantizers. */
  byBitrate: Map<number, number>;
  /** packet bytes -> number of quantizers. */
  byBytes: Map<number, number>;
  bitsPerIndex: number;
}

function bitrateTable(model: Model, quantizer: Quantizer): BitrateTable {
  const declared: Record<string, number> = model.manifest.quantizer?.bitrates ?? LYRA_BITRATES;
  const byBitrate = new Map<number, number>();
  const byBytes = new Map<number, number>();
  for (const [bps, n] of Object.entries(declared)) {
    if (!Number.isInteger(n) || n < 1 || n > quantizer.numQuantizers) continue;
    byBitrate.set(Number(bps), n);
    byBytes.set(packetBytes(n, quantizer.bitsPerIndex), n);
  }
  return { byBitrate, byBytes, bitsPerIndex: quantizer.bitsPerIndex };
}

function quantizersFor(table: BitrateTable, bps: number): number {
  const n = table.byBitrate.get(bps);
  if (n === undefined) {
    throw new RangeError(`unsupported bitrate ${bps} bps; allowed: ${[...table.byBitrate.keys()].join(', ')}`);
  }
  return n;
}

function checkRate(name: string, rate: number): void {
  if (!Number.isSafeInteger(rate) || rate <= 0) throw new RangeError(`${name} must be a positive integer, got ${rate}`);
}

/** Views of `buffer` of each length 1..buffer.length, made once so that frames allocate nothing. */
function prefixViews<T extends Int32Array>(buffer: T): T[] {
  const views: T[] = [];
  for (let n = 0; n <= buffer.length; n++) views.push(buffer.subarray(0, n) as T);
  return views;
}

/**
 * A streaming encoder: audio in chunks of any size -> one Lyra packet per 20 ms frame.
 * The packets are exactly those of encoding the (resampled) audio frame by frame with
 * Encoder, Quantizer and packIndices, however the input is chunked.
 */
export function createEncoder(options: StreamEncoderOptions): StreamEncoder {
  const { model } = options;
  const modelRate = model.manifest.sampleRate;
  const sampleRate = options.sampleRate ?? modelRate;
  checkRate('sampleRate', sampleRate);
  const encoder = new Encoder(model, { mode: options.mode, precision: options.precision });
  const quantizer = new Quantizer(model);
  const table = bitrateTable(model, quantizer);
  const denoiser = makeDenoiser(options.denoiser, model);
  let denoise = options.denoise ?? false;
  if (denoise && !denoiser) throw new RangeError('denoise: true needs a denoiser model');
  let bitrate = options.bitrate ?? 6000;
  let stages = quantizersFor(table, bitrate);

  const frameSize = encoder.frameSize;
  const frame = new Float32Array(frameSize);
  const embedding = new Float32Array(encoder.embeddingDim);
  const indexViews = prefixViews(new Int32Array(quantizer.numQuantizers));
  let fill = 0;

  const resampler = sampleRate === modelRate ? null : new Resampler(sampleRate, modelRate, { quality: options.resamplerQuality });
  // The resampler's first outputs are its filter's ramp-up; dropping them aligns the model-rate
  // audio with the input (as resample() does), so frame t covers input time [20t, 20t + 20) ms.
  let skip = resampler?.delaySamples ?? 0;

  function emit(packets: Uint8Array[]): void {
    encoder.encodeFrame(frame, embedding);
    // The denoiser runs on every frame, on or off, so that its history stays continuous.
    denoiser?.process(embedding, denoise, embedding);
    const indices = indexViews[stages];
    quantizer.quantize(embedding, stages, indices);
    packets.push(packIndices(indices, table.bitsPerIndex));
    fill = 0;
  }

  function push(samples: Float32Array, packets: Uint8Array[]): void {
    let i = Math.min(skip, samples.length);
    skip -= i;
    const n = samples.length;
    while (i < n) {
      const take = Math.min(frameSize - fill, n - i);
      for (let j = 0; j < take; j++) frame[fill + j] = samples[i + j];
      fill += take;
      i += take;
      if (fill === frameSize) emit(packets);
    }
  }

  function reset(): void {
    encoder.reset();
    denoiser?.reset();
    resampler?.reset();
    skip = resampler?.delaySamples ?? 0;
    fill = 0;
    frame.fill(0);
  }

  return {
    encode(samples: Float32Array): Uint8Array[] {
      if (!(samples instanceof Float32Array)) throw new TypeError(`encode(samples): expected a Float32Array, got ${describeValue(samples)}`);
      const packets: Uint8Array[] = [];
      push(resampler ? resampler.process(samples) : samples, packets);
      return packets;
    },
    flush(): Uint8Array[] {
      const packets: Uint8Array[] = [];
      if (resampler) push(resampler.flush(), packets);
      if (fill > 0) {
        frame.fill(0, fill);
        emit(packets);
      }
      reset();
      return packets;
    },
    setBitrate(bps: number): void {
      stages = quantizersFor(table, bps);
      bitrate = bps;
    },
    get bitrate() {
      return bitrate;
    },
    setDenoise(on: boolean): void {
      if (on && !denoiser) throw new RangeError('setDenoise(true) needs a denoiser model (createEncoder({ denoiser }))');
      denoise = on;
    },
    get denoise() {
      return denoise;
    },
    sampleRate,
    frameSize,
    reset,
  };
}

function makeDenoiser(denoiserModel: Model | undefined, codec: Model): Denoiser | null {
  if (!denoiserModel) return null;
  Denoiser.checkCompatible(denoiserModel, codec);
  return new Denoiser(denoiserModel);
}

/**
 * A streaming decoder: one Lyra packet (8, 15 or 23 bytes for Lyra v2; the length gives the
 * bitrate, which may change from packet to packet) -> one frame of audio, with packet-loss
 * concealment for `null`.
 */
export function createDecoder(options: StreamDecoderOptions): StreamDecoder {
  const { model } = options;
  const modelRate = model.manifest.sampleRate;
  const sampleRate = options.sampleRate ?? modelRate;
  checkRate('sampleRate', sampleRate);
  const mode = options.mode ?? 'int8';
  const decoder = new Decoder(model, { mode, precision: options.precision });
  const quantizer = new Quantizer(model);
  const table = bitrateTable(model, quantizer);
  const denoiser = makeDenoiser(options.denoiser, model);
  const denoise = options.denoise ?? true;
  const allowed = [...table.byBytes.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([bytes, n]) => `${bytes} (${[...table.byBitrate].find(([, m]) => m === n)?.[0]} bps)`)
    .join(', ');
  const concealer = options.conceal === false
    ? null
    : new Concealer(decoder.embeddingDim, silenceEmbedding(model, mode), options.conceal ?? {});

  const frameSize = decoder.frameSize;
  const embedding = new Float32Array(decoder.embeddingDim);
  const indexViews = prefixViews(new Int32Array(quantizer.numQuantizers));
  const resampler = sampleRate === modelRate ? null : new Resampler(modelRate, sampleRate, { quality: options.resamplerQuality });
  const pcm = resampler ? new Float32Array(frameSize) : null;
  let skip = resampler?.delaySamples ?? 0;
  let lost = 0;

  function output(frame: Float32Array): Float32Array {
    if (!resampler) return frame;
    const out = resampler.process(frame);
    if (skip === 0) return out;
    const drop = Math.min(skip, out.length);
    skip -= drop;
    return out.slice(drop);
  }

  function resetState(): void {
    decoder.reset();
    denoiser?.reset();
    concealer?.reset();
    resampler?.reset();
    skip = resampler?.delaySamples ?? 0;
  }

  return {
    decode(packet: Uint8Array | null): Float32Array {
      // Decoded straight into a fresh array when it is the result; else into a reused buffer.
      const frame = pcm ?? new Float32Array(frameSize);
      if (packet === null || packet === undefined) {
        lost++;
        if (!concealer) {
          frame.fill(0);
          return output(frame);
        }
        decoder.decodeFrame(concealer.conceal(embedding), frame);
        return output(frame);
      }
      checkPacket(packet, 'decode(packet) (null for a lost packet)');
      const stages = table.byBytes.get(packet.length);
      if (stages === undefined) {
        throw new RangeError(`packet has ${packet.length} bytes; allowed lengths: ${allowed}`);
      }
      const indices = indexViews[stages];
      unpackIndices(packet, stages, table.bitsPerIndex, indices);
      quantizer.dequantize(indices, stages, embedding);
      denoiser?.process(embedding, denoise, embedding);
      decoder.decodeFrame(embedding, frame);
      concealer?.observe(embedding, frame);
      return output(frame);
    },
    flush(): Float32Array {
      let tail = new Float32Array(0);
      if (resampler) {
        const rest = resampler.flush();
        tail = rest.slice(Math.min(skip, rest.length));
      }
      resetState();
      return tail;
    },
    reset(): void {
      resetState();
      lost = 0;
    },
    sampleRate,
    frameSize,
    get lostFrames() {
      return lost;
    },
  };
}

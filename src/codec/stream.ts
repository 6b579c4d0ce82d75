// Streaming Lyra codec: audio chunks of any length in, Lyra packets out, and back.
// Runs in any JS runtime (no Node APIs).

import type { Model } from '../model/load.js';
import type { ConcealerOptions } from './conceal.js';
import type { BitrateTable } from './bitrates.js';
import { parseSidBody } from './comfort-noise.js';
import { DtxFrameDecoder, DtxFrameEncoder, type DtxOptions } from './dtx.js';
import { FrameDecoder, FrameEncoder, type PacketFormat, type RedundancyOptions } from './frame-codec.js';
import { checkPacket } from './lyra-packet.js';
import { parsePayload, serializePayload } from './payload.js';
import type { FrameKind, FrameSource } from './playout.js';
import type { ComputeMode, FloatPrecision } from '../model/compute.js';
import { Resampler, type ResamplerQuality } from '../audio/resample.js';
import { describeValue } from '../util/describe-value.js';
import { checkPositiveInteger } from '../util/positive-integer.js';

export interface StreamEncoderOptions {
  model: Model;
  /**
   * Bits per second, default 6000: a Lyra rate (3200, 6000, 9200), or with the 'soundstream'
   * packet format any multiple of 200 from 200 to 9200.
   */
  bitrate?: number;
  /** Quantizers per frame (1..46 for Lyra v2; 200 bps each), instead of `bitrate`. */
  quantizers?: number;
  /** Each payload also carries the previous frame's first `quantizers` indices ('soundstream' only). */
  redundancy?: RedundancyOptions | false;
  /**
   * 'lyra': raw Lyra packets, what Google's decoder reads; 'soundstream': the SoundStream payload
   * (docs/payload-format.md). Default: 'lyra' for a Lyra rate without redundancy, else 'soundstream'.
   */
  packetFormat?: PacketFormat;
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
  /**
   * Discontinuous transmission (docs/dtx.md), off by default: in silence a comfort-noise update
   * (a SID payload) now and then, and an empty packet (length 0: send nothing) for the other
   * frames. Needs the 'soundstream' packet format, which it makes the default.
   */
  dtx?: boolean | DtxOptions;
}

export interface StreamEncoder {
  /**
   * Feeds samples (any length, at `sampleRate`); returns the packets of the frames completed so
   * far, one per frame. With `dtx`, a frame DTX does not send is an empty packet (length 0).
   */
  encode(samples: Float32Array): Uint8Array[];
  /** Ends the stream: zero-pads the last partial frame, returns the remaining packets, then resets. */
  flush(): Uint8Array[];
  /** Changes the bitrate from the next frame that completes on. */
  setBitrate(bps: number): void;
  readonly bitrate: number;
  /** Changes the quantizer count from the next frame that completes on. */
  setQuantizers(numQuantizers: number): void;
  readonly numQuantizers: number;
  readonly packetFormat: PacketFormat;
  /** Whether DTX is on (createEncoder({ dtx })). */
  readonly dtx: boolean;
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
  /** The layout of the packets decode() is given (default 'lyra': 8, 15 or 23 bytes, no TOC). */
  packetFormat?: PacketFormat;
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
   * shorter; flush() returns the rest). null = packet lost: the frame is concealed, unless
   * `next`, the following frame's packet when it is already at hand (a jitter buffer's next
   * entry, or a one-frame lookahead), carries a redundant copy of it ('soundstream' payloads).
   * DTX ('soundstream'): a comfort-noise update (SID payload) plays comfort noise, and so do the
   * frames after it with no packet, null or an empty packet (the sender's DTX gap, length 0),
   * until speech returns; an empty packet with no SID before it is concealed as a loss.
   */
  decode(packet: Uint8Array | null, next?: Uint8Array | null): Float32Array;
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
  /** Lost frames decoded from the next payload's redundant copy instead, since creation or the last reset(). */
  readonly recoveredFrames: number;
  /** Frames of comfort noise played (SID payloads and the DTX gaps after them) since creation or the last reset(). */
  readonly comfortNoiseFrames: number;
  readonly packetFormat: PacketFormat;
}

/**
 * A streaming encoder: audio in chunks of any size -> one Lyra packet per 20 ms frame.
 * The packets are exactly those of FrameEncoder on the (resampled) audio cut into frames,
 * however the input is chunked.
 */
export function createEncoder(options: StreamEncoderOptions): StreamEncoder {
  const { model } = options;
  const modelRate = model.manifest.sampleRate;
  const sampleRate = options.sampleRate ?? modelRate;
  checkPositiveInteger('sampleRate', sampleRate);
  const dtxOptions = checkDtxOption(options.dtx);
  if (dtxOptions !== null && options.packetFormat === 'lyra')
    throw new RangeError(
      "dtx needs packetFormat 'soundstream' (raw Lyra packets cannot carry a comfort-noise update or mark a gap)",
    );
  const codec = new FrameEncoder(
    model,
    dtxOptions === null ? options : { ...options, packetFormat: options.packetFormat ?? 'soundstream' },
  );
  const dtx = dtxOptions === null ? null : new DtxFrameEncoder(codec, dtxOptions);
  const frameSize = codec.frameSize;
  const frame = new Float32Array(frameSize);
  const notSent = new Uint8Array(0);
  let fill = 0;

  const resampler =
    sampleRate === modelRate ? null : new Resampler(sampleRate, modelRate, { quality: options.resamplerQuality });
  // The resampler's first outputs are its filter's ramp-up; dropping them aligns the model-rate
  // audio with the input (as resample() does), so frame t covers input time [20t, 20t + 20) ms.
  let skip = resampler?.delaySamples ?? 0;

  function emit(packets: Uint8Array[]): void {
    if (dtx === null) packets.push(codec.encodeFrame(frame));
    else {
      const sent = dtx.encodeFrame(frame);
      if (sent === null) packets.push(notSent);
      else if (sent.kind === 'sid') packets.push(serializePayload({ kind: 'comfort-noise', sidBody: sent.body }));
      else packets.push(sent.packet);
    }
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
    if (dtx) dtx.reset();
    else codec.reset();
    resampler?.reset();
    skip = resampler?.delaySamples ?? 0;
    fill = 0;
    frame.fill(0);
  }

  return {
    encode(samples: Float32Array): Uint8Array[] {
      if (!(samples instanceof Float32Array))
        throw new TypeError(`encode(samples): expected a Float32Array, got ${describeValue(samples)}`);
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
      codec.setBitrate(bps);
    },
    get bitrate() {
      return codec.bitrate;
    },
    setQuantizers(numQuantizers: number): void {
      codec.setQuantizers(numQuantizers);
    },
    get numQuantizers() {
      return codec.numQuantizers;
    },
    packetFormat: codec.packetFormat,
    dtx: dtx !== null,
    setDenoise(on: boolean): void {
      if (on && !codec.hasDenoiser)
        throw new RangeError('setDenoise(true) needs a denoiser model (createEncoder({ denoiser }))');
      codec.setDenoise(on);
    },
    get denoise() {
      return codec.denoise;
    },
    sampleRate,
    frameSize,
    reset,
  };
}

/**
 * A streaming decoder: one Lyra packet (8, 15 or 23 bytes for Lyra v2; the length gives the
 * bitrate, which may change from packet to packet) or one SoundStream payload -> one frame of
 * audio, with packet-loss concealment (or recovery from redundancy) for `null`.
 */
export function createDecoder(options: StreamDecoderOptions): StreamDecoder {
  const { model } = options;
  const modelRate = model.manifest.sampleRate;
  const sampleRate = options.sampleRate ?? modelRate;
  checkPositiveInteger('sampleRate', sampleRate);
  const codec = new FrameDecoder(model, options);
  const frameSize = codec.frameSize;
  const packetFormat = options.packetFormat ?? 'lyra';
  if (packetFormat !== 'lyra' && packetFormat !== 'soundstream')
    throw new RangeError(`packetFormat must be 'lyra' or 'soundstream', got ${JSON.stringify(packetFormat)}`);
  // Any SoundStream stream may carry comfort-noise updates; speech decodes through it unchanged.
  const dtx = packetFormat === 'soundstream' ? new DtxFrameDecoder(codec) : null;
  const resampler =
    sampleRate === modelRate ? null : new Resampler(modelRate, sampleRate, { quality: options.resamplerQuality });
  const pcm = resampler ? new Float32Array(frameSize) : null;
  let skip = resampler?.delaySamples ?? 0;
  let lost = 0;
  let recovered = 0;
  let comfort = 0;

  function output(frame: Float32Array): Float32Array {
    if (!resampler) return frame;
    const out = resampler.process(frame);
    if (skip === 0) return out;
    const drop = Math.min(skip, out.length);
    skip -= drop;
    return out.slice(drop);
  }

  function resetState(): void {
    if (dtx) dtx.reset();
    else codec.reset();
    resampler?.reset();
    skip = resampler?.delaySamples ?? 0;
  }

  return {
    decode(packet: Uint8Array | null, next?: Uint8Array | null): Float32Array {
      // Decoded straight into a fresh array when it is the result; else into a reused buffer.
      const frame = pcm ?? new Float32Array(frameSize);
      if (dtx !== null && packet instanceof Uint8Array && packet.length === 0) packet = null;
      if (packet === null || packet === undefined) {
        if (next !== undefined && next !== null) checkPacket(next, 'decode(packet, next)');
        if (dtx?.comfortNoise) {
          comfort++;
          return output(dtx.decode(null, frame));
        }
        if (packetFormat === 'soundstream' && codec.recoverFrame(next ?? null, frame)) {
          recovered++;
          return output(frame);
        }
        lost++;
        return output(dtx ? dtx.decode(null, frame) : codec.concealFrame(frame));
      }
      checkPacket(packet, 'decode(packet) (null for a lost packet)');
      if (dtx !== null) {
        dtx.decodePayload(packet, frame);
        if (dtx.comfortNoise) comfort++;
        return output(frame);
      }
      return output(codec.decodePacket(packet, frame));
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
      recovered = 0;
      comfort = 0;
    },
    sampleRate,
    frameSize,
    packetFormat,
    get lostFrames() {
      return lost;
    },
    get recoveredFrames() {
      return recovered;
    },
    get comfortNoiseFrames() {
      return comfort;
    },
  };
}

/** createEncoder's `dtx` option -> the DTX settings, or null when off; RangeError for anything else. */
function checkDtxOption(dtx: boolean | DtxOptions | undefined): DtxOptions | null {
  if (dtx === undefined || dtx === false) return null;
  if (dtx === true) return {};
  if (typeof dtx === 'object' && dtx !== null && !Array.isArray(dtx)) return dtx;
  throw new RangeError(`dtx must be true, false or an options object, got ${describeValue(dtx)}`);
}

/**
 * Throws unless createDecoder({ packetFormat }) for the model of `table` decodes `packet` without
 * error: with 'lyra' a packet of one of the listed lengths (RangeError); with 'soundstream' an
 * empty packet (DTX's mark of a frame not sent) or a payload (PayloadFormatError) with a quantizer
 * count the model has (RangeError) and, for a comfort-noise update, a body comfort noise can be
 * made from (SidFormatError). For receivers that must not let a bad packet stop their decoder.
 */
export function checkStreamPacket(packet: Uint8Array, packetFormat: PacketFormat, table: BitrateTable): void {
  checkPacket(packet, 'checkStreamPacket(packet)');
  if (packetFormat === 'lyra') {
    table.quantizersForPacket(packet.length);
    return;
  }
  if (packet.length === 0) return;
  const payload = parsePayload(packet);
  if (payload.kind === 'comfort-noise') parseSidBody(payload.sidBody);
  else table.checkLadderQuantizers(payload.numQuantizers);
}

/**
 * A stream decoder as adaptive playout's FrameSource (src/codec/playout.ts): each frame decoded
 * with the next packet when its own is missing, and reported as what it became (decoded,
 * recovered from redundancy, comfort noise, concealed), so that the playout counts it right.
 */
export function playoutSource(
  decoder: StreamDecoder,
): (...args: Parameters<FrameSource>) => { audio: Float32Array; kind: FrameKind } {
  return (packet, _seq, next) => {
    const recovered = decoder.recoveredFrames;
    const comfort = decoder.comfortNoiseFrames;
    const audio = decoder.decode(packet, next);
    let kind: FrameKind = packet !== null && packet.length > 0 ? 'decoded' : 'concealed';
    if (decoder.recoveredFrames > recovered) kind = 'recovered';
    else if (decoder.comfortNoiseFrames > comfort) kind = 'comfort-noise';
    return { audio, kind };
  };
}

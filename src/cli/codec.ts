// The model and codec as the commands use them: opening them from --model / --denoise options,
// and the frame loops that encode audio to packets and decode packets (or losses) to audio.

import { performance } from 'node:perf_hooks';
import { resample } from '../audio/resample.js';
import { BitrateTable } from '../codec/bitrates.js';
import { FrameDecoder, FrameEncoder } from '../codec/frame-codec.js';
import { parsePayload, type SpeechPayload } from '../codec/payload.js';
import type { SstFrame } from '../codec/sst.js';
import { isStaleLyraImport } from '../import/lyra-v2.js';
import type { FloatPrecision } from '../model/compute.js';
import { ModelError, type Model } from '../model/load.js';
import { loadModel } from '../node/load-model.js';
import { denoiserModelDir } from '../node/package-files.js';
import { hexToBytes } from '../util/hex.js';
import { positiveInt, UsageError, str, type OptionValues } from './args.js';
import { readInput, readWav, refuseSameFile } from './files.js';
import type { Progress } from './progress.js';
import { DEFAULT_BITRATE, DEFAULT_MODEL_DIR } from './usage.js';

export interface Codec {
  model: Model;
  dir: string;
  precision: FloatPrecision;
  bitrates: BitrateTable;
  sampleRate: number;
  frameSize: number;
  bitsPerIndex: number;
  /** First 8 bytes of the weights' sha256. */
  shaPrefix: Uint8Array;
  /** The denoising bottleneck model when --denoise on, else undefined. */
  denoiser: Model | undefined;
}

export async function openCodec(opts: OptionValues): Promise<Codec> {
  const dir = str(opts, 'model') ?? DEFAULT_MODEL_DIR;
  let model: Model;
  try {
    model = await loadModel(dir);
  } catch (err) {
    if (err instanceof ModelError && err.message.startsWith('no model at')) {
      throw new ModelError(
        `${err.message}. Set up Lyra v2 weights with \`npx soundstream import-tflite <folder with the three .tflite files>\`` +
          ' or `npx soundstream fetch-weights lyra-v2`.',
      );
    }
    if (err instanceof ModelError) throw err;
    throw new ModelError(`${dir}: cannot load model: ${(err as Error).message}`);
  }
  if (isStaleLyraImport(model.manifest)) {
    process.stderr.write(
      `warning: ${dir} was imported by an older soundstream-ts and is not bit-exact with Lyra on every input; run \`soundstream import-tflite\` again\n`,
    );
  }
  const bitrates = BitrateTable.of(model);
  return {
    model,
    dir,
    precision: precisionOption(opts),
    bitrates,
    sampleRate: model.manifest.sampleRate,
    frameSize: model.manifest.frameSize,
    bitsPerIndex: bitrates.bitsPerIndex,
    shaPrefix: hexToBytes(model.manifest.blob.sha256.slice(0, 16)),
    denoiser: await denoiserOption(opts),
  };
}

/** The rate an encoding command asked for: --bitrate or --quantizers, and --redundancy. */
export interface EncodeRate {
  numQuantizers: number;
  bitrate: number;
  /** Quantizers of the previous frame carried in each frame; 0 = none. */
  redundantQuantizers: number;
}

/**
 * --bitrate (any multiple of 200 up to 9200; default DEFAULT_BITRATE) or --quantizers (1..46),
 * and --redundancy <quantizers> (encode only); UsageError for both rate options at once.
 */
export function encodeRate(opts: OptionValues, bitrates: BitrateTable): EncodeRate {
  const bitrateOpt = positiveInt(opts, 'bitrate');
  const quantizersOpt = positiveInt(opts, 'quantizers');
  if (bitrateOpt !== undefined && quantizersOpt !== undefined)
    throw new UsageError('give --bitrate or --quantizers, not both');
  const redundancyOpt = positiveInt(opts, 'redundancy');
  // Values off the ladder are RangeErrors naming what is allowed (exit 1, as for any codec error).
  const numQuantizers =
    quantizersOpt !== undefined
      ? bitrates.checkLadderQuantizers(quantizersOpt)
      : bitrates.ladderQuantizersFor(bitrateOpt ?? DEFAULT_BITRATE);
  const redundantQuantizers = redundancyOpt === undefined ? 0 : bitrates.checkLadderQuantizers(redundancyOpt);
  return { numQuantizers, bitrate: bitrates.bitrateFor(numQuantizers), redundantQuantizers };
}

/** What encode and roundtrip start from: the input WAV at the codec's rate, the codec, the rate asked for. */
export async function openEncodeInput(input: string, output: string, opts: OptionValues) {
  await refuseSameFile(input, output, opts.get('force') === true);
  const wav = readWav(input, await readInput(input));
  const codec = await openCodec(opts);
  const rate = encodeRate(opts, codec.bitrates);
  const audio = resample(wav.samples, wav.sampleRate, codec.sampleRate);
  return { wav, codec, rate, audio, seconds: wav.frames / wav.sampleRate };
}

export function precisionOption(opts: OptionValues): FloatPrecision {
  const value = str(opts, 'precision') ?? 'exact';
  if (value !== 'exact' && value !== 'fast')
    throw new UsageError(`option --precision must be exact or fast, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * --denoise on|off (default off): loads --denoise-model (default: the denoiser shipped in the
 * package) when on. (The frame codec checks that it was trained against `codec`.)
 */
export async function denoiserOption(opts: OptionValues): Promise<Model | undefined> {
  const flag = str(opts, 'denoise') ?? 'off';
  if (flag !== 'on' && flag !== 'off')
    throw new UsageError(`option --denoise must be on or off, got ${JSON.stringify(flag)}`);
  if (flag === 'off') return undefined;
  return loadModel(str(opts, 'denoise-model') ?? denoiserModelDir());
}

/** One encoded frame: its packed indices, and the previous frame's first quantizers when redundancy is on. */
export interface EncodedFrame {
  numQuantizers: number;
  packet: Uint8Array;
  redundancy?: { numQuantizers: number; packet: Uint8Array };
}

/**
 * 16 kHz audio -> one frame per 20 ms (the tail zero-padded to a whole frame), with --denoise on
 * the denoiser on throughout. At a Lyra rate without redundancy the packets are Lyra's own.
 */
export function encodeAudio(
  codec: Codec,
  audio: Float32Array,
  rate: EncodeRate,
  progress: Progress,
): { frames: EncodedFrame[]; ms: number } {
  const { frameSize } = codec;
  const encoder = new FrameEncoder(codec.model, {
    precision: codec.precision,
    quantizers: rate.numQuantizers,
    redundancy: rate.redundantQuantizers > 0 ? { quantizers: rate.redundantQuantizers } : false,
    denoiser: codec.denoiser,
    denoise: codec.denoiser !== undefined,
  });
  const frames = Math.ceil(audio.length / frameSize);
  const padded = new Float32Array(frames * frameSize);
  padded.set(audio);
  const encoded: EncodedFrame[] = [];
  const start = performance.now();
  for (let f = 0; f < frames; f++) {
    const packet = encoder.encodeFrame(padded.subarray(f * frameSize, (f + 1) * frameSize));
    if (encoder.packetFormat === 'lyra') encoded.push({ numQuantizers: rate.numQuantizers, packet });
    else {
      const payload = parsePayload(packet) as SpeechPayload;
      const { numQuantizers, indices, redundancy } = payload;
      encoded.push({
        numQuantizers,
        packet: indices,
        ...(redundancy ? { redundancy: { numQuantizers: redundancy.numQuantizers, packet: redundancy.indices } } : {}),
      });
    }
    progress.tick(f + 1);
  }
  const ms = performance.now() - start;
  progress.finish();
  return { frames: encoded, ms };
}

export interface DecodeResult {
  audio: Float32Array;
  ms: number;
  decoded: number;
  concealed: number;
  /** Lost frames decoded from the redundant copy in the next frame instead of concealed. */
  recovered: number;
}

/** Why a frame read from a file cannot be decoded as it is, or null when it can. */
function undecodable(frame: SstFrame, maxQuantizers: number): string | null {
  if ('lost' in frame) return frame.reason;
  if ('notSent' in frame) return 'not sent (discontinuous transmission)';
  if ('comfortNoise' in frame) return 'comfort-noise update';
  if (frame.numQuantizers > maxQuantizers)
    return `${frame.numQuantizers} quantizers but the model has ${maxQuantizers}`;
  return null;
}

/**
 * Packets (or lost-frame markers) -> 16 kHz audio, one frame each; problems go to `report`. A
 * lost frame whose next frame carries a redundant copy of it is decoded from that copy (the
 * decoder reads one frame ahead); other lost frames are concealed.
 */
export function decodeFrames(
  codec: Codec,
  frames: SstFrame[],
  progress: Progress,
  report: (line: string) => void,
): DecodeResult {
  const { frameSize } = codec;
  const decoder = new FrameDecoder(codec.model, { precision: codec.precision, denoiser: codec.denoiser });
  const audio = new Float32Array(frames.length * frameSize);
  let decoded = 0;
  let concealed = 0;
  let recovered = 0;
  const start = performance.now();
  frames.forEach((frame, f) => {
    const out = audio.subarray(f * frameSize, (f + 1) * frameSize);
    const reason = undecodable(frame, decoder.maxQuantizers);
    if (reason === null && 'packet' in frame) {
      decoder.decodeFrame(frame.packet, frame.numQuantizers, out);
      decoded++;
    } else {
      const next = frames[f + 1];
      const copy = next && 'redundancy' in next ? next.redundancy : undefined;
      if ('lost' in frame && copy && copy.numQuantizers <= decoder.maxQuantizers) {
        decoder.decodeFrame(copy.packet, copy.numQuantizers, out);
        report(`frame ${frame.index}: ${reason}; decoded from the redundant copy in frame ${next.index}`);
        recovered++;
      } else {
        decoder.concealFrame(out);
        report(`frame ${frame.index}: ${reason}; concealed`);
        concealed++;
      }
    }
    progress.tick(f + 1);
  });
  const ms = performance.now() - start;
  progress.finish();
  return { audio, ms, decoded, concealed, recovered };
}

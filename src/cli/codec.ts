// The model and codec as the commands use them: opening them from --model / --denoise options,
// and the frame loops that encode audio to packets and decode packets (or losses) to audio.

import { performance } from 'node:perf_hooks';
import { Concealer, silenceEmbedding } from '../codec/conceal.js';
import { Decoder } from '../codec/decoder.js';
import { Denoiser } from '../codec/denoiser.js';
import { Encoder } from '../codec/encoder.js';
import { resample } from '../audio/resample.js';
import { isStaleLyraImport } from '../import/lyra-v2.js';
import { LYRA_BITRATES, packetBytes, packIndices, unpackIndices } from '../codec/lyra-packet.js';
import { Quantizer } from '../codec/quantizer.js';
import type { SstFrame } from '../codec/sst.js';
import type { FloatPrecision } from '../model/compute.js';
import { ModelError, type Model } from '../model/load.js';
import { loadModel } from '../node/load-model.js';
import { denoiserModelDir } from '../node/package-files.js';
import { UsageError, str, type OptionValues } from './args.js';
import { readInput, readWav, refuseSameFile } from './files.js';
import type { Progress } from './progress.js';
import { DEFAULT_MODEL_DIR } from './usage.js';

export interface Codec {
  model: Model;
  dir: string;
  encoder: Encoder;
  decoder: Decoder;
  quantizer: Quantizer;
  sampleRate: number;
  frameSize: number;
  embeddingDim: number;
  bitsPerIndex: number;
  /** First 8 bytes of the weights' sha256. */
  shaPrefix: Uint8Array;
  /** The denoising bottleneck when --denoise on, else null. */
  denoiser: Denoiser | null;
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
    process.stderr.write(`warning: ${dir} was imported by an older soundstream-ts and is not bit-exact with Lyra on every input; run \`soundstream import-tflite\` again\n`);
  }
  const quantizer = new Quantizer(model);
  const precision = precisionOption(opts);
  return {
    model,
    dir,
    encoder: new Encoder(model, { precision }),
    decoder: new Decoder(model, { precision }),
    quantizer,
    sampleRate: model.manifest.sampleRate,
    frameSize: model.manifest.frameSize,
    embeddingDim: model.manifest.embeddingDim,
    bitsPerIndex: quantizer.bitsPerIndex,
    shaPrefix: hexToBytes(model.manifest.blob.sha256.slice(0, 16)),
    denoiser: await openDenoiser(opts, model),
  };
}

/** What encode and roundtrip start from: the input WAV at the codec's rate, the codec, the stages for `bitrate`. */
export async function openEncodeInput(input: string, output: string, opts: OptionValues, bitrate: number) {
  await refuseSameFile(input, output, opts.get('force') === true);
  const wav = readWav(input, await readInput(input));
  const codec = await openCodec(opts);
  const numQuantizers = quantizersFor(codec, bitrate);
  const audio = resample(wav.samples, wav.sampleRate, codec.sampleRate);
  return { wav, codec, numQuantizers, audio, seconds: wav.frames / wav.sampleRate };
}

export function precisionOption(opts: OptionValues): FloatPrecision {
  const value = str(opts, 'precision') ?? 'exact';
  if (value !== 'exact' && value !== 'fast') throw new UsageError(`option --precision must be exact or fast, got ${JSON.stringify(value)}`);
  return value;
}

/** --denoise on|off (default off): loads --denoise-model (default: the denoiser shipped in the package) when on. */
export async function openDenoiser(opts: OptionValues, codec: Model): Promise<Denoiser | null> {
  const flag = str(opts, 'denoise') ?? 'off';
  if (flag !== 'on' && flag !== 'off') throw new UsageError(`option --denoise must be on or off, got ${JSON.stringify(flag)}`);
  if (flag === 'off') return null;
  const dir = str(opts, 'denoise-model') ?? denoiserModelDir();
  const model = await loadModel(dir);
  Denoiser.checkCompatible(model, codec);
  return new Denoiser(model);
}

export function bitrateTable(codec: Codec): Record<string, number> {
  return codec.model.manifest.quantizer?.bitrates ?? (LYRA_BITRATES as unknown as Record<string, number>);
}

export function quantizersFor(codec: Codec, bitrate: number): number {
  const table = bitrateTable(codec);
  const n = table[String(bitrate)];
  if (n === undefined) {
    throw new RangeError(`unsupported bitrate ${bitrate} bps; the model supports ${Object.keys(table).join(', ')}`);
  }
  return n;
}

/** Bits per second of `numQuantizers` indices per frame, e.g. 46 -> 9200 for Lyra v2. */
export function bitrateOf(numQuantizers: number, bitsPerIndex: number, frameSize: number, sampleRate: number): number {
  return (packetBytes(numQuantizers, bitsPerIndex) * 8 * sampleRate) / frameSize;
}

export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** 16 kHz audio -> one packet per frame (the tail zero-padded to a whole frame). */
export function encodeAudio(codec: Codec, audio: Float32Array, numQuantizers: number, progress: Progress): { packets: Uint8Array[]; ms: number } {
  const { frameSize } = codec;
  const frames = Math.ceil(audio.length / frameSize);
  const padded = new Float32Array(frames * frameSize);
  padded.set(audio);
  const embedding = new Float32Array(codec.embeddingDim);
  const indices = new Int32Array(numQuantizers);
  const packets: Uint8Array[] = [];
  const start = performance.now();
  for (let f = 0; f < frames; f++) {
    codec.encoder.encodeFrame(padded.subarray(f * frameSize, (f + 1) * frameSize), embedding);
    codec.denoiser?.process(embedding, true, embedding);
    codec.quantizer.quantize(embedding, numQuantizers, indices);
    packets.push(packIndices(indices, codec.bitsPerIndex));
    progress.tick(f + 1);
  }
  const ms = performance.now() - start;
  progress.finish();
  return { packets, ms };
}

export type InFrame = SstFrame;

export interface DecodeResult {
  audio: Float32Array;
  ms: number;
  decoded: number;
  concealed: number;
}

/** Packets (or lost-frame markers) -> 16 kHz audio, one frame each; problems go to `report`. */
export function decodeFrames(codec: Codec, frames: InFrame[], progress: Progress, report: (line: string) => void): DecodeResult {
  const { frameSize, embeddingDim } = codec;
  const audio = new Float32Array(frames.length * frameSize);
  const embedding = new Float32Array(embeddingDim);
  const concealer = new Concealer(embeddingDim, silenceEmbedding(codec.model));
  let decoded = 0;
  let concealed = 0;
  const start = performance.now();
  frames.forEach((frame, f) => {
    let reason: string | null = null;
    if ('lost' in frame) {
      reason = frame.reason;
    } else if (frame.numQuantizers > codec.quantizer.numQuantizers) {
      reason = `${frame.numQuantizers} quantizers but the model has ${codec.quantizer.numQuantizers}`;
    }
    let samples: Float32Array;
    if (reason === null && !('lost' in frame)) {
      const indices = unpackIndices(frame.packet, frame.numQuantizers, codec.bitsPerIndex);
      codec.quantizer.dequantize(indices, frame.numQuantizers, embedding);
      codec.denoiser?.process(embedding, true, embedding);
      samples = codec.decoder.decodeFrame(embedding);
      concealer.observe(embedding, samples);
      decoded++;
    } else {
      samples = codec.decoder.decodeFrame(concealer.conceal(embedding));
      report(`frame ${frame.index}: ${reason}; concealed`);
      concealed++;
    }
    audio.set(samples, f * frameSize);
    progress.tick(f + 1);
  });
  const ms = performance.now() - start;
  progress.finish();
  return { audio, ms, decoded, concealed };
}

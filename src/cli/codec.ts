// The model and codec as the commands use them: opening them from --model / --denoise options,
// and the frame loops that encode audio to packets and decode packets (or losses) to audio.

import { performance } from 'node:perf_hooks';
import { resample } from '../audio/resample.js';
import { BitrateTable } from '../codec/bitrates.js';
import { SidFormatError } from '../codec/comfort-noise.js';
import { DtxFrameDecoder, DtxFrameEncoder, type DtxFrame } from '../codec/dtx.js';
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
import { round } from './format.js';
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

/** What an encoding command asked for: --bitrate or --quantizers, --redundancy and --dtx. */
export interface EncodeRate {
  numQuantizers: number;
  bitrate: number;
  /** Quantizers of the previous frame carried in each frame; 0 = none. */
  redundantQuantizers: number;
  /** Discontinuous transmission (docs/dtx.md): comfort-noise updates and gaps in silence. */
  dtx: boolean;
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
  return {
    numQuantizers,
    bitrate: bitrates.bitrateFor(numQuantizers),
    redundantQuantizers,
    dtx: opts.get('dtx') === true,
  };
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

/** One encoded speech frame: its packed indices, and the previous frame's first quantizers when redundancy is on. */
export interface EncodedSpeech {
  numQuantizers: number;
  packet: Uint8Array;
  redundancy?: { numQuantizers: number; packet: Uint8Array };
}

/** One frame slot as the encoder left it: speech, or with --dtx a comfort-noise update or nothing sent. */
export type EncodedFrame = EncodedSpeech | { notSent: true } | { comfortNoise: Uint8Array };

/** Bytes a frame takes as a SoundStream payload (TOC byte included; 0 for a frame not sent). */
export function payloadBytes(frame: EncodedFrame): number {
  if ('notSent' in frame) return 0;
  if ('comfortNoise' in frame) return 1 + frame.comfortNoise.length;
  return 1 + frame.packet.length + (frame.redundancy ? 1 + frame.redundancy.packet.length : 0);
}

export interface EncodeResult {
  frames: EncodedFrame[];
  ms: number;
  /** The payload bytes of every frame sent as speech: what the stream takes without DTX. */
  bytesWithoutDtx: number;
}

/**
 * 16 kHz audio -> one frame per 20 ms (the tail zero-padded to a whole frame), with --denoise on
 * the denoiser on throughout. At a Lyra rate without redundancy the packets are Lyra's own. With
 * --dtx the encoder still runs on every frame; silent ones become comfort-noise updates or gaps.
 */
export function encodeAudio(codec: Codec, audio: Float32Array, rate: EncodeRate, progress: Progress): EncodeResult {
  const { frameSize } = codec;
  const encoder = new FrameEncoder(codec.model, {
    precision: codec.precision,
    quantizers: rate.numQuantizers,
    redundancy: rate.redundantQuantizers > 0 ? { quantizers: rate.redundantQuantizers } : false,
    denoiser: codec.denoiser,
    denoise: codec.denoiser !== undefined,
  });
  const dtx = rate.dtx ? new DtxFrameEncoder(encoder) : null;
  const frames = Math.ceil(audio.length / frameSize);
  const padded = new Float32Array(frames * frameSize);
  padded.set(audio);
  const encoded: EncodedFrame[] = [];
  let bytesWithoutDtx = 0;
  const start = performance.now();
  for (let f = 0; f < frames; f++) {
    const samples = padded.subarray(f * frameSize, (f + 1) * frameSize);
    let decision: DtxFrame = null;
    let packet: Uint8Array;
    if (dtx) {
      decision = dtx.encodeFrame(samples);
      packet = dtx.lastPacket!;
    } else packet = encoder.encodeFrame(samples);
    const speech = speechFrame(encoder.packetFormat === 'lyra', rate.numQuantizers, packet);
    bytesWithoutDtx += payloadBytes(speech);
    if (dtx === null || decision?.kind === 'speech') encoded.push(speech);
    else if (decision?.kind === 'sid') encoded.push({ comfortNoise: decision.body });
    else encoded.push({ notSent: true });
    progress.tick(f + 1);
  }
  const ms = performance.now() - start;
  progress.finish();
  return { frames: encoded, ms, bytesWithoutDtx };
}

/** What FrameEncoder wrote (a raw Lyra packet, or a SoundStream payload) -> the frame's indices. */
function speechFrame(rawLyra: boolean, numQuantizers: number, packet: Uint8Array): EncodedSpeech {
  if (rawLyra) return { numQuantizers, packet };
  const { indices, redundancy, ...payload } = parsePayload(packet) as SpeechPayload;
  return {
    numQuantizers: payload.numQuantizers,
    packet: indices,
    ...(redundancy ? { redundancy: { numQuantizers: redundancy.numQuantizers, packet: redundancy.indices } } : {}),
  };
}

export interface DecodeResult {
  audio: Float32Array;
  ms: number;
  decoded: number;
  concealed: number;
  /** Lost frames decoded from the redundant copy in the next frame instead of concealed. */
  recovered: number;
  /** Frames of comfort noise: comfort-noise updates, and the DTX gaps (or losses) after them. */
  comfortNoise: number;
}

/** Why a frame read from a file cannot be decoded as it is, or null when it can. */
function undecodable(frame: SstFrame, maxQuantizers: number): string | null {
  if ('lost' in frame) return frame.reason;
  if ('notSent' in frame) return 'not sent (discontinuous transmission) with no comfort-noise update before it';
  if ('comfortNoise' in frame) return null;
  if (frame.numQuantizers > maxQuantizers)
    return `${frame.numQuantizers} quantizers but the model has ${maxQuantizers}`;
  return null;
}

/**
 * Packets (or lost-frame markers) -> 16 kHz audio, one frame each; problems go to `report`. A
 * lost frame whose next frame carries a redundant copy of it is decoded from that copy (the
 * decoder reads one frame ahead); other lost frames are concealed. A comfort-noise update plays
 * comfort noise, as do the slots not sent after it and any lost there (docs/dtx.md); a
 * comfort-noise update whose body cannot be read is reported and treated as a lost frame.
 */
export function decodeFrames(
  codec: Codec,
  frames: SstFrame[],
  progress: Progress,
  report: (line: string) => void,
): DecodeResult {
  const { frameSize } = codec;
  const decoder = new FrameDecoder(codec.model, { precision: codec.precision, denoiser: codec.denoiser });
  const dtx = new DtxFrameDecoder(decoder);
  const audio = new Float32Array(frames.length * frameSize);
  let decoded = 0;
  let concealed = 0;
  let recovered = 0;
  let comfortNoise = 0;
  /** Plays a comfort-noise update; null, or why its body cannot be read (the state is then untouched). */
  const playUpdate = (body: Uint8Array, out: Float32Array): string | null => {
    try {
      dtx.decode({ kind: 'sid', body }, out);
      return null;
    } catch (err) {
      if (err instanceof SidFormatError) return `unreadable comfort-noise update: ${err.message}`;
      throw err;
    }
  };
  const start = performance.now();
  frames.forEach((frame, f) => {
    const out = audio.subarray(f * frameSize, (f + 1) * frameSize);
    const reason =
      'comfortNoise' in frame ? playUpdate(frame.comfortNoise, out) : undecodable(frame, decoder.maxQuantizers);
    if ('comfortNoise' in frame && reason === null) comfortNoise++;
    else if (reason === null && 'packet' in frame) {
      dtx.decode({ kind: 'speech', packet: frame.packet, numQuantizers: frame.numQuantizers }, out);
      decoded++;
    } else if (dtx.comfortNoise && !('packet' in frame)) {
      // A slot not sent, or lost, inside a silence: comfort noise by design, not a loss.
      dtx.decode(null, out);
      if (reason !== null && 'comfortNoise' in frame)
        report(`frame ${frame.index}: ${reason}; comfort noise continues`);
      comfortNoise++;
    } else {
      const next = frames[f + 1];
      const copy = next && 'redundancy' in next ? next.redundancy : undefined;
      if ('lost' in frame && copy && copy.numQuantizers <= decoder.maxQuantizers) {
        dtx.decode({ kind: 'speech', packet: copy.packet, numQuantizers: copy.numQuantizers }, out);
        report(`frame ${frame.index}: ${reason}; decoded from the redundant copy in frame ${next.index}`);
        recovered++;
      } else {
        dtx.decode(null, out);
        report(`frame ${frame.index}: ${reason}; concealed`);
        concealed++;
      }
    }
    progress.tick(f + 1);
  });
  const ms = performance.now() - start;
  progress.finish();
  return { audio, ms, decoded, concealed, recovered, comfortNoise };
}

export interface DtxFigures {
  /** Frames sent: speech packets and comfort-noise updates. */
  sentFrames: number;
  speechFrames: number;
  comfortNoiseFrames: number;
  notSentFrames: number;
  /** The stream's rate as SoundStream payloads (TOC bytes included), with DTX and without it. */
  payloadKbps: number;
  payloadKbpsWithoutDtx: number;
  kbpsSaved: number;
}

/** What DTX sent and saved over `seconds` of audio, counting each frame as a SoundStream payload. */
export function dtxFigures(encoded: EncodeResult, seconds: number): DtxFigures {
  const { frames } = encoded;
  const speechFrames = frames.filter((f) => 'packet' in f).length;
  const comfortNoiseFrames = frames.filter((f) => 'comfortNoise' in f).length;
  const bytes = frames.reduce((sum, f) => sum + payloadBytes(f), 0);
  const kbps = (n: number) => (seconds > 0 ? (n * 8) / seconds / 1000 : 0);
  return {
    sentFrames: speechFrames + comfortNoiseFrames,
    speechFrames,
    comfortNoiseFrames,
    notSentFrames: frames.length - speechFrames - comfortNoiseFrames,
    payloadKbps: round(kbps(bytes), 3),
    payloadKbpsWithoutDtx: round(kbps(encoded.bytesWithoutDtx), 3),
    kbpsSaved: round(kbps(encoded.bytesWithoutDtx - bytes), 3),
  };
}

export function dtxLine(d: DtxFigures): string {
  const total = d.sentFrames + d.notSentFrames;
  return (
    `dtx: ${d.sentFrames} of ${total} frames sent (${d.speechFrames} speech, ${d.comfortNoiseFrames} comfort-noise updates), ` +
    `${d.notSentFrames} not sent; payloads ${d.payloadKbps} kbps instead of ${d.payloadKbpsWithoutDtx} (${d.kbpsSaved} kbps saved)`
  );
}

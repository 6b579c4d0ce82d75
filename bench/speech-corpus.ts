// Real audio for the DTX and rate benchmarks (bench/dtx.ts, bench/rates.ts): sample1, a fixed
// choice of LibriSpeech utterances and background-noise files from ../shared/train, as mono
// 16 kHz Float32Arrays cut to whole 20 ms frames. Dev-only.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FLACDecoder } from '@wasm-audio-decoders/flac';
import { resample } from '../src/audio/resample.js';
import { decodeWav } from '../src/audio/wav.js';
import { SAMPLE_PATH, sharedDir } from './common.js';

export const RATE = 16000;
export const FRAME = 320;

export interface Clip {
  name: string;
  /** 16 kHz mono, a whole number of frames. */
  samples: Float32Array;
  /** For a mix: the speech alone, the reference for intelligibility. */
  clean?: Float32Array;
}

const flac = new FLACDecoder();

/** A WAV or FLAC file -> mono at 16 kHz, cut to whole frames. */
export async function loadClip(path: string, name: string): Promise<Clip> {
  const bytes = new Uint8Array(readFileSync(path));
  let mono: Float32Array;
  let rate: number;
  if (path.endsWith('.flac')) {
    await flac.ready;
    await flac.reset();
    const decoded = await flac.decodeFile(bytes);
    if (decoded.errors.length > 0 || decoded.channelData.length === 0)
      throw new Error(`${path}: FLAC decoding failed (${decoded.errors[0]?.message ?? 'no audio'})`);
    const channels = decoded.channelData;
    mono = new Float32Array(channels[0].length);
    for (const c of channels) for (let i = 0; i < mono.length; i++) mono[i] += c[i] / channels.length;
    rate = decoded.sampleRate;
  } else {
    const wav = decodeWav(bytes);
    mono = wav.samples;
    rate = wav.sampleRate;
  }
  const at16k = rate === RATE ? mono : resample(mono, rate, RATE);
  return { name, samples: at16k.slice(0, Math.floor(at16k.length / FRAME) * FRAME) };
}

/** LibriSpeech utterances chosen once (varied speakers, both sexes), used by both benchmarks. */
export const LIBRISPEECH_IDS = [
  '118-121721-0000',
  '1183-124566-0000',
  '3607-135982-0000',
  '4160-11549-0000',
  '7113-86041-0000',
  '2843-152918-0000',
];

export const NOISE_NAMES = [
  'blanket/coffee-shop',
  'speech_commands/running_tap',
  'moodist/things_ceiling-fan',
  'blanket/pink-noise',
  'moodist/transport_submarine',
];

export function haveTrainingAudio(): boolean {
  return existsSync(join(sharedDir(), 'train', 'speech', 'librispeech')) && existsSync(SAMPLE_PATH());
}

export async function speechClips(librispeechCount = LIBRISPEECH_IDS.length): Promise<Clip[]> {
  const clips = [await loadClip(SAMPLE_PATH(), 'sample1')];
  for (const id of LIBRISPEECH_IDS.slice(0, librispeechCount))
    clips.push(await loadClip(join(sharedDir(), 'train', 'speech', 'librispeech', `${id}.flac`), `librispeech ${id}`));
  return clips;
}

export async function noiseClip(name: string): Promise<Clip> {
  return loadClip(join(sharedDir(), 'train', 'noise', `${name}.flac`), name);
}

function meanSquare(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return s / Math.max(1, x.length);
}

/** Speech + noise looped from `offset`, the noise scaled to `snrDb` below the speech's mean level. */
export function mix(speech: Clip, noise: Clip, snrDb: number): Clip {
  const gain = Math.sqrt((meanSquare(speech.samples) / meanSquare(noise.samples)) * 10 ** (-snrDb / 10));
  const out = new Float32Array(speech.samples.length);
  for (let i = 0; i < out.length; i++) out[i] = speech.samples[i] + gain * noise.samples[i % noise.samples.length];
  return { name: `${speech.name} + ${noise.name} at ${snrDb} dB SNR`, samples: out, clean: speech.samples };
}

// Shared set-up for parity checks (tests and scripts/parity-report.ts): the Lyra v2 files from
// ../shared, our model imported from them in memory, the reference runtime on the same files,
// and the signals both are run on.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { importLyraV2, type LyraV2Files } from '../../src/import/lyra-v2.js';
import { loadModelFromBytes, type Model } from '../../src/model/load.js';
import { readPcm16Wav } from './audio.js';
import { swapSubgraphs } from './reorder-subgraphs.js';
import { ReferenceRunner } from './runtime.js';

const shared = (path: string) => fileURLToPath(new URL(`../../../shared/${path}`, import.meta.url));
export const LYRA_DIR = shared('lyra-v2');
export const SPEECH_16K = shared('audio/sample1_16kHz.wav');
export const HAVE_SHARED = existsSync(`${LYRA_DIR}/lyragan.tflite`) && existsSync(SPEECH_16K);
export const FRAME = 320;
export const DIM = 64;
export const NUM_QUANTIZERS = 46;

export function lyraFiles(): LyraV2Files {
  const read = (f: string) => new Uint8Array(readFileSync(`${LYRA_DIR}/${f}`));
  return {
    encoder: read('soundstream_encoder.tflite'),
    quantizer: read('quantizer.tflite'),
    decoder: read('lyragan.tflite'),
  };
}

export async function importedModel(files: LyraV2Files): Promise<Model> {
  const { manifest, blob } = await importLyraV2(files);
  return loadModelFromBytes(JSON.stringify(manifest), blob);
}

/** xorshift32 + Box-Muller: reproducible Gaussian noise. */
export function gaussianNoise(length: number, sigma: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const uniform = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++)
    out[i] = sigma * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return out;
}

/** Whole frames: the tail zero-padded. */
export function padToFrames(x: Float32Array): Float32Array {
  const out = new Float32Array(Math.ceil(x.length / FRAME) * FRAME);
  out.set(x);
  return out;
}

/** sample1; sample1 at 0.3x delayed by 123 samples; seeded Gaussian noise. Different rounding paths for each. */
export function paritySignals(): { name: string; samples: Float32Array }[] {
  const speech = readPcm16Wav(SPEECH_16K);
  const shifted = new Float32Array(speech.length + 123);
  for (let i = 0; i < speech.length; i++) shifted[i + 123] = Math.fround(0.3 * speech[i]);
  return [
    { name: 'sample1', samples: padToFrames(speech) },
    { name: 'sample1 x0.3, +123 samples', samples: padToFrames(shifted) },
    { name: 'Gaussian noise, sigma 0.1', samples: padToFrames(gaussianNoise(120 * FRAME, 0.1, 20261124)) },
  ];
}

/** The reference runtime on the three Lyra models, frame by frame, each call from a fresh state. */
export class ReferenceLyra {
  private constructor(private readonly files: LyraV2Files) {}

  static async create(files: LyraV2Files): Promise<ReferenceLyra> {
    return new ReferenceLyra(files);
  }

  async encode(samples: Float32Array): Promise<Float32Array> {
    return this.perFrame(this.files.encoder, samples, FRAME, DIM);
  }

  async decode(embeddings: Float32Array): Promise<Float32Array> {
    return this.perFrame(this.files.decoder, embeddings, DIM, FRAME);
  }

  /** Quantizer `encode` signature: [frames, 46] indices, -1 past `quantizers`. */
  async quantize(embeddings: Float32Array, quantizers: number): Promise<Int32Array> {
    const runner = await ReferenceRunner.create(swapSubgraphs(this.files.quantizer));
    const frames = embeddings.length / DIM;
    const out = new Int32Array(frames * NUM_QUANTIZERS);
    for (let t = 0; t < frames; t++) {
      const outputs = runner.run(new Int32Array([quantizers]), embeddings.subarray(t * DIM, (t + 1) * DIM));
      const indices = outputs.find((o) => o.length === NUM_QUANTIZERS);
      if (!indices) throw new Error('reference quantizer gave no indices');
      out.set(indices, t * NUM_QUANTIZERS);
    }
    runner.dispose();
    return out;
  }

  /** Quantizer `decode` signature on [frames, 46] indices (-1 = stage not used). */
  async dequantize(indices: Int32Array): Promise<Float32Array> {
    return this.perFrame(this.files.quantizer, indices, NUM_QUANTIZERS, DIM);
  }

  private async perFrame(
    model: Uint8Array,
    input: Float32Array | Int32Array,
    inSize: number,
    outSize: number,
  ): Promise<Float32Array> {
    const runner = await ReferenceRunner.create(model);
    const frames = input.length / inSize;
    const out = new Float32Array(frames * outSize);
    for (let t = 0; t < frames; t++)
      out.set(runner.run(input.subarray(t * inSize, (t + 1) * inSize))[0] as Float32Array, t * outSize);
    runner.dispose();
    return out;
  }
}

export interface Agreement {
  identicalPercent: number;
  maxAbsDiff: number;
  snrDb: number;
}

export function agreement(ours: ArrayLike<number>, reference: ArrayLike<number>): Agreement {
  let same = 0;
  let maxAbsDiff = 0;
  let signal = 0;
  let noise = 0;
  for (let i = 0; i < reference.length; i++) {
    const d = ours[i] - reference[i];
    if (d === 0) same++;
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(d));
    signal += reference[i] * reference[i];
    noise += d * d;
  }
  return {
    identicalPercent: (100 * same) / reference.length,
    maxAbsDiff,
    snrDb: noise === 0 ? Infinity : 10 * Math.log10(signal / noise),
  };
}

/** Reference indices use -1 for unused stages; ours hold only the used ones. */
export function indexAgreementPercent(ours: Int32Array, reference: Int32Array, quantizers: number): number {
  const frames = reference.length / NUM_QUANTIZERS;
  let same = 0;
  for (let t = 0; t < frames; t++)
    for (let s = 0; s < quantizers; s++) if (ours[t * quantizers + s] === reference[t * NUM_QUANTIZERS + s]) same++;
  return (100 * same) / (frames * quantizers);
}

// Shared by the benchmarks (bench.ts, kernels.ts, browser.ts): where the Lyra v2 files and the
// speech sample are, the model imported from them in memory, and the command line. The statistics
// and table helpers live in numbers.ts (a browser page imports them too) and are re-exported here.
// Dev-only: nothing in src/ imports this.
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { decodeWav } from '../src/audio/wav.js';
import { importLyraV2, type LyraV2Files } from '../src/import/lyra-v2.js';
import type { Manifest } from '../src/model/manifest.js';
import { loadModelFromBytes, type Model } from '../src/model/load.js';
import { packageRoot } from '../src/node/package-files.js';

export { fmt, markdownTable, median, quantile, slope, sorted, summarize, type Summary } from './numbers.js';

/** The repository root: the nearest folder above this file (bench/ or dist/bench/) with our package.json. */
export const repoRoot = packageRoot;

/** ../shared beside the repository (SOUNDSTREAM_SHARED overrides). */
export function sharedDir(): string {
  return process.env.SOUNDSTREAM_SHARED ?? resolve(repoRoot(), '..', 'shared');
}

export const LYRA_FILE_NAMES = {
  encoder: 'soundstream_encoder.tflite',
  quantizer: 'quantizer.tflite',
  decoder: 'lyragan.tflite',
} as const;
export const SAMPLE_PATH = () => join(sharedDir(), 'audio', 'sample1_16kHz.wav');

export function haveShared(): boolean {
  return (
    Object.values(LYRA_FILE_NAMES).every((f) => existsSync(join(sharedDir(), 'lyra-v2', f))) &&
    existsSync(SAMPLE_PATH())
  );
}

export function readLyraFiles(): LyraV2Files {
  const read = (f: string) => new Uint8Array(readFileSync(join(sharedDir(), 'lyra-v2', f)));
  return {
    encoder: read(LYRA_FILE_NAMES.encoder),
    quantizer: read(LYRA_FILE_NAMES.quantizer),
    decoder: read(LYRA_FILE_NAMES.decoder),
  };
}

/** Our weight format built in memory from the .tflite files (nothing is written to disk). */
export async function importInMemory(
  files: LyraV2Files,
): Promise<{ manifestText: string; blob: Uint8Array; model: Model }> {
  const { manifest, blob } = await importLyraV2(files);
  const manifestText = JSON.stringify(manifest);
  return { manifestText, blob, model: await loadModelFromBytes(manifestText, blob, 'lyra-v2 (in memory)') };
}

/** sample1 at 16 kHz, mono, the tail zero-padded to whole frames. */
export function speechFrames(frameSize: number): { samples: Float32Array; frames: number } {
  const wav = decodeWav(new Uint8Array(readFileSync(SAMPLE_PATH())));
  if (wav.sampleRate !== 16000) throw new Error(`${SAMPLE_PATH()}: expected 16 kHz, got ${wav.sampleRate} Hz`);
  const frames = Math.ceil(wav.samples.length / frameSize);
  const samples = new Float32Array(frames * frameSize);
  samples.set(wav.samples);
  return { samples, frames };
}

export function machineInfo(): {
  cpu: string;
  logicalCpus: number;
  node: string;
  v8: string;
  platform: string;
  date: string;
} {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    logicalCpus: list.length,
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
  };
}

export type ManifestGraphs = Pick<Manifest, 'encoder' | 'decoder'>;

// ---- command line ------------------------------------------------------------------------------

export function flag(args: string[], name: string): boolean {
  return args.includes(name);
}

export function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value`);
  return value;
}

export function intOption(args: string[], name: string, fallback: number): number {
  const v = option(args, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${v}`);
  return n;
}

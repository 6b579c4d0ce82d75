// npm run bench:ab -- <checkout A> <checkout B> [--passes 15]
//
// Did a change make the default pipeline slower? Two checkouts of this repository, each built
// (npm run build), are loaded into one process, and their encoder + quantizer (9.2 kbps) and
// dequantizer + decoder (int8, exact) run over sample1, one call per 20 ms frame, in passes that
// alternate A and B (ABBA...) after 3 warm-up passes each. Each checkout imports Lyra v2 with its
// own importer. Alternating in one process cancels most of what a shared or throttled machine
// does to two runs made one after the other, which can be more than the difference sought.
import { pathToFileURL } from 'node:url';
import { join, resolve } from 'node:path';
import type * as Soundstream from '../src/index.js';
import { fmt, haveShared, intOption, readLyraFiles, speechFrames } from './common.js';

type Lib = typeof Soundstream;
const args = process.argv.slice(2);
const dirs = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1] === '--passes'));
const passes = intOption(args, '--passes', 15);
if (dirs.length !== 2 || !haveShared()) {
  console.error(
    'usage: npm run bench:ab -- <checkout A> <checkout B> [--passes 15]  (both built; needs ../shared/lyra-v2)',
  );
  process.exit(2);
}

const files = readLyraFiles();
const setups = await Promise.all(
  dirs.map(async (dir) => {
    const lib = (await import(pathToFileURL(join(resolve(dir), 'dist/src/index.js')).href)) as Lib;
    const { manifest, blob } = await lib.importLyraV2(files);
    return { dir, lib, model: await lib.loadModelFromBytes(JSON.stringify(manifest), blob) };
  }),
);
const frameSize = setups[0]!.model.manifest.frameSize;
const { samples, frames } = speechFrames(frameSize);

/** Each frame's fastest time over the passes so far: on a busy machine, a frame that no other process interrupted. */
const fastest = [0, 1].map(() => ({
  encode: new Float64Array(frames).fill(Infinity),
  decode: new Float64Array(frames).fill(Infinity),
}));

/** ms per frame of encode + quantize and of dequantize + decode, over one pass. */
function pass({ lib, model }: (typeof setups)[number], which: number): { encode: number; decode: number } {
  const encoder = new lib.Encoder(model);
  const quantizer = new lib.Quantizer(model);
  const decoder = new lib.Decoder(model);
  const stages = quantizer.numQuantizers;
  const embedding = new Float32Array(encoder.embeddingDim);
  const indices = new Int32Array(stages);
  const dequantized = new Float32Array(encoder.embeddingDim);
  const out = new Float32Array(frameSize);
  let encode = 0;
  let decode = 0;
  for (let f = 0; f < frames; f++) {
    const t0 = performance.now();
    encoder.encodeFrame(samples.subarray(f * frameSize, (f + 1) * frameSize), embedding);
    quantizer.quantize(embedding, stages, indices);
    const t1 = performance.now();
    quantizer.dequantize(indices, stages, dequantized);
    decoder.decodeFrame(dequantized, out);
    const t2 = performance.now();
    decode += t2 - t1;
    encode += t1 - t0;
    const best = fastest[which]!;
    best.encode[f] = Math.min(best.encode[f]!, t1 - t0);
    best.decode[f] = Math.min(best.decode[f]!, t2 - t1);
  }
  return { encode: encode / frames, decode: decode / frames };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
for (let i = 0; i < 3; i++) for (const [k, setup] of setups.entries()) pass(setup, k);
for (const best of fastest) for (const series of [best.encode, best.decode]) series.fill(Infinity);
const results: { encode: number; decode: number }[][] = [[], []];
for (let i = 0; i < passes; i++) {
  for (const k of i % 2 ? [1, 0] : [0, 1]) results[k]!.push(pass(setups[k]!, k));
}
console.log(`${passes} alternating passes of ${frames} frames; A = ${dirs[0]}, B = ${dirs[1]}`);
for (const stage of ['encode', 'decode', 'both'] as const) {
  const series = results.map((r) => r.map((x) => (stage === 'both' ? x.encode + x.decode : x[stage])));
  const [a, b] = series as [number[], number[]];
  const paired = median(b.map((x, i) => x / a[i]!));
  console.log(
    `${stage}: A ${fmt(median(a))} ms/frame, B ${fmt(median(b))} ms/frame (medians of the passes); B / A ${fmt(median(b) / median(a), 4)}, median of paired ratios ${fmt(paired, 4)}`,
  );
  const [fa, fb] = fastest.map((best) => {
    const sum = (xs: Float64Array) => xs.reduce((acc, x) => acc + x, 0) / frames;
    return stage === 'both' ? sum(best.encode) + sum(best.decode) : sum(best[stage]);
  }) as [number, number];
  console.log(`  each frame's fastest pass: A ${fmt(fa)}, B ${fmt(fb)} ms/frame; B / A ${fmt(fb / fa, 4)}`);
}

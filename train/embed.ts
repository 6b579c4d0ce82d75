// Turns train/data/<set>.f32 (clean and noisy utterances, see prepare.py) into Lyra v2 embeddings
// with our encoder in int8 mode, which is bit-identical to Google's: <set>.emb<shard>.f32, per
// utterance [frames, 64] clean then [frames, 64] noisy. Utterances are split into contiguous
// shards so that both cores can work. Usage (after npm run build):
//   node dist/train/embed.js <set> [--shard i --shards n] [--model weights/lyra-v2]
import { readFileSync, writeFileSync } from 'node:fs';
import { Encoder } from '../src/codec/encoder.js';
import { loadModel } from '../src/node/load-model.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const set = args[0];
const shard = Number(option('shard', '0'));
const shards = Number(option('shards', '1'));
const model = await loadModel(option('model', 'weights/lyra-v2'));
const table = JSON.parse(readFileSync(`train/data/${set}.json`, 'utf8')) as { utterances: { frames: number }[] };
const raw = readFileSync(`train/data/${set}.f32`);
const audio = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
const frameSize = model.manifest.frameSize;
const dim = model.manifest.embeddingDim;

const count = table.utterances.length;
const first = Math.floor((count * shard) / shards);
const last = Math.floor((count * (shard + 1)) / shards);
let offset = 0;
for (let u = 0; u < first; u++) offset += 2 * table.utterances[u].frames * frameSize;
const encoder = new Encoder(model);
const parts: Float32Array[] = [];
const start = performance.now();
for (let u = first; u < last; u++) {
  const n = table.utterances[u].frames * frameSize;
  for (const half of [0, 1]) {
    encoder.reset();
    parts.push(encoder.encode(audio.subarray(offset + half * n, offset + (half + 1) * n)));
  }
  offset += 2 * n;
}
const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
let at = 0;
for (const p of parts) {
  out.set(p, at);
  at += p.length;
}
writeFileSync(`train/data/${set}.emb${shard}.f32`, out);
console.log(
  `${set} shard ${shard}/${shards}: utterances ${first}..${last - 1}, ${out.length / dim} frames in ${((performance.now() - start) / 1000).toFixed(1)} s`,
);

// Measures our engine against Google's reference runtime on the same Lyra v2 files and prints
// the parity table of docs/parity.md (written into it). Run: npm run parity
import { readFileSync, writeFileSync } from 'node:fs';
import { Decoder } from '../src/codec/decoder.js';
import { Encoder } from '../src/codec/encoder.js';
import type { ComputeMode } from '../src/model/compute.js';
import { Quantizer } from '../src/codec/quantizer.js';
import {
  agreement,
  DIM,
  FRAME,
  HAVE_SHARED,
  importedModel,
  indexAgreementPercent,
  lyraFiles,
  paritySignals,
  ReferenceLyra,
} from '../test/reference/lyra.js';

if (!HAVE_SHARED) {
  console.error('parity-report: ../shared/lyra-v2 and ../shared/audio are needed');
  process.exit(1);
}

const files = lyraFiles();
const model = await importedModel(files);
const reference = await ReferenceLyra.create(files);

function frameByFrame(
  run: (x: Float32Array) => Float32Array,
  input: Float32Array,
  inSize: number,
  outSize: number,
): Float32Array {
  const frames = input.length / inSize;
  const out = new Float32Array(frames * outSize);
  for (let t = 0; t < frames; t++) out.set(run(input.subarray(t * inSize, (t + 1) * inSize)), t * outSize);
  return out;
}
const fmt = (x: number, digits = 2) => (x === Infinity ? '∞ (identical)' : x.toFixed(digits));
const rows: string[] = [];
const encoderStep = 0.26352;

rows.push(
  '| signal | stage | mode | identical values | max abs error | SNR vs reference (dB) |',
  '|---|---|---|---|---|---|',
);
for (const signal of paritySignals()) {
  const frames = signal.samples.length / FRAME;
  const refEmbeddings = await reference.encode(signal.samples);
  const refAudio = await reference.decode(refEmbeddings);
  for (const mode of ['int8', 'float'] as ComputeMode[]) {
    const encoder = new Encoder(model, { mode });
    const e = agreement(
      frameByFrame((x) => encoder.encodeFrame(x), signal.samples, FRAME, DIM),
      refEmbeddings,
    );
    rows.push(
      `| ${signal.name} (${frames} frames) | encoder | ${mode} | ${e.identicalPercent.toFixed(2)}% | ${e.maxAbsDiff.toPrecision(3)} (${(e.maxAbsDiff / encoderStep).toFixed(1)} steps) | ${fmt(e.snrDb)} |`,
    );
    const decoder = new Decoder(model, { mode });
    const d = agreement(
      frameByFrame((x) => decoder.decodeFrame(x), refEmbeddings, DIM, FRAME),
      refAudio,
    );
    rows.push(
      `| ${signal.name} | decoder (fed reference embeddings) | ${mode} | ${d.identicalPercent.toFixed(2)}% | ${d.maxAbsDiff.toPrecision(3)} | ${fmt(d.snrDb)} |`,
    );
  }
}

rows.push(
  '',
  '| bitrate | quantizers | RVQ fed reference embeddings: identical indices | dequantized max abs error | whole chain: identical indices | whole chain: audio SNR vs reference chain (dB) |',
  '|---|---|---|---|---|---|',
);
const speech = paritySignals()[0].samples;
const refEmbeddings = await reference.encode(speech);
const encoder = new Encoder(model);
const embeddings = frameByFrame((x) => encoder.encodeFrame(x), speech, FRAME, DIM);
const quantizer = new Quantizer(model);
for (const [bitrate, n] of [
  [3200, 16],
  [6000, 30],
  [9200, 46],
]) {
  const refIndices = await reference.quantize(refEmbeddings, n);
  const rvqIndices = quantizer.quantize(refEmbeddings, n);
  const refDequantized = await reference.dequantize(refIndices);
  const dq = agreement(quantizer.dequantize(rvqIndices, n), refDequantized);
  const chainIndices = quantizer.quantize(embeddings, n);
  const refChainAudio = await reference.decode(refDequantized);
  const decoder = new Decoder(model);
  const audio = frameByFrame((x) => decoder.decodeFrame(x), quantizer.dequantize(chainIndices, n), DIM, FRAME);
  rows.push(
    `| ${bitrate} | ${n} | ${indexAgreementPercent(rvqIndices, refIndices, n).toFixed(2)}% | ${dq.maxAbsDiff.toPrecision(3)} | ${indexAgreementPercent(chainIndices, refIndices, n).toFixed(2)}% | ${fmt(agreement(audio, refChainAudio).snrDb)} |`,
  );
}

const table = rows.join('\n');
console.log(table);
// docs/parity.md is written by hand around this table: only the marked block is replaced.
const doc = readFileSync('docs/parity.md', 'utf8');
const block = /<!-- parity-report -->[\s\S]*<!-- \/parity-report -->/;
if (!block.test(doc)) throw new Error('docs/parity.md has no <!-- parity-report --> block to replace');
writeFileSync(
  'docs/parity.md',
  doc.replace(
    block,
    `<!-- parity-report -->\nProduced by \`npm run parity\` (scripts/parity-report.ts) on ${new Date().toISOString().slice(0, 10)}.\n\n${table}\n<!-- /parity-report -->`,
  ),
);

// npm run bench:rates [-- --files 4] [--out bench/rates-results.md] [--svg docs/rates.svg]
//
// Quality per rate: every quantizer count 1..46 (200 bps each), on sample1 and LibriSpeech
// utterances. Each clip is encoded once with all 46 quantizers; a residual quantizer is greedy,
// so the first n indices are exactly what an encoder at n quantizers sends. Each prefix is
// dequantized and decoded (int8, in one call per clip), and STOI and the log-mel distance are
// measured against the input, aligned once per clip (the decoder's delay does not depend on n).
// Writes a table and an SVG plot drawn here (no plotting dependency).
import { writeFileSync } from 'node:fs';
import { Decoder } from '../src/codec/decoder.js';
import { Encoder } from '../src/codec/encoder.js';
import { packetBytes } from '../src/codec/lyra-packet.js';
import { Quantizer } from '../src/codec/quantizer.js';
import { applyLag, bestLag } from '../src/metrics/align.js';
import { logMelDistance } from '../src/metrics/log-mel.js';
import { stoi } from '../src/metrics/stoi.js';
import { haveShared, importInMemory, intOption, machineInfo, readLyraFiles } from './common.js';
import { haveTrainingAudio, RATE, speechClips } from './speech-corpus.js';
import { ratesSvg, type RatePoint } from './rates-plot.js';

const args = process.argv.slice(2);
const files = intOption(args, '--files', 4);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const outPath = option('--out', 'bench/rates-results.md');
const svgPath = option('--svg', 'docs/rates.svg');
if (!haveShared() || !haveTrainingAudio()) {
  console.error('bench:rates needs ../shared/lyra-v2, ../shared/audio and ../shared/train');
  process.exit(2);
}

const LYRA_RATES = new Map([
  [16, '3.2 kbps'],
  [30, '6 kbps'],
  [46, '9.2 kbps'],
]);

const { model } = await importInMemory(readLyraFiles());
const quantizer = new Quantizer(model);
const maxQuantizers = quantizer.numQuantizers;
const dim = quantizer.dim;
const clips = await speechClips(files);

/** Per quantizer count: the STOI and log-mel distance of each clip. */
const stoiBy: number[][] = Array.from({ length: maxQuantizers + 1 }, () => []);
const logMelBy: number[][] = Array.from({ length: maxQuantizers + 1 }, () => []);
let seconds = 0;

for (const clip of clips) {
  seconds += clip.samples.length / RATE;
  const embeddings = new Encoder(model).encode(clip.samples);
  const frames = embeddings.length / dim;
  const all = quantizer.quantize(embeddings, maxQuantizers);
  let lag: number | null = null;
  // From 46 down, so the lag is found on the best decode.
  for (let n = maxQuantizers; n >= 1; n--) {
    const indices = new Int32Array(frames * n);
    for (let t = 0; t < frames; t++) indices.set(all.subarray(t * maxQuantizers, t * maxQuantizers + n), t * n);
    const decoded = new Decoder(model).decode(quantizer.dequantize(indices, n));
    lag ??= bestLag(clip.samples, decoded, Math.round(0.1 * RATE));
    const [reference, degraded] = applyLag(clip.samples, decoded, lag);
    stoiBy[n].push(stoi(reference, degraded, RATE));
    logMelBy[n].push(logMelDistance(reference, degraded, RATE));
  }
  console.log(
    `${clip.name}: STOI at 1/16/46 quantizers ${[1, 16, 46].map((n) => stoiBy[n].at(-1)?.toFixed(3)).join(' / ')}`,
  );
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const points: RatePoint[] = [];
for (let n = 1; n <= maxQuantizers; n++) {
  points.push({
    quantizers: n,
    bps: n * quantizer.bitsPerIndex * 50,
    packetBytes: packetBytes(n, quantizer.bitsPerIndex),
    stoi: mean(stoiBy[n]),
    stoiMin: Math.min(...stoiBy[n]),
    logMel: mean(logMelBy[n]),
    logMelMax: Math.max(...logMelBy[n]),
  });
}

const info = machineInfo();
const lines = [
  '# Quality per rate: every quantizer count',
  '',
  `Measured ${info.date.slice(0, 10)} with \`npm run bench:rates\` (${info.node}): Lyra v2, int8, ${clips.length} clips (${clips.map((c) => c.name).join(', ')}; ${seconds.toFixed(1)} s). Each clip is encoded once with 46 quantizers; the first n indices of each frame are what an encoder at n quantizers sends (greedy residual quantizer), decoded and compared with the input, aligned. STOI: mean over clips (and the worst clip); log-mel distance in dB, lower is better: mean (and the worst clip). bps: 4 bits per quantizer per 20 ms frame; packet bytes: the indices packed (Lyra packets round up to whole bytes). **Bold**: the three rates Google's decoder reads (16, 30, 46 quantizers). The plot is [docs/rates.svg](../docs/rates.svg).`,
  '',
  '| quantizers | bps | packet bytes | STOI | STOI worst | log-mel dB | log-mel worst |',
  '|--:|--:|--:|--:|--:|--:|--:|',
  ...points.map((p) => {
    const mark = LYRA_RATES.has(p.quantizers) ? '**' : '';
    return `| ${mark}${p.quantizers}${mark} | ${mark}${p.bps}${mark} | ${p.packetBytes} | ${p.stoi.toFixed(3)} | ${p.stoiMin.toFixed(3)} | ${p.logMel.toFixed(2)} | ${p.logMelMax.toFixed(2)} |`;
  }),
  '',
];
writeFileSync(outPath, lines.join('\n'));
writeFileSync(svgPath, ratesSvg(points, LYRA_RATES));
console.log(`wrote ${outPath} and ${svgPath}`);

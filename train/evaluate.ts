// The denoising figures of docs/denoiser.md: on held-out noisy speech (unseen speakers and noises, about
// 6 dB SNR, from prepare.py's valid set) and on clean speech, STOI and log-mel distance against
// the clean reference for plain Lyra v2 and Lyra v2 + denoise, at each bitrate; and the largest
// sample jump where the flag switches every 5 s. Usage (after npm run build):
//   node dist/train/evaluate.js [--skip 12] [--utterances 21] [--denoise-model weights/lyra-v2-denoise] [--bitrates 3200,6000,9200] [--no-switching]
// --skip: leave out the first utterances (perceptual.py picks its checkpoint on the first 12).
import { readFileSync } from 'node:fs';
import { Decoder } from '../src/codec/decoder.js';
import { Denoiser } from '../src/codec/denoiser.js';
import { Encoder } from '../src/codec/encoder.js';
import { Quantizer } from '../src/codec/quantizer.js';
import type { Model } from '../src/model/load.js';
import { loadModel } from '../src/node/load-model.js';
import { logMelDistance } from '../src/metrics/log-mel.js';
import { stoi } from '../src/metrics/stoi.js';

const args = process.argv.slice(2);
const numberOption = (name: string, fallback: number) =>
  args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback;
const skip = numberOption('--skip', 0);
const limit = numberOption('--utterances', 33);
const lyra = await loadModel('weights/lyra-v2');
const denoiseModel = await loadModel(
  args.includes('--denoise-model') ? args[args.indexOf('--denoise-model') + 1] : 'weights/lyra-v2-denoise',
);
Denoiser.checkCompatible(denoiseModel, lyra);
const table = JSON.parse(readFileSync('train/data/valid.json', 'utf8')) as {
  utterances: { frames: number; snr_db: number }[];
};
const raw = readFileSync('train/data/valid.f32');
const audio = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
const FRAME = lyra.manifest.frameSize;
const RATE = lyra.manifest.sampleRate;

/** Input audio -> decoded audio through encoder, (denoiser), quantizer at n stages, decoder. */
function codec(model: Model, input: Float32Array, n: number, flags: Float32Array | null): Float32Array {
  const encoder = new Encoder(model);
  const quantizer = new Quantizer(model);
  const decoder = new Decoder(model);
  let embeddings = encoder.encode(input);
  if (flags) embeddings = new Denoiser(denoiseModel).process(embeddings, flags);
  return decoder.decode(quantizer.dequantize(quantizer.quantize(embeddings, n), n));
}

const pairs: { clean: Float32Array; noisy: Float32Array }[] = [];
let offset = 0;
const used = table.utterances.slice(skip, skip + limit);
for (const [i, u] of table.utterances.entries()) {
  const n = u.frames * FRAME;
  if (i >= skip && i < skip + limit)
    pairs.push({ clean: audio.subarray(offset, offset + n), noisy: audio.subarray(offset + n, offset + 2 * n) });
  offset += 2 * n;
}
const meanSnr = used.reduce((s, u) => s + u.snr_db, 0) / pairs.length;

const rows: string[] = [];
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const score = (clean: Float32Array, out: Float32Array) => ({
  stoi: stoi(clean, out, RATE),
  mel: logMelDistance(clean, out, RATE),
});
const unprocessed = pairs.map((p) => score(p.clean, p.noisy));
rows.push(
  `| input | bitrate | denoise | STOI | log-mel distance (dB) | utterances better with denoise on (STOI / log-mel) |`,
  '|---|---|---|---|---|---|',
);
rows.push(
  `| noisy (${meanSnr.toFixed(1)} dB SNR), uncoded | - | - | ${mean(unprocessed.map((s) => s.stoi)).toFixed(3)} | ${mean(unprocessed.map((s) => s.mel)).toFixed(2)} | |`,
);
const bitrates = args.includes('--bitrates')
  ? args[args.indexOf('--bitrates') + 1].split(',').map(Number)
  : [3200, 6000, 9200];
const stagesFor: Record<number, number> = { 3200: 16, 6000: 30, 9200: 46 };
for (const bitrate of bitrates) {
  const n = stagesFor[bitrate];
  for (const input of ['noisy', 'clean'] as const) {
    const [off, on] = [false, true].map((denoise) =>
      pairs.map((p) => {
        const x = input === 'noisy' ? p.noisy : p.clean;
        const flags = denoise ? new Float32Array(x.length / FRAME).fill(1) : null;
        return score(p.clean, codec(lyra, x, n, flags));
      }),
    );
    // A paired count: on how many utterances denoise on beats off, metric by metric.
    const betterStoi = on.filter((s, i) => s.stoi > off[i].stoi).length;
    const betterMel = on.filter((s, i) => s.mel < off[i].mel).length;
    for (const [label, scores] of [
      ['off', off],
      ['on', on],
    ] as const) {
      const paired = label === 'on' ? `${betterStoi} / ${betterMel} of ${pairs.length}` : '';
      rows.push(
        `| ${input} | ${bitrate} | ${label} | ${mean(scores.map((s) => s.stoi)).toFixed(3)} | ${mean(scores.map((s) => s.mel)).toFixed(2)} | ${paired} |`,
      );
    }
  }
}

console.log(rows.join('\n'));
if (!args.includes('--no-switching')) switchingCheck();

/** Switching: 5 s on, 5 s off, ... over held-out noisy speech strung together. */
function switchingCheck(): void {
  const long = new Float32Array(pairs.reduce((s, p) => s + p.noisy.length, 0));
  let at = 0;
  for (const p of pairs) {
    long.set(p.noisy, at);
    at += p.noisy.length;
  }
  const frames = long.length / FRAME;
  const flags = Float32Array.from({ length: frames }, (_, f) => (Math.floor(f / 250) % 2 === 0 ? 1 : 0));
  const switched = codec(lyra, long, 46, flags);
  const steady = codec(lyra, long, 46, new Float32Array(frames).fill(1));
  let maxJumpAtSwitch = 0;
  let maxJumpAnywhere = 0;
  for (let i = 1; i < switched.length; i++) {
    const jump = Math.abs(switched[i] - switched[i - 1]);
    maxJumpAnywhere = Math.max(maxJumpAnywhere, Math.abs(steady[i] - steady[i - 1]));
    const frame = Math.floor(i / FRAME);
    if (frame % 250 < 2 && frame >= 250) maxJumpAtSwitch = Math.max(maxJumpAtSwitch, jump);
  }
  console.log(
    `\n${pairs.length} held-out utterances (${(long.length / RATE / 60).toFixed(1)} min). Switching every 5 s: largest sample step within 40 ms of a switch ${maxJumpAtSwitch.toFixed(4)}, largest anywhere with denoise always on ${maxJumpAnywhere.toFixed(4)}.`,
  );
}

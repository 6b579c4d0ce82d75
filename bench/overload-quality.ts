// npm run bench:overload-quality [-- --files 4] [-- --out <file.md>]
//
// What the Web Audio nodes' load shedding costs in quality, and what it saves in compute
// (docs/overload.md): the same speech through the codec at 6 kbps in each state an overloaded
// node can be in, scored with STOI and the log-mel distance (src/metrics) against the clean
// recording, after alignment. Speech: ../shared/audio/sample1_16kHz.wav and the first LibriSpeech
// utterances of ../shared/train/speech/librispeech; for the denoiser rows, mixed with noise from
// ../shared/train/noise at 5 dB SNR (the denoiser off is a step the nodes do not take: these rows
// say why). The dropped-frame rows are what happens when shedding is not enough: that share of
// frames (random, seeded) never reaches the decoder, which conceals it. Compute savings are not
// timed here (sequential timings on a shared machine mislead): npm run bench has them, interleaved.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDecoder, createEncoder } from '../src/codec/stream.js';
import { evaluate } from '../src/metrics/evaluate.js';
import { loadModel } from '../src/node/load-model.js';
import { denoiserModelDir } from '../src/node/package-files.js';
import { mulberry32 } from '../src/util/prng.js';
import { audioFiles, loadSignal } from '../test/reference/sweep.js';
import {
  haveShared,
  importInMemory,
  intOption,
  machineInfo,
  markdownTable,
  option,
  readLyraFiles,
  repoRoot,
  SAMPLE_PATH,
  sharedDir,
} from './common.js';

const args = process.argv.slice(2);
const librispeechFiles = intOption(args, '--files', 4);
const outMd = option(args, '--out') ?? join(repoRoot(), 'bench', 'overload-quality-results.md');
if (!haveShared()) {
  console.error('bench:overload-quality needs ../shared (lyra-v2, audio/sample1_16kHz.wav, train/speech, train/noise)');
  process.exit(2);
}
const RATE = 16000;
const BITRATE = 6000;
const NOISE_SNR_DB = 5;

const log = (line: string) => process.stdout.write(`${line}\n`);
const { model: codec } = await importInMemory(readLyraFiles());
const denoiser = await loadModel(denoiserModelDir());
const speechPaths = [
  SAMPLE_PATH(),
  ...audioFiles([join(sharedDir(), 'train', 'speech', 'librispeech')]).slice(0, librispeechFiles),
];
// One at a time: loadSignal shares one FLAC decoder.
const speech = [];
for (const p of speechPaths) speech.push(await loadSignal(p, p.split('/').at(-1)));
const noise = await loadSignal(join(sharedDir(), 'train', 'noise', 'misc', 'noise1.flac'));

/** `clean` plus noise (looped) scaled to `snrDb` below it. */
function addNoise(clean: Float32Array, snrDb: number, offset: number): Float32Array {
  let speechPower = 0;
  let noisePower = 0;
  const n = noise.samples;
  for (let i = 0; i < clean.length; i++) {
    speechPower += clean[i] * clean[i];
    const v = n[(i + offset) % n.length];
    noisePower += v * v;
  }
  const gain = Math.sqrt(speechPower / (noisePower * 10 ** (snrDb / 10)));
  return clean.map((x, i) => x + gain * n[(i + offset) % n.length]);
}

interface Setting {
  label: string;
  noisy: boolean;
  precision: 'exact' | 'fast';
  denoise: boolean;
  dropShare: number;
}

function codecRun(input: Float32Array, s: Setting, seed: number): Float32Array {
  const encoder = createEncoder({
    model: codec,
    denoiser,
    denoise: s.denoise,
    bitrate: BITRATE,
    precision: s.precision,
  });
  const decoder = createDecoder({ model: codec, precision: s.precision });
  const random = mulberry32(seed);
  const packets = [...encoder.encode(input), ...encoder.flush()];
  const output = new Float32Array(packets.length * encoder.frameSize);
  packets.forEach((p, i) => {
    output.set(decoder.decode(random() < s.dropShare ? null : p), i * encoder.frameSize);
  });
  return output;
}

const settings: Setting[] = [
  { label: 'clean speech: exact (no shedding)', noisy: false, precision: 'exact', denoise: false, dropShare: 0 },
  { label: 'clean speech: precision fast (step 1)', noisy: false, precision: 'fast', denoise: false, dropShare: 0 },
  { label: 'noisy speech: exact, denoiser on', noisy: true, precision: 'exact', denoise: true, dropShare: 0 },
  {
    label: 'noisy speech: precision fast, denoiser on (step 1)',
    noisy: true,
    precision: 'fast',
    denoise: true,
    dropShare: 0,
  },
  {
    label: 'noisy speech: precision fast, denoiser off (not taken)',
    noisy: true,
    precision: 'fast',
    denoise: false,
    dropShare: 0,
  },
  {
    label: 'clean speech: exact, 10% of frames dropped',
    noisy: false,
    precision: 'exact',
    denoise: false,
    dropShare: 0.1,
  },
  {
    label: 'clean speech: exact, 30% of frames dropped',
    noisy: false,
    precision: 'exact',
    denoise: false,
    dropShare: 0.3,
  },
  {
    label: 'clean speech: exact, 60% of frames dropped',
    noisy: false,
    precision: 'exact',
    denoise: false,
    dropShare: 0.6,
  },
];

const machine = machineInfo();
log(`overload shedding quality: ${speech.length} utterances, ${BITRATE} bps, ${machine.cpu}, Node ${process.version}`);
const rows: string[][] = [];
const baselines = new Map<boolean, { stoi: number; logMel: number }>();
for (const s of settings) {
  let stoiSum = 0;
  let logMelSum = 0;
  speech.forEach((utterance, u) => {
    const input = s.noisy ? addNoise(utterance.samples, NOISE_SNR_DB, u * 48_000) : utterance.samples;
    const output = codecRun(input, s, 1000 + u);
    const e = evaluate(
      { samples: utterance.samples, sampleRate: RATE },
      { samples: output, sampleRate: RATE },
      { align: true },
    );
    stoiSum += e.stoi;
    logMelSum += e.logMelDistanceDb;
  });
  const stoi = stoiSum / speech.length;
  const logMel = logMelSum / speech.length;
  if (!baselines.has(s.noisy)) baselines.set(s.noisy, { stoi, logMel });
  const base = baselines.get(s.noisy)!;
  const delta = (x: number, digits: number) => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;
  rows.push([
    s.label,
    stoi.toFixed(4),
    logMel.toFixed(3),
    `${delta(stoi - base.stoi, 4)} / ${delta(logMel - base.logMel, 3)}`,
  ]);
  log(`${s.label}: STOI ${stoi.toFixed(4)}, log-mel ${logMel.toFixed(3)} dB`);
}

const seconds = speech.reduce((t, s) => t + s.samples.length / RATE, 0);
const table = markdownTable(
  ['state of the nodes', 'STOI', 'log-mel (dB)', 'change vs the first row of its input: STOI / log-mel'],
  rows,
  ['l', 'r', 'r', 'r'],
);
const md = `Load shedding's quality cost: ${speech.length} utterances (sample1 and ${speech.length - 1} LibriSpeech, ${seconds.toFixed(1)} s), ${BITRATE} bps, against the clean recording after alignment; noisy rows mixed with ../shared/train/noise/misc/noise1.flac at ${NOISE_SNR_DB} dB SNR; ${machine.date.slice(0, 10)}.\n\n${table}\n`;
writeFileSync(outMd, md);
log('');
log(md);

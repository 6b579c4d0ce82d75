// Quality under packet loss, concealment only against in-band redundancy (issue 21, item 4):
// real speech (sample1 and LibriSpeech utterances from ../shared/train) encoded once per scheme,
// frames dropped by a seeded random or bursty (Gilbert-Elliott) loss pattern, decoded with a
// one-frame lookahead (what a jitter buffer of one frame or more gives), judged by STOI and the
// log-mel distance against the input. Writes bench/loss-results.md and .json.
//
//   npm run bench:loss [-- --files 4 --seconds 8]
//
// Schemes, all with the same loss pattern per condition:
//   - 6 kbps, concealment: raw Lyra packets of 30 quantizers; a lost frame is concealed;
//   - 9.2 kbps, concealment: raw Lyra packets of 46 quantizers (about the bytes of the next);
//   - 6 kbps + 16-quantizer redundancy: SoundStream payloads (docs/payload-format.md); a lost
//     frame is decoded from the next payload's copy when that one arrived, else concealed.

import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FrameEncoder } from '../src/codec/frame-codec.js';
import { parsePayload } from '../src/codec/payload.js';
import { createDecoder, type StreamDecoder } from '../src/codec/stream.js';
import { applyLag, bestLag } from '../src/metrics/align.js';
import { logMelDistance } from '../src/metrics/log-mel.js';
import { stoi } from '../src/metrics/stoi.js';
import type { Model } from '../src/model/load.js';
import { loadModel } from '../src/node/load-model.js';
import { mulberry32 } from '../src/util/prng.js';
import { loadSignal } from '../test/reference/sweep.js';
import { haveShared, importInMemory, machineInfo, readLyraFiles, repoRoot, sharedDir } from './common.js';

const RATE = 16000;

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
}

interface Scheme {
  name: string;
  /** Bits per second on the wire: the packets' bytes (TOC included for payloads), no transport headers. */
  bps: number;
  packets: Uint8Array[];
  packetFormat: 'lyra' | 'soundstream';
}

interface Condition {
  name: string;
  /** true = frame lost. */
  pattern: (frames: number, seed: number) => boolean[];
}

/** Each frame lost with probability p, independently. */
function randomLoss(p: number): Condition {
  return {
    name: `random ${Math.round(p * 100)}%`,
    pattern: (frames, seed) => {
      const r = mulberry32(seed);
      return Array.from({ length: frames }, () => r() < p);
    },
  };
}

/**
 * Gilbert-Elliott with every frame of the bad state lost (the simple Gilbert model): leaving
 * the bad state with probability 1/burst gives bursts of `burst` frames on average, and
 * entering it with p / (1 - p) / burst gives a long-run loss rate p.
 */
function burstyLoss(p: number, burst: number): Condition {
  const leave = 1 / burst;
  const enter = (p * leave) / (1 - p);
  return {
    name: `bursty ${Math.round(p * 100)}% (mean burst ${burst})`,
    pattern: (frames, seed) => {
      const r = mulberry32(seed);
      let bad = r() < p;
      return Array.from({ length: frames }, () => {
        const lost = bad;
        bad = bad ? r() >= leave : r() < enter;
        return lost;
      });
    },
  };
}

const CONDITIONS: Condition[] = [
  { name: 'no loss', pattern: (frames) => new Array(frames).fill(false) },
  randomLoss(0.05),
  randomLoss(0.1),
  randomLoss(0.2),
  burstyLoss(0.05, 3),
  burstyLoss(0.1, 3),
  burstyLoss(0.2, 3),
];

async function openModel(): Promise<Model> {
  const dir = join(repoRoot(), 'weights', 'lyra-v2');
  if (existsSync(join(dir, 'manifest.json'))) return loadModel(dir);
  return (await importInMemory(readLyraFiles())).model;
}

function encode(model: Model, samples: Float32Array): Scheme[] {
  const frameSize = 320;
  const frames = samples.length / frameSize;
  const withCopy = new FrameEncoder(model, { bitrate: 6000, redundancy: { quantizers: 16 } });
  const high = new FrameEncoder(model, { bitrate: 9200 });
  const payloads: Uint8Array[] = [];
  const lyra6: Uint8Array[] = [];
  const lyra9: Uint8Array[] = [];
  for (let t = 0; t < frames; t++) {
    const frame = samples.subarray(t * frameSize, (t + 1) * frameSize);
    const payload = withCopy.encodeFrame(frame);
    payloads.push(payload);
    // The primary indices are those of a plain 6 kbps encoder (test/ladder.test.ts checks it).
    const parsed = parsePayload(payload);
    if (parsed.kind !== 'speech') throw new Error('unexpected payload kind');
    lyra6.push(parsed.indices);
    lyra9.push(high.encodeFrame(frame));
  }
  const bps = (packets: Uint8Array[]) => (packets.reduce((n, p) => n + p.length, 0) * 8 * 50) / packets.length;
  return [
    { name: '6 kbps, concealment', bps: bps(lyra6), packets: lyra6, packetFormat: 'lyra' },
    { name: '9.2 kbps, concealment', bps: bps(lyra9), packets: lyra9, packetFormat: 'lyra' },
    { name: '6 kbps + 16-quantizer redundancy', bps: bps(payloads), packets: payloads, packetFormat: 'soundstream' },
  ];
}

function decode(model: Model, scheme: Scheme, lost: boolean[]): { audio: Float32Array; decoder: StreamDecoder } {
  const decoder = createDecoder({ model, packetFormat: scheme.packetFormat });
  const out = new Float32Array(scheme.packets.length * decoder.frameSize);
  scheme.packets.forEach((packet, t) => {
    const next = t + 1 < scheme.packets.length && !lost[t + 1] ? scheme.packets[t + 1] : null;
    out.set(decoder.decode(lost[t] ? null : packet, next), t * decoder.frameSize);
  });
  return { audio: out, decoder };
}

interface Row {
  file: string;
  condition: string;
  scheme: string;
  bps: number;
  lossRate: number;
  recoveredShare: number;
  stoi: number;
  logMelDb: number;
}

async function main(): Promise<void> {
  if (!haveShared()) throw new Error(`bench:loss needs ../shared (Lyra v2 files and speech); looked in ${sharedDir()}`);
  const fileCount = option('files', 4);
  const seconds = option('seconds', 8);
  const libri = join(sharedDir(), 'train', 'speech', 'librispeech');
  const names = readdirSync(libri)
    .filter((f) => f.endsWith('.flac'))
    .sort()
    .slice(0, fileCount);
  const paths = [join(sharedDir(), 'audio', 'sample1_16kHz.wav'), ...names.map((n) => join(libri, n))];
  const model = await openModel();
  const rows: Row[] = [];
  for (const [fileIndex, path] of paths.entries()) {
    const signal = await loadSignal(path);
    const keep = Math.min(signal.samples.length, Math.round((seconds * RATE) / 320) * 320);
    const samples = signal.samples.subarray(0, keep);
    const name = path.split('/').at(-1)!;
    const started = performance.now();
    const schemes = encode(model, samples);
    // The codec's delay, from the loss-free decode, is taken out of every decode of this file.
    const clean = decode(model, schemes[0], new Array(schemes[0].packets.length).fill(false)).audio;
    const lag = bestLag(samples, clean, Math.round(0.1 * RATE), { maxSamples: 10 * RATE });
    for (const [c, condition] of CONDITIONS.entries()) {
      const lost = condition.pattern(schemes[0].packets.length, 1000 * fileIndex + c + 21);
      for (const scheme of schemes) {
        const { audio, decoder } = decode(model, scheme, lost);
        const [ref, deg] = applyLag(samples, audio, lag);
        const n = Math.min(ref.length, deg.length);
        const lostFrames = lost.filter(Boolean).length;
        rows.push({
          file: name,
          condition: condition.name,
          scheme: scheme.name,
          bps: scheme.bps,
          lossRate: lostFrames / lost.length,
          recoveredShare: lostFrames === 0 ? 0 : decoder.recoveredFrames / lostFrames,
          stoi: stoi(ref.subarray(0, n), deg.subarray(0, n), RATE),
          logMelDb: logMelDistance(ref.subarray(0, n), deg.subarray(0, n), RATE),
        });
      }
    }
    console.log(
      `${name}: ${(samples.length / RATE).toFixed(1)} s, ${((performance.now() - started) / 1000).toFixed(0)} s of compute`,
    );
  }
  writeResults(rows, paths.length, seconds);
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function writeResults(rows: Row[], files: number, seconds: number): void {
  const schemes = [...new Set(rows.map((r) => r.scheme))];
  const lines = [
    '# Quality under packet loss: concealment only vs redundancy',
    '',
    `Written by \`npm run bench:loss\` (bench/loss.ts) on ${machineInfo().date.slice(0, 10)}: ${files} files (sample1 and`,
    `LibriSpeech utterances from ../shared/train, at most ${seconds} s each), the mean over files. STOI (0..1, higher is`,
    'better) and log-mel distance (dB, lower is better) against the 16 kHz input, the codec delay taken out. Loss',
    'patterns are seeded, the same for every scheme; bursty = Gilbert-Elliott, every frame of the bad state lost,',
    'mean burst 3 frames. The decoder reads one frame ahead (a jitter buffer of at least one frame).',
    '',
    '| loss | realised loss | scheme | bitrate (bps) | lost frames recovered | STOI | log-mel (dB) |',
    '|---|---:|---|---:|---:|---:|---:|',
  ];
  for (const condition of CONDITIONS) {
    for (const scheme of schemes) {
      const group = rows.filter((r) => r.condition === condition.name && r.scheme === scheme);
      const recovered = mean(group.map((r) => r.recoveredShare));
      lines.push(
        `| ${condition.name} | ${(100 * mean(group.map((r) => r.lossRate))).toFixed(1)}% | ${scheme} | ${Math.round(mean(group.map((r) => r.bps)))} | ` +
          `${scheme.includes('redundancy') && condition.name !== 'no loss' ? `${(100 * recovered).toFixed(0)}%` : '-'} | ` +
          `${mean(group.map((r) => r.stoi)).toFixed(3)} | ${mean(group.map((r) => r.logMelDb)).toFixed(2)} |`,
      );
    }
  }
  lines.push(
    '',
    'Bitrates are the packets alone: raw Lyra packets for concealment, SoundStream payloads (a TOC byte, the',
    "primary indices, a count byte and the previous frame's 16 indices) for redundancy; RTP/UDP/IP add 40 bytes",
    'per packet to all three alike.',
    '',
  );
  const root = repoRoot();
  writeFileSync(join(root, 'bench', 'loss-results.md'), lines.join('\n'));
  writeFileSync(
    join(root, 'bench', 'loss-results.json'),
    `${JSON.stringify({ machine: machineInfo(), rows }, null, 1)}\n`,
  );
  console.log(lines.join('\n'));
}

await main();

// npm run soak [-- --minutes 60] [-- --every 5] [-- --rates 16000,48000] [-- --loss 0.05] [-- --seed 12]
//
// A long streaming run: createEncoder -> 5% of packets dropped -> createDecoder, fed in chunks of
// random size, for each input rate. Every `--every` minutes of audio it prints the heap (after a
// forced GC), the RSS and the part of the RSS that is V8's young generation; it exits 1 unless
// every reading after the first stays within 5% of the first (a leak would grow steadily), for
// the heap and for the RSS outside the young generation. V8 sizes its young generation (a
// nursery emptied at every GC) as it sees fit, by tens of MB, and no flag held it still
// (--min/max-semi-space-size=16 read 32 MB, then 16 MB); raw RSS moved with it (one run at 16
// kHz stepped from 82.7 to 90.7 MB at 30 minutes, its heap at 5.2 MB throughout). Not part of
// CI: an hour of audio takes about 15 minutes per rate on a quiet 2-core machine.
import { getHeapSpaceStatistics } from 'node:v8';
import { createDecoder, createEncoder } from '../src/codec/stream.js';
import { flag, haveShared, importInMemory, intOption, option, readLyraFiles } from './common.js';
import { mulberry32 } from '../src/util/prng.js';

const args = process.argv.slice(2);
const minutes = intOption(args, '--minutes', 60);
const every = intOption(args, '--every', 5);
const rates = (option(args, '--rates') ?? '16000,48000').split(',').map(Number);
const loss = Number(option(args, '--loss') ?? 0.05);
const seed = intOption(args, '--seed', 12);
const TOLERANCE = 0.05;

if (!haveShared()) {
  console.error('soak: needs ../shared/lyra-v2 (the Lyra v2 .tflite files)');
  process.exit(1);
}
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc || flag(args, '--no-gc')) {
  console.error('soak: run with node --expose-gc (npm run soak does)');
  process.exit(1);
}
const { model } = await importInMemory(readLyraFiles());

let failed = false;
for (const rate of rates) {
  const random = mulberry32(seed + rate);
  const encoder = createEncoder({ model, bitrate: 6000, sampleRate: rate });
  const decoder = createDecoder({ model, sampleRate: rate });
  const total = minutes * 60 * rate;
  const reportEvery = every * 60 * rate;
  // Speech-like test signal: a gliding tone in a noise bed, amplitude-modulated at syllable rate.
  let phase = 0;
  const chunk = new Float32Array(8192);
  const readings: { minute: number; heapMB: number; rssMB: number }[] = [];
  let packets = 0;
  let lost = 0;
  let decodedSamples = 0;
  const started = performance.now();
  for (let fed = 0, nextReport = reportEvery; fed < total; ) {
    const n = Math.min(1 + Math.floor(random() * chunk.length), total - fed);
    for (let i = 0; i < n; i++) {
      const t = (fed + i) / rate;
      phase += (2 * Math.PI * (180 + 60 * Math.sin(2 * Math.PI * 0.3 * t))) / rate;
      const envelope = 0.5 + 0.5 * Math.sin(2 * Math.PI * 4 * t);
      chunk[i] = 0.3 * envelope * Math.sin(phase) + 0.02 * (random() - 0.5);
    }
    for (const packet of encoder.encode(chunk.subarray(0, n))) {
      packets++;
      const drop = random() < loss;
      if (drop) lost++;
      decodedSamples += decoder.decode(drop ? null : packet).length;
    }
    fed += n;
    if (fed >= nextReport) {
      gc();
      const m = process.memoryUsage();
      const youngMB =
        (getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.physical_space_size ?? 0) /
        2 ** 20;
      const reading = {
        minute: Math.round(fed / rate / 60),
        heapMB: m.heapUsed / 2 ** 20,
        rssMB: m.rss / 2 ** 20 - youngMB,
      };
      readings.push(reading);
      console.log(
        `${rate} Hz, ${reading.minute} min of audio: heap ${reading.heapMB.toFixed(1)} MB, RSS ${(m.rss / 2 ** 20).toFixed(1)} MB ` +
          `of which young generation ${youngMB.toFixed(1)} MB (the rest ${reading.rssMB.toFixed(1)} MB), V8 heap committed ${(m.heapTotal / 2 ** 20).toFixed(1)} MB, ` +
          `array buffers ${(m.arrayBuffers / 2 ** 20).toFixed(1)} MB, other external ${((m.external - m.arrayBuffers) / 2 ** 20).toFixed(1)} MB ` +
          `(${packets} packets, ${lost} lost, ${((performance.now() - started) / 1000).toFixed(0)} s)`,
      );
      nextReport += reportEvery;
    }
  }
  encoder.flush();
  decoder.flush();
  const [first, ...rest] = readings;
  const drift = (key: 'heapMB' | 'rssMB') => Math.max(0, ...rest.map((r) => Math.abs(r[key] / first[key] - 1)));
  const heapDrift = drift('heapMB');
  const rssDrift = drift('rssMB');
  const flat = heapDrift <= TOLERANCE && rssDrift <= TOLERANCE;
  failed ||= !flat;
  console.log(
    `${rate} Hz: ${minutes} min of audio, ${packets} packets (${lost} lost), ${(decodedSamples / rate / 60).toFixed(1)} min decoded; ` +
      `largest change from the first reading: heap ${(100 * heapDrift).toFixed(1)}%, RSS outside the young generation ${(100 * rssDrift).toFixed(1)}% -> ${flat ? 'flat' : 'NOT flat'} (limit ${100 * TOLERANCE}%)`,
  );
}
process.exit(failed ? 1 : 0);

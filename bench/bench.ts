// npm run bench [-- --quick] [-- --out <file.json>] [-- --reps N] [-- --heap-frames N]
//
// Our engine against Google's reference runtime (TFLite compiled to WASM, single thread), in one
// Node process, on one thread, on the same frames of ../shared/audio/sample1_16kHz.wav:
//   - streaming (one call per 20 ms frame) and batch (the whole file in one call) timings of the
//     encoder (int8 and float, each with exact and fast float arithmetic), the quantizer at 16/30/46 stages and the dequantizer, the decoder
//     (likewise), and the reference's encoder, quantizer and decoder (streaming only: its
//     models take exactly one frame per call);
//   - steady-state heap growth over many encode+decode frames with preallocated outputs;
//   - time and GMAC/s per layer type, measured layer by layer inside the real pipeline.
// Writes the numbers to JSON and a markdown table beside it (default bench/results.{json,md}).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Decoder } from '../src/codec/decoder.js';
import { Encoder } from '../src/codec/encoder.js';
import { Quantizer } from '../src/codec/quantizer.js';
import type { Model } from '../src/model/load.js';
import { swapSubgraphs } from '../test/reference/reorder-subgraphs.js';
import {
  flag,
  fmt,
  haveShared,
  importInMemory,
  intOption,
  machineInfo,
  markdownTable,
  option,
  readLyraFiles,
  repoRoot,
  slope,
  speechFrames,
  summarize,
  type Summary,
} from './common.js';
import { measureCeiling } from './ceiling.js';
import {
  computeOptions,
  graphSpec,
  inputSteps,
  LayerByLayer,
  type LayerReport,
  layerReport,
  layerTypeTable,
  MODES,
  type Mode,
  timeLayers,
} from './layers.js';
import { createReferenceRunner, type FrameRunner } from './reference.js';
import type { TfliteWebBuild } from '../test/reference/tflite-web.js';

const FRAME_MS = 20;
const STAGES = [16, 30, 46] as const;
const BUILDS: TfliteWebBuild[] = ['plain', 'simd'];
/** Wall-clock budget for the repeated passes; fewer repetitions are made past it (always at least 3, 1 with --quick). */
const REPS_BUDGET_MS = 120_000;

const args = process.argv.slice(2);
const quick = flag(args, '--quick');
const requestedReps = intOption(args, '--reps', quick ? 1 : 7);
const heapFrames = intOption(args, '--heap-frames', quick ? 200 : 10_000);
const heapEvery = quick ? 50 : 1000;
const outJson =
  option(args, '--out') ??
  (quick ? join(repoRoot(), 'dist', 'bench', 'results-quick.json') : join(repoRoot(), 'bench', 'results.json'));
const outMd = `${outJson.replace(/\.json$/i, '')}.md`;

const log = (line: string) => process.stdout.write(`${line}\n`);
const gc = (globalThis as { gc?: () => void }).gc;
const collect = () => {
  if (gc) {
    gc();
    gc();
  }
};

if (!haveShared()) {
  console.error(
    'bench: ../shared/lyra-v2/*.tflite or ../shared/audio/sample1_16kHz.wav is missing; nothing to measure.',
  );
  process.exit(2);
}

// ---- set-up ------------------------------------------------------------------------------------

const machine = machineInfo();
log(`soundstream-ts bench${quick ? ' (--quick)' : ''}`);
log(
  `CPU: ${machine.cpu} (${machine.logicalCpus} logical), Node ${machine.node} (V8 ${machine.v8}), ${machine.platform}, ${machine.date}`,
);
log(
  `single thread: our engine is plain JS on the main thread; the reference runs with numThreads 1. global.gc ${gc ? 'exposed' : 'NOT exposed (run node with --expose-gc)'}`,
);

const t0 = performance.now();
const files = readLyraFiles();
const { model } = await importInMemory(files);
const importMs = performance.now() - t0;
const FRAME = model.manifest.frameSize;
const DIM = model.manifest.embeddingDim;
const speech = speechFrames(FRAME);
const frames = quick ? Math.min(5, speech.frames) : speech.frames;
const audio = speech.samples.subarray(0, frames * FRAME);
const audioMs = frames * FRAME_MS;
log(
  `input: sample1_16kHz.wav, ${frames} frames of ${FRAME} samples (${audioMs} ms of audio); model imported in memory in ${importMs.toFixed(0)} ms`,
);

const quantizer = new Quantizer(model);
const NUM_Q = quantizer.numQuantizers;
// Real embeddings of the file (our int8 encoder), and their indices at each bitrate: the inputs
// of the quantizer and decoder cases, ours and the reference's alike.
const embeddings = new Encoder(model).encode(audio);
const indices = new Map<number, Int32Array>(STAGES.map((q) => [q, quantizer.quantize(embeddings, q)]));
/** The reference dequantizer takes all 46 stages per frame, -1 for a stage not sent. */
const paddedIndices = new Map<number, Int32Array>(
  STAGES.map((q) => {
    const padded = new Int32Array(frames * NUM_Q).fill(-1);
    for (let t = 0; t < frames; t++) padded.set(indices.get(q)!.subarray(t * q, (t + 1) * q), t * NUM_Q);
    return [q, padded];
  }),
);

// ---- the cases ---------------------------------------------------------------------------------

interface Case {
  name: string;
  /** Before each pass over the file. */
  reset(): void;
  /** One 20 ms frame. */
  frame(t: number): void;
  /** The whole file in one call (absent for the reference). */
  batch?: () => void;
}

function ourCases(m: Model): Case[] {
  const cases: Case[] = [];
  const embOut = new Float32Array(DIM);
  const audioOut = new Float32Array(FRAME);
  for (const mode of MODES) {
    const enc = new Encoder(m, computeOptions(mode));
    cases.push({
      name: `encoder ${mode}`,
      reset: () => enc.reset(),
      frame: (t) => enc.encodeFrame(audio.subarray(t * FRAME, (t + 1) * FRAME), embOut),
      batch: () => enc.encode(audio),
    });
  }
  for (const q of STAGES) {
    const idx = indices.get(q)!;
    const idxOut = new Int32Array(q);
    const idxAllOut = new Int32Array(frames * q);
    cases.push({
      name: `quantize ${q}`,
      reset: () => {},
      frame: (t) => quantizer.quantize(embeddings.subarray(t * DIM, (t + 1) * DIM), q, idxOut),
      batch: () => quantizer.quantize(embeddings, q, idxAllOut),
    });
    const embAllOut = new Float32Array(frames * DIM);
    cases.push({
      name: `dequantize ${q}`,
      reset: () => {},
      frame: (t) => quantizer.dequantize(idx.subarray(t * q, (t + 1) * q), q, embOut),
      batch: () => quantizer.dequantize(idx, q, embAllOut),
    });
  }
  for (const mode of MODES) {
    const dec = new Decoder(m, computeOptions(mode));
    cases.push({
      name: `decoder ${mode}`,
      reset: () => dec.reset(),
      frame: (t) => dec.decodeFrame(embeddings.subarray(t * DIM, (t + 1) * DIM), audioOut),
      batch: () => dec.decode(embeddings),
    });
  }
  return cases;
}

async function referenceCases(build: TfliteWebBuild): Promise<Case[]> {
  const cases: Case[] = [];
  const enc: FrameRunner = await createReferenceRunner(build, files.encoder);
  cases.push({
    name: `reference ${build} encoder`,
    reset: () => {},
    frame: (t) => enc.run(audio.subarray(t * FRAME, (t + 1) * FRAME)),
  });
  // The quantizer's first subgraph is `decode`; a copy with `encode` first runs the quantizer.
  const quant = await createReferenceRunner(build, swapSubgraphs(files.quantizer));
  const dequant = await createReferenceRunner(build, files.quantizer);
  for (const q of STAGES) {
    const stages = new Int32Array([q]);
    const padded = paddedIndices.get(q)!;
    cases.push({
      name: `reference ${build} quantize ${q}`,
      reset: () => {},
      frame: (t) => quant.run(stages, embeddings.subarray(t * DIM, (t + 1) * DIM)),
    });
    cases.push({
      name: `reference ${build} dequantize ${q}`,
      reset: () => {},
      frame: (t) => dequant.run(padded.subarray(t * NUM_Q, (t + 1) * NUM_Q)),
    });
  }
  const dec = await createReferenceRunner(build, files.decoder);
  cases.push({
    name: `reference ${build} decoder`,
    reset: () => {},
    frame: (t) => dec.run(embeddings.subarray(t * DIM, (t + 1) * DIM)),
  });
  return cases;
}

const cases: Case[] = [...ourCases(model)];
for (const build of BUILDS) cases.push(...(await referenceCases(build)));

// ---- timing ------------------------------------------------------------------------------------

interface Samples {
  /** ms of every streaming call, all repetitions. */
  perFrame: number[];
  /** ms of each streaming pass over the file. */
  streamPass: number[];
  /** ms of each batch call (whole file). */
  batchPass: number[];
}
const samples = new Map<string, Samples>(cases.map((c) => [c.name, { perFrame: [], streamPass: [], batchPass: [] }]));

function streamingPass(c: Case, record: boolean): void {
  c.reset();
  const s = samples.get(c.name)!;
  let total = 0;
  for (let t = 0; t < frames; t++) {
    const a = performance.now();
    c.frame(t);
    const ms = performance.now() - a;
    total += ms;
    if (record) s.perFrame.push(ms);
  }
  if (record) s.streamPass.push(total);
}

function batchPass(c: Case, record: boolean): void {
  if (!c.batch) return;
  c.reset();
  const a = performance.now();
  c.batch();
  const ms = performance.now() - a;
  if (record) samples.get(c.name)!.batchPass.push(ms);
}

// Warm-up: every case once, both ways (JIT tiers, buffers grown to the whole file).
const tWarm = performance.now();
for (const c of cases) {
  streamingPass(c, false);
  batchPass(c, false);
}
log(`warm-up pass over every case: ${((performance.now() - tWarm) / 1000).toFixed(1)} s`);

// Repetitions interleave all cases, so that a disturbance of the machine hits ours and the reference alike.
let reps = requestedReps;
const tReps = performance.now();
for (let r = 0; r < reps; r++) {
  const tRep = performance.now();
  for (const c of cases) {
    collect();
    streamingPass(c, true);
    batchPass(c, true);
  }
  const repMs = performance.now() - tRep;
  if (r === 0 && !quick) {
    const affordable = Math.max(3, Math.floor(REPS_BUDGET_MS / repMs));
    if (affordable < reps) {
      log(
        `one repetition took ${(repMs / 1000).toFixed(1)} s: making ${affordable} repetitions instead of ${reps} to stay within the time budget`,
      );
      reps = affordable;
    }
  }
  log(`repetition ${r + 1}/${reps}: ${(repMs / 1000).toFixed(1)} s`);
}
const repsMs = performance.now() - tReps;

interface StageResult {
  streaming: Summary & { rtfMin: number; rtfMedian: number };
  batch?: { msPerFrameMin: number; msPerFrameMedian: number; rtfMin: number; rtfMedian: number };
}

function stageResult(name: string): StageResult {
  const s = samples.get(name)!;
  const pass = summarize(s.streamPass);
  const result: StageResult = {
    streaming: { ...summarize(s.perFrame), rtfMin: pass.min / audioMs, rtfMedian: pass.median / audioMs },
  };
  if (s.batchPass.length > 0) {
    const b = summarize(s.batchPass);
    result.batch = {
      msPerFrameMin: b.min / frames,
      msPerFrameMedian: b.median / frames,
      rtfMin: b.min / audioMs,
      rtfMedian: b.median / audioMs,
    };
  }
  return result;
}

const ours: Record<string, StageResult> = {};
for (const c of cases) if (!c.name.startsWith('reference ')) ours[c.name] = stageResult(c.name);
const reference: Record<string, Record<string, StageResult>> = {};
for (const build of BUILDS) {
  reference[build] = {};
  for (const c of cases)
    if (c.name.startsWith(`reference ${build} `))
      reference[build][c.name.slice(`reference ${build} `.length)] = stageResult(c.name);
}

const med = (r: StageResult | undefined) => r?.streaming.median ?? NaN;
const min = (r: StageResult | undefined) => r?.streaming.min ?? NaN;
const ratios: Record<string, number> = {};
for (const build of BUILDS) {
  const ref = reference[build];
  ratios[`encoder int8 / reference ${build}`] = med(ours['encoder int8']) / med(ref.encoder);
  ratios[`decoder int8 / reference ${build}`] = med(ours['decoder int8']) / med(ref.decoder);
  ratios[`encoder+decoder int8 / reference ${build}`] =
    (med(ours['encoder int8']) + med(ours['decoder int8'])) / (med(ref.encoder) + med(ref.decoder));
  for (const mode of MODES.slice(1)) {
    ratios[`encoder+decoder ${mode} / reference ${build}`] =
      (med(ours[`encoder ${mode}`]) + med(ours[`decoder ${mode}`])) / (med(ref.encoder) + med(ref.decoder));
  }
  for (const q of STAGES)
    ratios[`quantize ${q} / reference ${build}`] = med(ours[`quantize ${q}`]) / med(ref[`quantize ${q}`]);
  // The same by the fastest frame of each: the least disturbed by the rest of the machine.
  ratios[`encoder+decoder int8 / reference ${build} (min ms/frame)`] =
    (min(ours['encoder int8']) + min(ours['decoder int8'])) / (min(ref.encoder) + min(ref.decoder));
}

// ---- per layer type ----------------------------------------------------------------------------

const tLayers = performance.now();
const layers: Record<string, LayerReport> = {};
for (const which of ['encoder', 'decoder'] as const) {
  for (const mode of MODES) {
    const graph = new LayerByLayer(
      graphSpec(model, which, mode),
      model.weights,
      inputSteps(model, which),
      computeOptions(mode).precision,
    );
    const nodeMs = timeLayers(graph, which === 'encoder' ? audio : embeddings, frames, {
      passes: quick ? 1 : 3,
      warmup: quick ? 0 : 1,
      beforePass: collect,
    });
    const key = `${which} ${mode}`;
    layers[key] = layerReport(graph.nodes, nodeMs, med(ours[key]));
  }
}
const layersMs = performance.now() - tLayers;
log(`layer-by-layer timing: ${(layersMs / 1000).toFixed(1)} s`);

// ---- steady-state heap -------------------------------------------------------------------------

const tHeap = performance.now();
const heapEncoder = new Encoder(model);
const heapDecoder = new Decoder(model);
const heapEmb = new Float32Array(DIM);
const heapAudio = new Float32Array(FRAME);
const heapStep = (t: number) => {
  const f = t % frames;
  heapEncoder.encodeFrame(audio.subarray(f * FRAME, (f + 1) * FRAME), heapEmb);
  heapDecoder.decodeFrame(heapEmb, heapAudio);
};
for (let t = 0; t < Math.min(100, heapFrames); t++) heapStep(t); // first calls grow nothing later calls need
collect();
const heapSamples: { afterFrames: number; heapUsedBytes: number }[] = [];
for (let t = 1; t <= heapFrames; t++) {
  heapStep(t);
  if (t % heapEvery === 0 || t === heapFrames) {
    collect();
    heapSamples.push({ afterFrames: t, heapUsedBytes: process.memoryUsage().heapUsed });
  }
}
const heapSlope = slope(
  heapSamples.map((s) => s.afterFrames),
  heapSamples.map((s) => s.heapUsedBytes),
);
const heapMs = performance.now() - tHeap;
const heap = {
  frames: heapFrames,
  sampleEvery: heapEvery,
  forcedGc: gc !== undefined,
  samples: heapSamples,
  /** Least-squares slope of heapUsed against frames (may be negative or zero: it is noise around 0 when nothing leaks). */
  slopeBytesPerFrame: heapSlope,
  growthBytes:
    heapSamples.length > 0 ? heapSamples[heapSamples.length - 1].heapUsedBytes - heapSamples[0].heapUsedBytes : NaN,
  seconds: heapMs / 1000,
};
log(
  `heap check: ${heapFrames} encode+decode frames in ${(heapMs / 1000).toFixed(1)} s, slope ${heapSlope.toFixed(3)} bytes/frame${gc ? '' : ' (no forced GC: noisy)'}`,
);

// ---- the machine's ceiling for scalar JavaScript ------------------------------------------------

const ceiling = measureCeiling(quick);
const modelMacsPerFrame = layers['encoder int8'].macsPerFrame + layers['decoder int8'].macsPerFrame;
/** The RTF of encoder + decoder if every MAC ran at `gmacPerS` and nothing else took any time. */
const rtfFloor = (gmacPerS: number) => (modelMacsPerFrame * (1000 / FRAME_MS)) / (gmacPerS * 1e9);

// ---- report ------------------------------------------------------------------------------------

const results = {
  schema: 'soundstream-ts/bench-results',
  version: 1,
  machine,
  settings: {
    quick,
    input: 'sample1_16kHz.wav',
    frames,
    frameMs: FRAME_MS,
    audioMs,
    repetitions: reps,
    warmupPasses: 1,
    singleThread: true,
    referenceBuilds: {
      plain: 'tflite_web_api_cc.wasm (test/reference/runtime.ts ReferenceRunner)',
      simd: 'tflite_web_api_cc_simd.wasm',
    },
    referenceBatch: 'none: the reference models take exactly one 20 ms frame per call',
  },
  timingsMs: {
    modelImport: importMs,
    repetitions: repsMs,
    layers: layersMs,
    heap: heapMs,
    total: performance.now() - t0,
  },
  ours,
  reference,
  ratios,
  layers,
  heap,
  ceiling: {
    ...ceiling,
    modelMacsPerFrame,
    rtfFloorAtRegisterRate: rtfFloor(ceiling.registerGmacPerS),
    rtfFloorAtKernelRate: rtfFloor(ceiling.kernelGmacPerS),
  },
};

const row = (label: string, ourName: string, refName: string | null): string[] => {
  const o = ours[ourName];
  const rp = refName ? reference.plain[refName] : undefined;
  const rs = refName ? reference.simd[refName] : undefined;
  return [
    label,
    fmt(o.streaming.min),
    fmt(o.streaming.median),
    fmt(o.streaming.rtfMedian),
    fmt(o.batch?.rtfMedian),
    fmt(med(rp)),
    fmt(med(rs)),
    rp ? fmt(o.streaming.median / med(rp)) : '—',
    rs ? fmt(o.streaming.median / med(rs)) : '—',
  ];
};
const sumRow = (label: string, mode: Mode): string[] => {
  const e = ours[`encoder ${mode}`];
  const d = ours[`decoder ${mode}`];
  const refP = med(reference.plain.encoder) + med(reference.plain.decoder);
  const refS = med(reference.simd.encoder) + med(reference.simd.decoder);
  const ourMed = e.streaming.median + d.streaming.median;
  return [
    label,
    fmt(e.streaming.min + d.streaming.min),
    fmt(ourMed),
    fmt(e.streaming.rtfMedian + d.streaming.rtfMedian),
    fmt((e.batch?.rtfMedian ?? NaN) + (d.batch?.rtfMedian ?? NaN)),
    fmt(refP),
    fmt(refS),
    fmt(ourMed / refP),
    fmt(ourMed / refS),
  ];
};
const mainTable = markdownTable(
  [
    'stage',
    'min ms/frame',
    'median ms/frame',
    'RTF',
    'batch RTF',
    'reference ms/frame',
    'reference SIMD ms/frame',
    'ours/reference',
    'ours/reference SIMD',
  ],
  [
    row('encoder (int8)', 'encoder int8', 'encoder'),
    row('encoder (float)', 'encoder float', 'encoder'),
    row('encoder (int8, fast float)', 'encoder int8 fast', 'encoder'),
    row('encoder (float, fast)', 'encoder float fast', 'encoder'),
    ...STAGES.map((q) =>
      row(`quantizer ${q} (${q === 16 ? '3.2' : q === 30 ? '6' : '9.2'} kbps)`, `quantize ${q}`, `quantize ${q}`),
    ),
    ...STAGES.map((q) => row(`dequantizer ${q}`, `dequantize ${q}`, `dequantize ${q}`)),
    row('decoder (int8)', 'decoder int8', 'decoder'),
    row('decoder (float)', 'decoder float', 'decoder'),
    row('decoder (int8, fast float)', 'decoder int8 fast', 'decoder'),
    row('decoder (float, fast)', 'decoder float fast', 'decoder'),
    sumRow('**encoder + decoder (int8)**', 'int8'),
    sumRow('encoder + decoder (float)', 'float'),
    sumRow('encoder + decoder (int8, fast float)', 'int8 fast'),
    sumRow('encoder + decoder (float, fast)', 'float fast'),
  ],
);
const layerTables = Object.entries(layers).map(([key, rep]) => layerTypeTable(key, rep));

const md = [
  `Measured ${machine.date.slice(0, 10)} on ${machine.cpu} (${machine.logicalCpus} logical CPUs), Node ${machine.node}, one thread, ` +
    `${frames} frames of sample1_16kHz.wav (${(audioMs / 1000).toFixed(2)} s), ${reps} repetitions after a warm-up pass` +
    `${quick ? ' (--quick: a smoke run, not a measurement)' : ''}. ` +
    'ms/frame: time of one streaming call (one 20 ms frame), min and median over all frames of all repetitions. ' +
    'RTF: compute time / audio duration, median over repetitions (streaming: the sum of the per-frame calls). ' +
    "Batch: the whole file in one call. Reference: Google's TFLite runtime compiled to WASM (@tensorflow/tfjs-tflite), " +
    'non-SIMD build (tflite_web_api_cc.wasm) and SIMD build, streaming only (its models take one frame per call), median ms/frame. ' +
    'ours/reference < 1 means we are faster.',
  '',
  mainTable,
  '',
  `Encoder + decoder (int8), streaming, ours / reference: ${fmt(ratios['encoder+decoder int8 / reference plain'])} by the median frame, ` +
    `${fmt(ratios['encoder+decoder int8 / reference plain (min ms/frame)'])} by the fastest frame of each ` +
    `(${fmt(min(ours['encoder int8']) + min(ours['decoder int8']))} vs ${fmt(min(reference.plain.encoder) + min(reference.plain.decoder))} ms); ` +
    `against the SIMD build ${fmt(ratios['encoder+decoder int8 / reference simd'])} and ${fmt(ratios['encoder+decoder int8 / reference simd (min ms/frame)'])}.`,
  '',
  `Steady-state heap over ${heapFrames} encode+decode frames (int8, preallocated outputs${gc ? ', forced GC before each sample' : ', no forced GC'}): ` +
    `slope ${fmt(heapSlope)} bytes/frame; heapUsed ${heapSamples.map((s) => (s.heapUsedBytes / 1048576).toFixed(2)).join(', ')} MiB every ${heapEvery} frames.`,
  '',
  `Ceiling of scalar JavaScript on this machine (bench/ceiling.ts): float64 multiply-adds on operands held in registers ` +
    `run at ${fmt(ceiling.registerGmacPerS)} GMAC/s; our fastest convolution kernel (conv1dFast, cache-resident 128 -> 128 1x1) at ` +
    `${fmt(ceiling.kernelGmacPerS)} GMAC/s. Encoder + decoder cost ${fmt(modelMacsPerFrame / 1e6)} MMAC per 20 ms frame, so even with every ` +
    `MAC at the kernel's rate and nothing else taking time, their RTF could not go below ${fmt(rtfFloor(ceiling.kernelGmacPerS))} ` +
    `(${fmt(rtfFloor(ceiling.registerGmacPerS))} at the register-only rate).`,
  '',
  'Per layer type: each layer timed on its own inside the pipeline (the same layer classes, real weights, real activations), ' +
    'per layer the median over the frames of a pass and the lowest of those over 3 passes; MACs per 20 ms frame; GMAC/s = MACs / time:',
  '',
  ...layerTables.flatMap((t) => [t, '']),
].join('\n');

mkdirSync(dirname(outJson), { recursive: true });
writeFileSync(outJson, `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(outMd, md);
log('');
log(md);
log(`wrote ${outJson} and ${outMd}; total ${((performance.now() - t0) / 1000).toFixed(1)} s`);

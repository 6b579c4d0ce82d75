// The browser benchmark page (bundled by bench/browser.ts for the browser; not part of the library).
// It loads our weights (manifest.json + model.bin, made in memory by the Node side), the speech
// samples and, when it can, Google's TFLite Web runtime (the same WASM builds the Node bench
// uses), then times streaming encoder + decoder, one 20 ms frame per call, on the main thread,
// and each layer of the graphs on its own (bench/layers.ts, as `npm run bench` does in Node).
// The same page runs in Chromium, Firefox and WebKit.
import { Decoder } from '../src/codec/decoder.js';
import { Encoder } from '../src/codec/encoder.js';
import { loadModelFromBytes, type Model } from '../src/model/load.js';
import { computeOptions, graphSpec, inputSteps, LayerByLayer, type Mode, timeLayers } from './layers.js';
import { median } from './numbers.js';
import {
  TFLITE_WEB_BUILDS,
  type TfliteWebBuild,
  type TfliteWebFactory,
  TfliteWebRunner,
} from '../test/reference/tflite-web.js';

export interface EngineTiming {
  passes: number;
  /** Encoder + decoder of one frame, over all frames of all passes. */
  frameMinMs: number;
  frameMedianMs: number;
  encoderMedianMs: number;
  decoderMedianMs: number;
  /** Compute time of a whole pass / audio duration, median over passes. */
  rtfMedian: number;
}

export interface PageInfo {
  userAgent: string;
  hardwareConcurrency: number;
  crossOriginIsolated: boolean;
  frames: number;
  /** Smallest step of performance.now() seen (coarse clocks make short layers' medians coarse too). */
  timerResolutionMs: number;
  /** Whether the browser validates a WebAssembly module with a SIMD instruction. */
  wasmSimd: boolean;
  engines: string[];
  /** Engines that could not be set up, and why. */
  unavailable: Record<string, string>;
}

interface Engine {
  reset(): void;
  encode(frame: Float32Array): Float32Array;
  decode(embedding: Float32Array): void;
}

const FRAME = 320;
const FRAME_MS = 20;

async function bytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Loads a classic script (the Emscripten factory defines a global). */
function loadScript(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = url;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error(`could not load ${url}`));
    document.head.appendChild(script);
  });
}

async function referenceEngine(
  build: TfliteWebBuild,
  encoderModel: Uint8Array,
  decoderModel: Uint8Array,
): Promise<Engine> {
  const files = TFLITE_WEB_BUILDS[build];
  await loadScript(`/tflite/${files.js}`);
  const g = globalThis as { tflite_web_api_ModuleFactory?: TfliteWebFactory };
  const factory = g.tflite_web_api_ModuleFactory;
  if (!factory) throw new Error(`${files.js} defined no tflite_web_api_ModuleFactory`);
  g.tflite_web_api_ModuleFactory = undefined; // the next build's script defines it again (a `var`: it cannot be deleted)
  const wasm = await factory({ wasmBinary: await bytes(`/tflite/${files.wasm}`), print: () => {}, printErr: () => {} });
  const enc = TfliteWebRunner.create(wasm, encoderModel);
  const dec = TfliteWebRunner.create(wasm, decoderModel);
  return {
    reset: () => {}, // its state lives in the interpreter; the cost per frame does not depend on it
    encode: (frame) => enc.run(frame)[0] as Float32Array,
    decode: (embedding) => void dec.run(embedding),
  };
}

/** The smallest nonzero step of performance.now() over a few dozen ticks. */
function timerResolution(): number {
  let smallest = Infinity;
  for (let tick = 0; tick < 50; tick++) {
    const start = performance.now();
    let now = start;
    while (now === start) now = performance.now();
    smallest = Math.min(smallest, now - start);
  }
  return smallest;
}

/** A module whose one function returns i32x4.splat(0): valid only where WASM SIMD is. */
const SIMD_PROBE = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00, // header
  0x01,
  0x05,
  0x01,
  0x60,
  0x00,
  0x01,
  0x7b, // type: () -> v128
  0x03,
  0x02,
  0x01,
  0x00, // one function of that type
  0x0a,
  0x08,
  0x01,
  0x06,
  0x00,
  0x41,
  0x00,
  0xfd,
  0x11,
  0x0b, // i32.const 0; i32x4.splat; end
]);

const engines = new Map<string, Engine>();
const unavailable: Record<string, string> = {};
let samples: Float32Array = new Float32Array(0);
let model: Model | undefined;
const timerStep = timerResolution();

async function setup(): Promise<PageInfo> {
  const [manifestText, blob, pcm] = await Promise.all([
    fetch('/manifest.json').then((r) => r.text()),
    bytes('/model.bin'),
    bytes('/samples.f32'),
  ]);
  samples = new Float32Array(pcm.buffer, pcm.byteOffset, pcm.byteLength / 4);
  model = await loadModelFromBytes(manifestText, blob, 'served lyra-v2');
  for (const mode of ['int8', 'float'] as const) {
    const enc = new Encoder(model, { mode });
    const dec = new Decoder(model, { mode });
    const embedding = new Float32Array(enc.embeddingDim);
    const audio = new Float32Array(dec.frameSize);
    engines.set(`ours ${mode}`, {
      reset: () => {
        enc.reset();
        dec.reset();
      },
      encode: (frame) => enc.encodeFrame(frame, embedding),
      decode: (e) => void dec.decodeFrame(e, audio),
    });
  }
  try {
    const [encoderModel, decoderModel] = await Promise.all([
      bytes('/lyra/soundstream_encoder.tflite'),
      bytes('/lyra/lyragan.tflite'),
    ]);
    for (const build of ['plain', 'simd'] as TfliteWebBuild[]) {
      try {
        engines.set(`reference ${build}`, await referenceEngine(build, encoderModel, decoderModel));
      } catch (err) {
        unavailable[`reference ${build}`] = String(err);
      }
    }
  } catch (err) {
    unavailable.reference = String(err);
  }
  return {
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    frames: samples.length / FRAME,
    timerResolutionMs: timerStep,
    wasmSimd: typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE),
    engines: [...engines.keys()],
    unavailable,
  };
}

const yieldToBrowser = () => new Promise((resolve) => setTimeout(resolve, 0));

/** `warmup` untimed passes, then `passes` timed ones, of every engine (interleaved pass by pass). */
async function run(options: {
  passes: number;
  warmup: number;
  frames?: number;
}): Promise<Record<string, EngineTiming>> {
  const frames = Math.min(options.frames ?? Infinity, samples.length / FRAME);
  const perEngine = new Map(
    [...engines.keys()].map((k) => [
      k,
      { frame: [] as number[], enc: [] as number[], dec: [] as number[], pass: [] as number[] },
    ]),
  );
  for (let p = 0; p < options.warmup + options.passes; p++) {
    for (const [name, engine] of engines) {
      const record = p >= options.warmup;
      const s = perEngine.get(name)!;
      engine.reset();
      let total = 0;
      for (let t = 0; t < frames; t++) {
        const a = performance.now();
        const embedding = engine.encode(samples.subarray(t * FRAME, (t + 1) * FRAME));
        const b = performance.now();
        engine.decode(embedding);
        const c = performance.now();
        total += c - a;
        if (record) {
          s.frame.push(c - a);
          s.enc.push(b - a);
          s.dec.push(c - b);
        }
      }
      if (record) s.pass.push(total);
      await yieldToBrowser();
    }
  }
  const out: Record<string, EngineTiming> = {};
  for (const [name, s] of perEngine) {
    out[name] = {
      passes: options.passes,
      frameMinMs: Math.min(...s.frame),
      frameMedianMs: median(s.frame),
      encoderMedianMs: median(s.enc),
      decoderMedianMs: median(s.dec),
      rtfMedian: median(s.pass) / (frames * FRAME_MS),
    };
  }
  return out;
}

export interface LayerTiming {
  /** Per graph node, in graph order: ms per frame (bench/layers.ts timeLayers). */
  nodeMs: number[];
  /** What sums up a layer's frames: the mean where the clock is coarser than 1 µs (see timeLayers). */
  statistic: 'median' | 'mean';
  /** The whole Encoder/Decoder call in the same mode, median ms per frame, timed before each layer pass. */
  graphMsPerFrame: number;
}

let embeddings: Float32Array | undefined;

/** Every layer of the encoder or decoder graph in `mode`, timed on its own over the file, as `npm run bench` does. */
function layers(options: {
  which: 'encoder' | 'decoder';
  mode: Mode;
  passes: number;
  warmup: number;
  frames?: number;
}): LayerTiming {
  if (!model) throw new Error('layers() before the page was ready');
  const m = model;
  const frames = Math.min(options.frames ?? Infinity, samples.length / FRAME);
  // The decoder's input: what our int8 encoder makes of the file, as in Node.
  embeddings ??= new Encoder(m).encode(samples);
  const compute = computeOptions(options.mode);
  const graph = new LayerByLayer(
    graphSpec(m, options.which, options.mode),
    m.weights,
    inputSteps(m, options.which),
    compute.precision,
  );
  const input = options.which === 'encoder' ? samples : embeddings;
  const size = graph.inputSize;
  const whole =
    options.which === 'encoder'
      ? (() => {
          const enc = new Encoder(m, compute);
          const out = new Float32Array(enc.embeddingDim);
          return { reset: () => enc.reset(), frame: (x: Float32Array) => void enc.encodeFrame(x, out) };
        })()
      : (() => {
          const dec = new Decoder(m, compute);
          const out = new Float32Array(dec.frameSize);
          return { reset: () => dec.reset(), frame: (x: Float32Array) => void dec.decodeFrame(x, out) };
        })();
  const graphTimes: number[] = [];
  const statistic = timerStep > 0.001 ? 'mean' : 'median';
  const nodeMs = timeLayers(graph, input, frames, {
    passes: options.passes,
    warmup: options.warmup,
    statistic,
    // The whole graph pass by pass with the layers, so that both see the same state of the machine.
    beforePass: (pass) => {
      whole.reset();
      for (let t = 0; t < frames; t++) {
        const start = performance.now();
        whole.frame(input.subarray(t * size, (t + 1) * size));
        if (pass >= options.warmup) graphTimes.push(performance.now() - start);
      }
    },
  });
  return { nodeMs: [...nodeMs], statistic, graphMsPerFrame: median(graphTimes) };
}

/**
 * Lighthouse's "BenchmarkIndex" (the score Chrome DevTools' CPU-throttling calibration aims at:
 * 1000 for its "mid-tier mobile" preset, 264 for "low-tier mobile"): half the time building
 * 10,000-character strings one character at a time (allocation and GC), half the time copying a
 * 100,000-element array; each half scores rounds / 10 per second, the index is their mean.
 */
function benchmarkIndex(durationMs = 250): number {
  const half = durationMs / 2;
  let start = performance.now();
  let rounds = 0;
  while (performance.now() - start < half) {
    let text = '';
    for (let j = 0; j < 10_000; j++) text += 'a';
    if (text.length === 1) throw new Error('unreachable: keeps the loop from being optimised away');
    rounds++;
  }
  const withGc = Math.round(rounds / 10 / ((performance.now() - start) / 1000));
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < 100_000; i++) a[i] = b[i] = i;
  start = performance.now();
  rounds = 0;
  while (rounds % 10 !== 0 || performance.now() - start < half) {
    const [from, to] = rounds % 2 === 0 ? [a, b] : [b, a];
    for (let j = 0; j < from.length; j++) to[j] = from[j];
    rounds++;
  }
  const withoutGc = Math.round(rounds / 10 / ((performance.now() - start) / 1000));
  return (withGc + withoutGc) / 2;
}

const ready = setup();
(globalThis as { soundstreamBench?: unknown }).soundstreamBench = { ready: () => ready, run, layers, benchmarkIndex };

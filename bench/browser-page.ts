// The browser benchmark page (bundled by bench/browser.ts for the browser; not part of the library).
// It loads our weights (manifest.json + model.bin, made in memory by the Node side), the speech
// samples and, when it can, Google's TFLite Web runtime (the same WASM builds the Node bench
// uses), then times streaming encoder + decoder, one 20 ms frame per call, on the main thread.
import { Decoder } from '../src/codec/decoder.js';
import { Encoder } from '../src/codec/encoder.js';
import { loadModelFromBytes } from '../src/model/load.js';
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

const engines = new Map<string, Engine>();
const unavailable: Record<string, string> = {};
let samples: Float32Array = new Float32Array(0);

async function setup(): Promise<PageInfo> {
  const [manifestText, blob, pcm] = await Promise.all([
    fetch('/manifest.json').then((r) => r.text()),
    bytes('/model.bin'),
    bytes('/samples.f32'),
  ]);
  samples = new Float32Array(pcm.buffer, pcm.byteOffset, pcm.byteLength / 4);
  const model = await loadModelFromBytes(manifestText, blob, 'served lyra-v2');
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
    engines: [...engines.keys()],
    unavailable,
  };
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
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

(globalThis as { soundstreamBench?: unknown }).soundstreamBench = { ready: setup(), run, benchmarkIndex };

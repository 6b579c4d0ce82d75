// The reference runtime in Node. The non-SIMD build is test/reference/runtime.ts's ReferenceRunner
// (the yardstick of the parity tests); the SIMD build is loaded here the same way with the other
// file names and driven by the same calls (bench/tflite-web.ts).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ReferenceRunner } from '../test/reference/runtime.js';
import { TFLITE_WEB_BUILDS, type TfliteWebBuild, type TfliteWebFactory, type TfliteWebModule, TfliteWebRunner } from './tflite-web.js';

const require = createRequire(import.meta.url);

export function tfliteWasmDir(): string {
  return join(dirname(require.resolve('@tensorflow/tfjs-tflite/package.json')), 'wasm');
}

const modules = new Map<TfliteWebBuild, Promise<TfliteWebModule>>();

export function loadTfliteWeb(build: TfliteWebBuild): Promise<TfliteWebModule> {
  let loaded = modules.get(build);
  if (!loaded) {
    const files = TFLITE_WEB_BUILDS[build];
    const factory = require(join(tfliteWasmDir(), files.js)) as TfliteWebFactory;
    loaded = factory({ wasmBinary: readFileSync(join(tfliteWasmDir(), files.wasm)), print: () => {}, printErr: () => {} });
    modules.set(build, loaded);
  }
  return loaded;
}

/** Something that runs one frame of a .tflite model: `run(...inputs)` -> outputs. */
export interface FrameRunner {
  run(...inputs: ArrayLike<number>[]): ArrayLike<number>[];
  dispose(): void;
}

/** 'plain' -> ReferenceRunner (test/reference/runtime.ts); 'simd' -> the SIMD build through TfliteWebRunner. */
export async function createReferenceRunner(build: TfliteWebBuild, modelBytes: Uint8Array): Promise<FrameRunner> {
  if (build === 'plain') return ReferenceRunner.create(modelBytes);
  return TfliteWebRunner.create(await loadTfliteWeb(build), modelBytes);
}

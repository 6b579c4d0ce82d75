// Google's reference runtime (TFLite + XNNPACK compiled to WASM, from the npm package
// @tensorflow/tfjs-tflite) loaded in Node, for parity tests and benchmarks. Dev-only: the engine
// never imports this. The calls into the module are in tflite-web.ts, shared with the browser
// benchmark page.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  TFLITE_WEB_BUILDS,
  type TfliteWebBuild,
  type TfliteWebFactory,
  type TfliteWebModule,
  TfliteWebRunner,
} from './tflite-web.js';

const require = createRequire(import.meta.url);
const modules = new Map<TfliteWebBuild, Promise<TfliteWebModule>>();

export function tfliteWasmDir(): string {
  return join(dirname(require.resolve('@tensorflow/tfjs-tflite/package.json')), 'wasm');
}

/** One build of the module, loaded once per process. */
export function loadTfliteWeb(build: TfliteWebBuild): Promise<TfliteWebModule> {
  let loaded = modules.get(build);
  if (!loaded) {
    const files = TFLITE_WEB_BUILDS[build];
    const factory = require(join(tfliteWasmDir(), files.js)) as TfliteWebFactory;
    loaded = factory({
      wasmBinary: readFileSync(join(tfliteWasmDir(), files.wasm)),
      print: () => {},
      printErr: () => {},
    });
    modules.set(build, loaded);
  }
  return loaded;
}

/**
 * A stateful interpreter over a model's first subgraph, single-threaded. The yardstick is the
 * non-SIMD build ('plain'), as a page without SIMD or threads would run it.
 */
export const ReferenceRunner = {
  async create(modelBytes: Uint8Array, build: TfliteWebBuild = 'plain'): Promise<TfliteWebRunner> {
    return TfliteWebRunner.create(await loadTfliteWeb(build), modelBytes);
  },
};

// Google's reference runtime (TFLite + XNNPACK compiled to WASM, from the npm package
// @tensorflow/tfjs-tflite) driven from Node, for parity tests and benchmarks.
// Dev-only: the engine never imports this.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

interface TensorInfo {
  id: number;
  name: string;
  dataType: string;
  shape: string;
  data(): Float32Array | Int32Array | Int8Array | Uint8Array;
}
interface CppVector<T> {
  size(): number;
  get(i: number): T;
  delete(): void;
}
interface WebRunner {
  GetInputs(): CppVector<TensorInfo>;
  GetOutputs(): CppVector<TensorInfo>;
  Infer(): boolean;
  delete(): void;
}

function toArray<T>(vector: CppVector<T>): T[] {
  try {
    return Array.from({ length: vector.size() }, (_, i) => vector.get(i));
  } finally {
    vector.delete();
  }
}
interface StatusOr<T> {
  ok(): boolean;
  value(): T;
  errorMessage(): string;
}
interface TfWeb {
  HEAPU8: Uint8Array;
  _malloc(size: number): number;
  TFLiteWebModelRunner: {
    CreateFromBufferAndOptions(
      pointer: number,
      length: number,
      options: { numThreads: number; enableProfiling: boolean; maxProfilingBufferEntries: number },
    ): StatusOr<WebRunner>;
  };
}

let modulePromise: Promise<TfWeb> | null = null;

/** Loads the single-threaded, non-SIMD build, as a page without threads would. */
export function loadReferenceModule(): Promise<TfWeb> {
  if (!modulePromise) {
    const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-tflite/package.json')), 'wasm');
    const factory = require(join(wasmDir, 'tflite_web_api_cc.js')) as (m: object) => Promise<TfWeb>;
    const wasmBinary = readFileSync(join(wasmDir, 'tflite_web_api_cc.wasm'));
    modulePromise = factory({ wasmBinary, print: () => {}, printErr: () => {} });
  }
  return modulePromise;
}

export type RefArray = Float32Array | Int32Array | Int8Array | Uint8Array;

/** One stateful interpreter over one model's first subgraph. */
export class ReferenceRunner {
  private constructor(private readonly runner: WebRunner) {}

  static async create(modelBytes: Uint8Array): Promise<ReferenceRunner> {
    const wasm = await loadReferenceModule();
    // The interpreter keeps pointing into this copy for its whole life: it is never freed.
    const pointer = wasm._malloc(modelBytes.byteLength);
    wasm.HEAPU8.set(modelBytes, pointer);
    const created = wasm.TFLiteWebModelRunner.CreateFromBufferAndOptions(pointer, modelBytes.byteLength, {
      numThreads: 1,
      enableProfiling: false,
      maxProfilingBufferEntries: 1024,
    });
    if (!created.ok()) throw new Error(`reference runtime: ${created.errorMessage()}`);
    return new ReferenceRunner(created.value());
  }

  inputs(): { name: string; dataType: string; shape: string }[] {
    return toArray(this.runner.GetInputs()).map(({ name, dataType, shape }) => ({ name, dataType, shape }));
  }

  /** Copies the inputs in, runs once, and returns copies of every output. */
  run(...inputs: ArrayLike<number>[]): RefArray[] {
    // WASM memory may grow during infer(), detaching earlier views: re-read them each call.
    const ins = toArray(this.runner.GetInputs());
    if (ins.length !== inputs.length) throw new Error(`model takes ${ins.length} inputs, got ${inputs.length}`);
    ins.forEach((info, i) => info.data().set(inputs[i]));
    if (!this.runner.Infer()) throw new Error('reference runtime: infer() failed');
    return toArray(this.runner.GetOutputs()).map((o) => o.data().slice());
  }

  dispose(): void {
    this.runner.delete();
  }
}

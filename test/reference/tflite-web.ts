// Google's TFLite Web API (the WASM inside @tensorflow/tfjs-tflite) driven directly, for the
// parity tests and the benchmarks, for any build
// of the module (non-SIMD or SIMD) and in any JS runtime (Node or a browser page).
// No Node imports here: the browser benchmark page bundles this file.

interface TensorInfo {
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
interface StatusOr<T> {
  ok(): boolean;
  value(): T;
  errorMessage(): string;
}

/** The Emscripten module the factory in tflite_web_api_cc*.js resolves to. */
export interface TfliteWebModule {
  HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(pointer: number): void;
  TFLiteWebModelRunner: {
    CreateFromBufferAndOptions(
      pointer: number,
      length: number,
      options: { numThreads: number; enableProfiling: boolean; maxProfilingBufferEntries: number },
    ): StatusOr<WebRunner>;
  };
}

export type TfliteWebFactory = (moduleArgs: object) => Promise<TfliteWebModule>;

/** The two single-threaded builds shipped in @tensorflow/tfjs-tflite/wasm. */
export const TFLITE_WEB_BUILDS = {
  plain: { js: 'tflite_web_api_cc.js', wasm: 'tflite_web_api_cc.wasm' },
  simd: { js: 'tflite_web_api_cc_simd.js', wasm: 'tflite_web_api_cc_simd.wasm' },
} as const;
export type TfliteWebBuild = keyof typeof TFLITE_WEB_BUILDS;

function toArray<T>(vector: CppVector<T>): T[] {
  try {
    return Array.from({ length: vector.size() }, (_, i) => vector.get(i));
  } finally {
    vector.delete();
  }
}

/** One single-threaded interpreter over a model's first subgraph. */
export class TfliteWebRunner {
  private constructor(
    private readonly wasm: TfliteWebModule,
    private readonly runner: WebRunner,
    private readonly modelPointer: number,
  ) {}

  static create(wasm: TfliteWebModule, modelBytes: Uint8Array): TfliteWebRunner {
    // The interpreter points into this copy for its whole life: freed by dispose().
    const pointer = wasm._malloc(modelBytes.byteLength);
    wasm.HEAPU8.set(modelBytes, pointer);
    const created = wasm.TFLiteWebModelRunner.CreateFromBufferAndOptions(pointer, modelBytes.byteLength, {
      numThreads: 1,
      enableProfiling: false,
      maxProfilingBufferEntries: 1024,
    });
    if (!created.ok()) {
      wasm._free(pointer);
      throw new Error(`TFLite web runtime: ${created.errorMessage()}`);
    }
    return new TfliteWebRunner(wasm, created.value(), pointer);
  }

  /** Copies the inputs in, runs once, returns a copy of every output (as ReferenceRunner.run does). */
  run(...inputs: ArrayLike<number>[]): (Float32Array | Int32Array | Int8Array | Uint8Array)[] {
    // WASM memory may grow during Infer(), detaching earlier views: re-read them on each call.
    const ins = toArray(this.runner.GetInputs());
    if (ins.length !== inputs.length) throw new Error(`model takes ${ins.length} inputs, got ${inputs.length}`);
    ins.forEach((info, i) => {
      info.data().set(inputs[i]);
    });
    if (!this.runner.Infer()) throw new Error('TFLite web runtime: Infer() failed');
    return toArray(this.runner.GetOutputs()).map((o) => o.data().slice());
  }

  dispose(): void {
    this.runner.delete();
    this.wasm._free(this.modelPointer);
  }
}

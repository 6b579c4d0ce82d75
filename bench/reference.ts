// The reference runtime for the benchmarks: either single-threaded build, through the parity
// tests' loader (test/reference/runtime.ts).
import { ReferenceRunner } from '../test/reference/runtime.js';
import type { TfliteWebBuild } from '../test/reference/tflite-web.js';

/** Something that runs one frame of a .tflite model: `run(...inputs)` -> outputs. */
export interface FrameRunner {
  run(...inputs: ArrayLike<number>[]): ArrayLike<number>[];
  dispose(): void;
}

export function createReferenceRunner(build: TfliteWebBuild, modelBytes: Uint8Array): Promise<FrameRunner> {
  return ReferenceRunner.create(modelBytes, build);
}

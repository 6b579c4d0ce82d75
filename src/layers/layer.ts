import type { Buffers } from './buffers.js';

/** One node of a graph: reads and writes named activation buffers; streaming layers keep state between calls. */
export interface Layer {
  run(buffers: Buffers, frames: number): void;
  /** Forget all streaming state, as if no audio had been seen. */
  reset(): void;
}

/** Affine quantization of int8 codes: real = scale * (q - zeroPoint). */
export interface Affine {
  scale: number;
  zeroPoint: number;
}

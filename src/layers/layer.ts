import type { Buffers } from './buffers.js';

/** One node of a graph: reads and writes named activation buffers; streaming layers keep state between calls. */
export interface Layer {
  run(buffers: Buffers, frames: number): void;
  /** Forget all streaming state, as if no audio had been seen. */
  reset(): void;
}

/**
 * How float layers add up: 'exact' rounds to float32 after every operation in the reference
 * runtime's order (bit-identical to it); 'fast' sums each output in float64 and rounds once
 * (closer to the exact real result, 1.3-1.7x as fast per layer, not the reference's bits).
 */
export type FloatPrecision = 'exact' | 'fast';

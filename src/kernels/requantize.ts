import { multiplyByQuantizedMultiplier, multiplyByQuantizedMultiplierSingleRounding } from './fixed-point.js';

/** How an int32 accumulator is scaled back to int8: TFLite's reference kernels round twice, its GEMM path once. */
export type Rounding = 'double' | 'single';

/** Per-output-channel requantization of an int8 layer. */
export interface Requantization {
  multipliers: Int32Array;
  shifts: Int32Array;
  outputZeroPoint: number;
  rounding: Rounding;
}

// acc: int32 accumulator of output channel `channel` -> int8 code
export function requantize(acc: number, channel: number, r: Requantization): number {
  const scaled =
    r.rounding === 'single'
      ? multiplyByQuantizedMultiplierSingleRounding(acc, r.multipliers[channel], r.shifts[channel])
      : multiplyByQuantizedMultiplier(acc, r.multipliers[channel], r.shifts[channel]);
  const v = scaled + r.outputZeroPoint;
  return v < -128 ? -128 : v > 127 ? 127 : v;
}

import { multiplyByQuantizedMultiplier, type QuantizedMultiplier } from './fixed-point.js';

// x: [N] int8 -> y: [N] int8 (may alias x). Positive and negative inputs are rescaled by
// separate fixed-point multipliers (input/output scale, and alpha times it), as in TFLite.
export function leakyReluInt8(
  x: Int8Array,
  n: number,
  inputZeroPoint: number,
  outputZeroPoint: number,
  identity: QuantizedMultiplier,
  alpha: QuantizedMultiplier,
  y: Int8Array,
): void {
  for (let i = 0; i < n; i++) {
    const v = x[i] - inputZeroPoint;
    const m = v >= 0 ? identity : alpha;
    const out = outputZeroPoint + multiplyByQuantizedMultiplier(v, m.multiplier, m.shift);
    y[i] = out < -128 ? -128 : out > 127 ? 127 : out;
  }
}

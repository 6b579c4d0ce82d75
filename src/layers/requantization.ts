import { quantizeMultiplier } from '../kernels/fixed-point.js';
import type { Requantization } from '../kernels/requantize.js';
import type { Affine } from './layer.js';

/**
 * Per-output-channel fixed-point multipliers for input scale * weight scale / output scale, as
 * TFLite derives them. `weightScales`: one per channel, or one for all.
 */
export function channelRequantization(
  inputScale: number,
  output: Affine,
  rounding: 'double' | 'single',
  weightScales: readonly number[],
  channels: number,
): Requantization {
  const multipliers = new Int32Array(channels);
  const shifts = new Int32Array(channels);
  for (let c = 0; c < channels; c++) {
    const wScale = weightScales.length === 1 ? weightScales[0] : weightScales[c];
    const m = quantizeMultiplier((inputScale * wScale) / output.scale);
    multipliers[c] = m.multiplier;
    shifts[c] = m.shift;
  }
  return { multipliers, shifts, outputZeroPoint: output.zeroPoint, rounding };
}

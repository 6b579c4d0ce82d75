import { quantizeMultiplier } from '../kernels/fixed-point.js';
import type { Requantization } from '../kernels/requantize.js';
import type { Int8Spec } from '../model/manifest.js';

/** Per-output-channel fixed-point multipliers for input scale * weight scale / output scale, as TFLite derives them. */
export function channelRequantization(spec: Int8Spec, weightScales: number[], channels: number): Requantization {
  const multipliers = new Int32Array(channels);
  const shifts = new Int32Array(channels);
  for (let c = 0; c < channels; c++) {
    const wScale = weightScales.length === 1 ? weightScales[0] : weightScales[c];
    const m = quantizeMultiplier((spec.input.scale * wScale) / spec.output.scale);
    multipliers[c] = m.multiplier;
    shifts[c] = m.shift;
  }
  return { multipliers, shifts, outputZeroPoint: spec.output.zeroPoint, rounding: spec.rounding ?? 'double' };
}

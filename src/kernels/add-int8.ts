import { roundingDivideByPOT, saturatingRoundingDoublingHighMul } from './fixed-point.js';

/** TFLite's int8 ADD parameters: both inputs brought to a common scale with 20 bits of headroom. */
export interface AddInt8Params {
  zeroPointA: number;
  zeroPointB: number;
  outputZeroPoint: number;
  leftShift: number;
  multiplierA: number; shiftA: number;
  multiplierB: number; shiftB: number;
  outputMultiplier: number; outputShift: number;
}

// a: [N] int8, b: [N] int8 -> y: [N] int8 (may alias a or b)
export function addInt8(a: Int8Array, b: Int8Array, n: number, p: AddInt8Params, y: Int8Array): void {
  const headroom = 2 ** p.leftShift;
  for (let i = 0; i < n; i++) {
    const sa = roundingDivideByPOT(saturatingRoundingDoublingHighMul((a[i] - p.zeroPointA) * headroom, p.multiplierA), -p.shiftA);
    const sb = roundingDivideByPOT(saturatingRoundingDoublingHighMul((b[i] - p.zeroPointB) * headroom, p.multiplierB), -p.shiftB);
    const out = p.outputZeroPoint + roundingDivideByPOT(saturatingRoundingDoublingHighMul(sa + sb, p.outputMultiplier), -p.outputShift);
    y[i] = out < -128 ? -128 : out > 127 ? 127 : out;
  }
}

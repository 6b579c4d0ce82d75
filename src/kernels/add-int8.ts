import { quantizeMultiplier, roundingDivideByPOT, saturatingRoundingDoublingHighMul } from './fixed-point.js';

/** TFLite's int8 ADD parameters: both inputs brought to a common scale with 20 bits of headroom. */
export interface AddInt8Params {
  zeroPointA: number;
  zeroPointB: number;
  outputZeroPoint: number;
  leftShift: number;
  multiplierA: number;
  shiftA: number;
  multiplierB: number;
  shiftB: number;
  outputMultiplier: number;
  outputShift: number;
}

// a: [N] int8, b: [N] int8 -> y: [N] int8 (may alias a or b)
export function addInt8(a: Int8Array, b: Int8Array, n: number, p: AddInt8Params, y: Int8Array): void {
  const headroom = 2 ** p.leftShift;
  for (let i = 0; i < n; i++) {
    const sa = roundingDivideByPOT(
      saturatingRoundingDoublingHighMul((a[i] - p.zeroPointA) * headroom, p.multiplierA),
      -p.shiftA,
    );
    const sb = roundingDivideByPOT(
      saturatingRoundingDoublingHighMul((b[i] - p.zeroPointB) * headroom, p.multiplierB),
      -p.shiftB,
    );
    const out =
      p.outputZeroPoint +
      roundingDivideByPOT(saturatingRoundingDoublingHighMul(sa + sb, p.outputMultiplier), -p.outputShift);
    y[i] = out < -128 ? -128 : out > 127 ? 127 : out;
  }
}

/** TFLite's int8 ADD parameters for inputs a, b and the output: both inputs rescaled to twice the larger input scale, with 20 bits of headroom. */
export function addInt8Params(
  a: { scale: number; zeroPoint: number },
  b: { scale: number; zeroPoint: number },
  output: { scale: number; zeroPoint: number },
): AddInt8Params {
  const leftShift = 20;
  const twiceMax = 2 * Math.max(a.scale, b.scale);
  const ma = quantizeMultiplier(a.scale / twiceMax);
  const mb = quantizeMultiplier(b.scale / twiceMax);
  const mo = quantizeMultiplier(twiceMax / Math.fround(2 ** leftShift * output.scale));
  return {
    zeroPointA: a.zeroPoint,
    zeroPointB: b.zeroPoint,
    outputZeroPoint: output.zeroPoint,
    leftShift,
    multiplierA: ma.multiplier,
    shiftA: ma.shift,
    multiplierB: mb.multiplier,
    shiftB: mb.shift,
    outputMultiplier: mo.multiplier,
    outputShift: mo.shift,
  };
}

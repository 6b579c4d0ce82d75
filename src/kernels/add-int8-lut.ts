import { roundingDivideByPOT, saturatingRoundingDoublingHighMul } from './fixed-point.js';
import type { AddInt8Params } from './add-int8.js';

// a: [N] int8, b: [N] int8 -> y: [N] int8 (may alias a or b)
// add-int8.ts, bit for bit, with each input's rescaling (a function of one int8 code) read from a
// 256-entry table built once by addInt8InputTables: one fixed-point multiply per element, not three.
export function addInt8Lut(a: Int8Array, b: Int8Array, n: number, tables: AddInt8Tables, y: Int8Array): void {
  const { scaledA, scaledB, outputMultiplier, outputShift, outputZeroPoint } = tables;
  for (let i = 0; i < n; i++) {
    const sum = scaledA[a[i] + 128] + scaledB[b[i] + 128];
    const out =
      outputZeroPoint + roundingDivideByPOT(saturatingRoundingDoublingHighMul(sum, outputMultiplier), -outputShift);
    y[i] = out < -128 ? -128 : out > 127 ? 127 : out;
  }
}

export interface AddInt8Tables {
  scaledA: Int32Array;
  scaledB: Int32Array;
  outputMultiplier: number;
  outputShift: number;
  outputZeroPoint: number;
}

/** Each input code's value on the common scale, exactly as addInt8 computes it. */
export function addInt8InputTables(p: AddInt8Params): AddInt8Tables {
  const headroom = 2 ** p.leftShift;
  const scaledA = new Int32Array(256);
  const scaledB = new Int32Array(256);
  for (let code = -128; code < 128; code++) {
    scaledA[code + 128] = roundingDivideByPOT(
      saturatingRoundingDoublingHighMul((code - p.zeroPointA) * headroom, p.multiplierA),
      -p.shiftA,
    );
    scaledB[code + 128] = roundingDivideByPOT(
      saturatingRoundingDoublingHighMul((code - p.zeroPointB) * headroom, p.multiplierB),
      -p.shiftB,
    );
  }
  return {
    scaledA,
    scaledB,
    outputMultiplier: p.outputMultiplier,
    outputShift: p.outputShift,
    outputZeroPoint: p.outputZeroPoint,
  };
}

import { requantize, type Requantization } from './requantize.js';

// acc: [n] int32 accumulators, channel = index % channels -> y: [n] int8 codes
// requantize.ts's arithmetic, bit for bit, with no call per value in the usual case: for an
// interpreter (Hermes), where requantize's three nested calls (and Math.floor's) cost more than
// a few hundred multiply-adds of an int8 dot product. The usual case is the fast path of
// fixed-point.ts (products below 2^52, shifts within int32); anything else calls requantize.

/** Per-channel constants of a Requantization, computed once (prepareRequantization). */
export interface PreparedRequantization {
  multipliers: Float64Array;
  /** double rounding: 2^leftShift before the doubling high multiply, then a rounding right shift. */
  leftScales: Float64Array;
  rightShifts: Int32Array;
  /** single rounding: divide by 2^(31 - shift) after adding half of it; 0 where that is not the usual case. */
  divisors: Float64Array;
}

export function prepareRequantization(r: Requantization, channels: number): PreparedRequantization {
  const p = {
    multipliers: new Float64Array(channels),
    leftScales: new Float64Array(channels),
    rightShifts: new Int32Array(channels),
    divisors: new Float64Array(channels),
  };
  for (let c = 0; c < channels; c++) {
    const shift = r.shifts[c]!;
    p.multipliers[c] = r.multipliers[c]!;
    p.leftScales[c] = 2 ** (shift > 0 ? shift : 0);
    // Shifts past 30 leave the bit-operation path of roundingDivideByPOT: -1 sends them to requantize.
    p.rightShifts[c] = shift > 0 ? 0 : -shift <= 30 ? -shift : -1;
    const total = 31 - shift;
    p.divisors[c] = total >= 1 && total <= 51 ? 2 ** total : 0;
  }
  return p;
}

export function requantizeRows(
  acc: Float64Array,
  n: number,
  channels: number,
  p: PreparedRequantization,
  r: Requantization,
  y: Int8Array,
): void {
  const { multipliers, leftScales, rightShifts, divisors } = p;
  const zeroPoint = r.outputZeroPoint;
  const single = r.rounding === 'single';
  for (let i = 0, c = 0; i < n; i++, c = c + 1 === channels ? 0 : c + 1) {
    const a = acc[i]!;
    let v = 0;
    if (single) {
      const product = a * multipliers[c]!;
      const divisor = divisors[c]!;
      const z = (product + divisor / 2) / divisor;
      if (
        divisor === 0 ||
        !(product < 4503599627370496 && product > -4503599627370496 && z < 2147483648 && z > -2147483648)
      ) {
        y[i] = requantize(a, c, r);
        continue;
      }
      v = z | 0; // floor, for |z| < 2^31
      if (v > z) v--;
    } else {
      const product = a * leftScales[c]! * multipliers[c]!;
      const right = rightShifts[c]!;
      if (right < 0 || !(product < 4503599627370496 && product > -4503599627370496)) {
        y[i] = requantize(a, c, r);
        continue;
      }
      v = ((product + (product >= 0 ? 1073741824 : -1073741823)) / 2147483648) | 0;
      if (right !== 0) {
        const mask = (1 << right) - 1;
        v = (v >> right) + ((v & mask) > (mask >> 1) + (v < 0 ? 1 : 0) ? 1 : 0);
      }
    }
    v += zeroPoint;
    y[i] = v < -128 ? -128 : v > 127 ? 127 : v;
  }
}

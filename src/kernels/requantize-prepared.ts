import { requantize, type Requantization } from './requantize.js';

// acc: int32 accumulator of output channel c -> int8 code, requantize.ts's bits from constants
// computed once per layer (prepareRequantization), so that the usual case is a few inlinable
// operations instead of requantize's three nested calls per value.
//
// Both roundings start the same way: the exact product acc * multiplier * 2^leftShift (below 2^52,
// an integer a double holds), scaled by a power of two, rounded to nearest with ties toward
// +infinity (gemmlowp's doubling high multiply for 'double', ruy's single rounding for 'single').
// 'double' then divides by 2^rightShift, rounding ties away from zero. A channel whose shifts
// leave that usual case (a right shift past 30; a single-rounding shift outside 1..51) gets a NaN
// multiplier, which fails the range test of every product, so requantize handles it.

/** Per-channel constants of a Requantization (prepareRequantization). */
export interface PreparedRequantization {
  /** multiplier * 2^leftShift ('double') or multiplier ('single'); NaN where the usual case never applies. */
  multipliers: Float64Array;
  /** 2^-31 ('double') or 2^-(31 - shift) ('single'): exact scalings of the product. */
  postScales: Float64Array;
  /** 'double': the rounding right shift after the high multiply, 0..30; 'single': 0. */
  rightShifts: Int32Array;
}

/** Products below this are exact integers in a double. */
export const EXACT_PRODUCT = 2 ** 52;

export function prepareRequantization(r: Requantization, channels: number): PreparedRequantization {
  const p = {
    multipliers: new Float64Array(channels),
    postScales: new Float64Array(channels),
    rightShifts: new Int32Array(channels),
  };
  for (let c = 0; c < channels; c++) {
    const m = r.multipliers[c]!;
    const shift = r.shifts[c]!;
    if (r.rounding === 'double') {
      p.multipliers[c] = -shift > 30 ? Number.NaN : m * 2 ** (shift > 0 ? shift : 0);
      p.postScales[c] = 2 ** -31;
      p.rightShifts[c] = shift > 0 ? 0 : -shift;
    } else {
      const total = 31 - shift;
      const usual = total >= 1 && total <= 51;
      p.multipliers[c] = usual ? m : Number.NaN;
      p.postScales[c] = usual ? 2 ** -total : 0;
    }
  }
  return p;
}

export function requantizePrepared(acc: number, c: number, p: PreparedRequantization, r: Requantization): number {
  const product = acc * p.multipliers[c]!;
  if (!(product < EXACT_PRODUCT && product > -EXACT_PRODUCT)) return requantize(acc, c, r);
  let v = Math.round(product * p.postScales[c]!);
  const right = p.rightShifts[c]!;
  if (right !== 0) {
    // v is an int32 here (|product| < 2^52 makes |v| <= 2^21): gemmlowp's rounding shift.
    const mask = (1 << right) - 1;
    v = (v >> right) + ((v & mask) > (mask >> 1) + (v >>> 31) ? 1 : 0);
  }
  v += r.outputZeroPoint;
  return v < -128 ? -128 : v > 127 ? 127 : v;
}

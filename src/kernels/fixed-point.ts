// TFLite's integer requantization arithmetic, reproduced exactly with float64 JS numbers.
// Products of two int32 values need up to 62 bits, more than a double holds, so the
// high-multiply splits one factor into 16-bit halves and carries the remainder by hand.

const TWO_31 = 2147483648;
const TWO_16 = 65536;
const TWO_15 = 32768;
const TWO_52 = 2 ** 52;
/** 2^i for i in 0..63: a table, because `2 ** i` with a variable i is a slow library call in V8. */
const POW2 = Float64Array.from({ length: 64 }, (_, i) => 2 ** i);
/** 2^-i: multiplying by it is exact, and faster than dividing by 2^i. */
const INV_POW2 = Float64Array.from({ length: 64 }, (_, i) => 2 ** -i);
const INV_TWO_31 = 2 ** -31;

/** A real multiplier as int32 mantissa in [2^30, 2^31) and power-of-two exponent (TFLite's QuantizeMultiplier). */
export interface QuantizedMultiplier {
  multiplier: number;
  shift: number;
}

export function quantizeMultiplier(real: number): QuantizedMultiplier {
  if (!Number.isFinite(real)) throw new RangeError(`quantizeMultiplier: ${real} is not a finite multiplier`);
  if (real === 0) return { multiplier: 0, shift: 0 };
  // frexp: |real| = q * 2^shift with q in [0.5, 1); the sign stays on the multiplier.
  const magnitude = Math.abs(real);
  // Below 2^-33 the exponent ends under -31 (rounding can raise it by one at most): zero.
  if (magnitude < 2 ** -33) return { multiplier: 0, shift: 0 };
  let shift = Math.ceil(Math.log2(magnitude));
  let q = magnitude / 2 ** (shift - 1) / 2; // two steps: 2^1024 would overflow
  // log2 can be off by one ulp near powers of two: bring q into [0.5, 1).
  while (q >= 1) {
    q /= 2;
    shift++;
  }
  while (q < 0.5) {
    q *= 2;
    shift--;
  }
  let fixed = Math.round(q * TWO_31);
  if (fixed === TWO_31) {
    fixed /= 2;
    shift++;
  }
  if (shift < -31) return { multiplier: 0, shift: 0 };
  return { multiplier: real < 0 ? -fixed : fixed, shift: shift + 0 /* no -0 */ };
}

/** (a * b + nudge) / 2^31 truncated toward zero, saturating the single overflow case (gemmlowp). */
export function saturatingRoundingDoublingHighMul(a: number, b: number): number {
  const product = a * b;
  // Usual case: the product is small enough to be exact in a double (a rounded product could
  // not pass this test either, since rounding never crosses a power of two); `| 0` truncates
  // toward zero like C's integer division, and the quotient is far inside int32.
  // That truncation of (product + nudge) / 2^31 is product / 2^31 rounded to nearest with ties
  // toward +infinity for either sign, which is Math.round's rule, with no branch on the sign; the
  // scaling by 2^-31 is exact.
  if (product < TWO_52 && product > -TWO_52) return Math.round(product * INV_TWO_31) | 0;
  if (a === -TWO_31 && b === -TWO_31) return TWO_31 - 1;
  const bHigh = Math.floor(b / TWO_16);
  const bLow = b - bHigh * TWO_16;
  const high = a * bHigh; // exact: |.| < 2^47
  const highQuot = Math.floor(high / TWO_15);
  const highRem = high - highQuot * TWO_15;
  const negative = a < 0 !== b < 0 && a !== 0 && b !== 0;
  const nudge = negative ? 1 - (1 << 30) : 1 << 30;
  // a*b + nudge = highQuot * 2^31 + rest, with rest exact in a double.
  const rest = highRem * TWO_16 + a * bLow + nudge;
  const restQuot = Math.floor(rest / TWO_31);
  const floorQuot = highQuot + restQuot;
  const remainder = rest - restQuot * TWO_31;
  return floorQuot < 0 && remainder !== 0 ? floorQuot + 1 : floorQuot;
}

/** x / 2^exponent rounded to nearest, ties away from zero (gemmlowp's RoundingDivideByPOT). */
export function roundingDivideByPOT(x: number, exponent: number): number {
  if (exponent === 0) return x;
  if (exponent <= 30 && (x | 0) === x) {
    // int32 x: gemmlowp's own bit operations.
    const mask = (1 << exponent) - 1;
    const threshold = (mask >> 1) + (x >>> 31); // + 1 when x < 0, without a branch
    return (x >> exponent) + ((x & mask) > threshold ? 1 : 0);
  }
  const divisor = POW2[exponent];
  const quot = Math.floor(x / divisor);
  const remainder = x - quot * divisor;
  const threshold = Math.floor((divisor - 1) / 2) + (x < 0 ? 1 : 0);
  return quot + (remainder > threshold ? 1 : 0);
}

/** TFLite's MultiplyByQuantizedMultiplier: doubling high multiply, then a rounding shift (two roundings). */
export function multiplyByQuantizedMultiplier(x: number, multiplier: number, shift: number): number {
  const leftShift = shift > 0 ? shift : 0;
  const rightShift = shift > 0 ? 0 : -shift;
  return roundingDivideByPOT(
    saturatingRoundingDoublingHighMul(leftShift === 0 ? x : x * POW2[leftShift], multiplier),
    rightShift,
  );
}

/** round(x * multiplier / 2^(31 - shift)) with ties toward +infinity, in one step (ruy's GEMM requantization). */
export function multiplyByQuantizedMultiplierSingleRounding(x: number, multiplier: number, shift: number): number {
  const totalShift = 31 - shift;
  const product = x * multiplier;
  // Usual case: product and rounding term both exact in a double, so one floor does it.
  if (product < TWO_52 && product > -TWO_52 && totalShift <= 51) return Math.round(product * INV_POW2[totalShift]) + 0; // floor(p / 2^s + 1/2) is Math.round; + 0 makes -0 zero
  if (totalShift < 16 || totalShift > 52) {
    // Outside what the split below keeps exact in a double (multipliers above 2^15 or below
    // about 2^-21): never met in practice, so plain 64-bit integers are fast enough.
    const rounded = BigInt(x) * BigInt(multiplier) + (BigInt(1) << BigInt(totalShift - 1)); // no 1n: Hermes cannot parse BigInt literals
    return Number(rounded >> BigInt(totalShift));
  }
  // x * multiplier can exceed 2^53: split the multiplier into 16-bit halves.
  const mHigh = Math.floor(multiplier / TWO_16);
  const mLow = multiplier - mHigh * TWO_16;
  const high = x * mHigh; // exact: |.| < 2^47
  const low = x * mLow + 2 ** (totalShift - 1); // exact: |.| < 2^52
  // floor((high * 2^16 + low) / 2^totalShift), carrying high's remainder down exactly
  const div = 2 ** (totalShift - 16);
  const highQuot = Math.floor(high / div);
  const highRem = high - highQuot * div;
  return highQuot + Math.floor((highRem * TWO_16 + low) / 2 ** totalShift);
}

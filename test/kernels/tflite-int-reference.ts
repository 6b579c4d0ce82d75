// Naive re-statements of TFLite's / gemmlowp's integer requantization arithmetic, written with
// BigInt so that every intermediate is exact 64-bit (or wider) integer arithmetic. These are the
// test oracles for fixed-point.ts and every int8 kernel; they deliberately share no code with src/.

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

export function isInt32(v: number): boolean {
  return Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX;
}

function checkInt32(v: bigint, what: string): number {
  if (v < BigInt(INT32_MIN) || v > BigInt(INT32_MAX)) throw new Error(`${what} = ${v} does not fit in int32`);
  return Number(v);
}

/**
 * gemmlowp SaturatingRoundingDoublingHighMul:
 *   overflow = a == b == INT32_MIN
 *   ab = (int64)a * b; nudge = ab >= 0 ? 2^30 : 1 - 2^30
 *   result = (ab + nudge) / 2^31   (C++ division: truncation toward zero)
 */
export function refSRDHM(a: number, b: number): number {
  if (!isInt32(a) || !isInt32(b)) throw new Error(`SRDHM operands must be int32: ${a}, ${b}`);
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return checkInt32((ab + nudge) / (1n << 31n), 'SRDHM'); // BigInt '/' truncates toward zero, like C++
}

/**
 * gemmlowp RoundingDivideByPOT:
 *   mask = 2^e - 1; remainder = x & mask; threshold = (mask >> 1) + (x < 0 ? 1 : 0)
 *   result = (x >> e) + (remainder > threshold ? 1 : 0)     (arithmetic shift)
 */
export function refRoundingDivideByPOT(x: number, exponent: number): number {
  if (!isInt32(x)) throw new Error(`RoundingDivideByPOT operand must be int32: ${x}`);
  if (!(exponent >= 0 && exponent <= 31)) throw new Error(`exponent out of range: ${exponent}`);
  const X = BigInt(x);
  const e = BigInt(exponent);
  const mask = (1n << e) - 1n;
  const remainder = X & mask;
  const threshold = (mask >> 1n) + (X < 0n ? 1n : 0n);
  return Number((X >> e) + (remainder > threshold ? 1n : 0n));
}

/**
 * TFLite MultiplyByQuantizedMultiplier (double rounding):
 *   RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x << leftShift, M), rightShift)
 * The left shift must not overflow int32 (it is undefined behaviour in C++); the reference throws.
 */
export function refMultiplyByQuantizedMultiplier(x: number, multiplier: number, shift: number): number {
  const leftShift = shift > 0 ? shift : 0;
  const rightShift = shift > 0 ? 0 : -shift;
  const shifted = checkInt32(BigInt(x) << BigInt(leftShift), 'x << leftShift');
  return refRoundingDivideByPOT(refSRDHM(shifted, multiplier), rightShift);
}

/** TFLite single-rounding MultiplyByQuantizedMultiplier: (x * M + 2^(30 - shift)) >> (31 - shift). */
export function refMultiplyByQuantizedMultiplierSingleRounding(x: number, multiplier: number, shift: number): number {
  if (!isInt32(x) || !isInt32(multiplier)) throw new Error('operands must be int32');
  if (!(shift >= -31 && shift <= 30)) throw new Error(`shift out of range: ${shift}`);
  const total = BigInt(31 - shift);
  const round = 1n << (total - 1n);
  return Number((BigInt(x) * BigInt(multiplier) + round) >> total); // BigInt '>>' is arithmetic
}

export type RefRounding = 'double' | 'single';

/** Per-channel requantization of an int32 accumulator to int8, as TFLite's integer kernels do it. */
export function refRequantize(
  acc: number,
  multiplier: number,
  shift: number,
  outputZeroPoint: number,
  rounding: RefRounding,
): number {
  if (!isInt32(acc)) throw new Error(`accumulator ${acc} does not fit in int32`);
  const scaled =
    rounding === 'double'
      ? refMultiplyByQuantizedMultiplier(acc, multiplier, shift)
      : refMultiplyByQuantizedMultiplierSingleRounding(acc, multiplier, shift);
  const v = scaled + outputZeroPoint;
  return Math.min(127, Math.max(-128, v));
}

/**
 * TFLite QuantizeMultiplier written from its definition, with frexp done on the IEEE-754 bits:
 *   q, shift = frexp(real) (q in [0.5, 1)); qFixed = round(q * 2^31), ties away from zero;
 *   qFixed == 2^31 -> qFixed = 2^30, shift + 1; shift < -31 -> (0, 0); real == 0 -> (0, 0).
 * Positive finite reals only.
 */
export function refQuantizeMultiplier(real: number): { multiplier: number; shift: number } {
  if (real === 0) return { multiplier: 0, shift: 0 };
  if (!(real > 0 && Number.isFinite(real)))
    throw new Error(`refQuantizeMultiplier: positive finite reals only (${real})`);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, real);
  const bits = view.getBigUint64(0);
  const biasedExp = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  // real = significand * 2^(exp2), significand a 53-bit integer (subnormals: no hidden bit).
  let significand = biasedExp === 0 ? fraction : fraction | (1n << 52n);
  let exp2 = (biasedExp === 0 ? 1 : biasedExp) - 1075;
  while (significand < 1n << 52n) {
    significand <<= 1n;
    exp2--;
  } // normalise subnormals
  // frexp: real = (significand / 2^53) * 2^(exp2 + 53), with significand / 2^53 in [0.5, 1)
  let shift = exp2 + 53;
  // q * 2^31 = significand / 2^22: round half away from zero (everything is positive here).
  let qFixed = significand >> 22n;
  const rest = significand & ((1n << 22n) - 1n);
  if (rest >= 1n << 21n) qFixed += 1n;
  if (qFixed === 1n << 31n) {
    qFixed /= 2n;
    shift++;
  }
  if (shift < -31) return { multiplier: 0, shift: 0 };
  return { multiplier: Number(qFixed), shift };
}

// Rounding to float32 without a call, for interpreters: Veltkamp's split of a float64 v,
// g = v * (2^29 + 1), hi = g + (v - g), keeps the top 53 - 29 = 24 bits of v rounded to nearest,
// ties to even: Math.fround(v)'s bits whenever the float32 result is a normal number and finite,
// or v is already a float32. In Hermes three arithmetic instructions cost about half of one call
// to Math.fround. The kernels that use it (`*-split.ts`) run only on inputs that
// `float32SplitFits` admits, which rules out every other case: for each product x * w and every
// partial sum, a nonzero result is at least 2^-126 in magnitude (sums of float32 values below
// that are exact) and stays far below float32's overflow; NaN and infinities are refused.
export const SPLIT = 536870913; // 2^29 + 1

/** What a layer admits: inputs of magnitude at most `maxInput`, and none nonzero below `minInput`. */
export interface SplitLimits {
  maxInput: number;
  minInput: number;
}

/**
 * The limits for a layer whose outputs each sum `termsPerOutput` products of an input and a
 * weight, plus a bias; null when the weights or bias are not finite (then it never applies).
 */
export function float32SplitLimits(
  weights: Float32Array,
  bias: Float32Array | null,
  termsPerOutput: number,
): SplitLimits | null {
  let maxWeight = 0;
  let minWeight = Number.POSITIVE_INFINITY;
  for (let i = 0; i < weights.length; i++) {
    const a = Math.abs(weights[i]!);
    if (!(a < 2 ** 100)) return null;
    if (a > maxWeight) maxWeight = a;
    if (a !== 0 && a < minWeight) minWeight = a;
  }
  if (bias) for (let i = 0; i < bias.length; i++) if (!(Math.abs(bias[i]!) < 2 ** 100)) return null;
  return {
    // Any sum then stays below 2^121 (the float32 maximum is about 2^128); the cap refuses infinities.
    maxInput: Math.min(2 ** 120 / (termsPerOutput * maxWeight), 2 ** 128),
    // Products of a nonzero input and a nonzero weight stay above 2^-126 (with a factor 2 to spare).
    minInput: minWeight === Number.POSITIVE_INFINITY ? 0 : 2 ** -125 / minWeight,
  };
}

/** Whether the first n values of x are within `limits` (false for any NaN or infinity). */
export function float32SplitFits(x: Float32Array, n: number, limits: SplitLimits): boolean {
  const { maxInput, minInput } = limits;
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    const a = v < 0 ? -v : v;
    if (!(a <= maxInput) || (a < minInput && a !== 0)) return false;
  }
  return true;
}

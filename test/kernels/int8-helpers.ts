// Shared generators for the int8 kernel tests (random per-channel requantization parameters).
import type { Requantization, Rounding } from '../../src/kernels/requantize.js';
import type { Rng } from './random.js';

/**
 * Per-channel multipliers M in [2^30, 2^31) and shifts such that an accumulator of magnitude
 * about `typicalAcc` maps to roughly +-`target` output codes (so that most outputs are not clamped).
 * `shiftJitter` spreads the channels' scales by up to that many powers of two either way.
 */
export function randomRequantization(
  rng: Rng,
  channels: number,
  typicalAcc: number,
  rounding: Rounding,
  outputZeroPoint: number,
  target = 40,
  shiftJitter = 1,
): Requantization {
  const multipliers = new Int32Array(channels);
  const shifts = new Int32Array(channels);
  const baseShift = Math.round(Math.log2(target / Math.max(1, typicalAcc)));
  for (let c = 0; c < channels; c++) {
    multipliers[c] = rng.int(2 ** 30, 2 ** 31 - 1);
    shifts[c] = Math.max(-31, Math.min(30, baseShift + rng.int(-shiftJitter, shiftJitter)));
  }
  return { multipliers, shifts, outputZeroPoint, rounding };
}

/** Typical magnitude of a sum of n products of int8 weights and zero-point-shifted int8 inputs. */
export function typicalAccumulator(terms: number, inputZeroPoint: number): number {
  return Math.sqrt(Math.max(1, terms)) * 74 * (74 + Math.abs(inputZeroPoint) / 2);
}

/** Fraction of codes strictly inside (-128, 127). */
export function unclampedFraction(y: ArrayLike<number>, n = y.length): number {
  let inside = 0;
  for (let i = 0; i < n; i++) if (y[i] > -128 && y[i] < 127) inside++;
  return n === 0 ? 0 : inside / n;
}

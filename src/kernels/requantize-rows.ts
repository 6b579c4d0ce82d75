import { requantize, type Requantization } from './requantize.js';

// acc: [n] int32 accumulators, channel = index % channels -> y: [n] int8 codes
// requantize.ts's bits for a whole output in one pass, from per-channel constants computed once
// per layer (prepareRequantization), with no call per value in the usual case. The fast int8
// kernels leave their sums in a row and call this once: a call per value (requantize's are three
// nested ones) cost more than the multiply-adds of a small grouped convolution, in V8 and Hermes
// alike.
//
// Both roundings start the same way: the exact product acc * multiplier * 2^leftShift (below 2^52,
// an integer a double holds), scaled by a power of two and rounded to nearest with ties toward
// +infinity, as floor(z + 1/2) taken with `| 0` (z + 1/2 is exact: it needs no more bits than the
// product). That is gemmlowp's doubling high multiply for 'double' and ruy's single rounding for
// 'single'. 'double' then divides by 2^rightShift, rounding ties away from zero. A channel whose
// shifts leave that usual case (a right shift past 30; a single-rounding shift outside 1..51) gets
// a NaN multiplier, which fails the range test of every product, so requantize handles it; so does
// any accumulator whose product is too large.

const EXACT_PRODUCT = 2 ** 52;

/** Per-channel constants of a Requantization (prepareRequantization). */
export interface PreparedRequantization {
  /** multiplier * 2^leftShift ('double') or multiplier ('single'); NaN where the usual case never applies. */
  multipliers: Float64Array;
  /** 2^-31 ('double') or 2^-(31 - shift) ('single'): exact scalings of the product. */
  postScales: Float64Array;
  /** 'double': the rounding right shift after the high multiply, 0..30; 'single': 0. */
  rightShifts: Int32Array;
}

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

export function requantizeRows(
  acc: Float64Array,
  n: number,
  channels: number,
  p: PreparedRequantization,
  r: Requantization,
  y: Int8Array,
): void {
  const { multipliers, postScales, rightShifts } = p;
  const zeroPoint = r.outputZeroPoint;
  for (let i = 0, c = 0; i < n; i++, c = c + 1 === channels ? 0 : c + 1) {
    const a = acc[i]!;
    const product = a * multipliers[c]!;
    const z = product * postScales[c]! + 0.5;
    if (!(product < EXACT_PRODUCT && product > -EXACT_PRODUCT && z < 2147483648 && z > -2147483648)) {
      y[i] = requantize(a, c, r);
      continue;
    }
    // floor(z) for |z| < 2^31, and the rounding shift, without a branch on the value (a JIT
    // mispredicts those on real sums): a comparison's 0 or 1 is added instead.
    const t = z | 0;
    let v = t - +(t > z);
    const right = rightShifts[c]!;
    if (right !== 0) {
      const mask = (1 << right) - 1;
      v = (v >> right) + +((v & mask) > (mask >> 1) + (v >>> 31));
    }
    v += zeroPoint;
    y[i] = v < -128 ? -128 : v > 127 ? 127 : v;
  }
}

import { requantize, type Requantization } from './requantize.js';
import { EXACT_PRODUCT, type PreparedRequantization } from './requantize-prepared.js';

// acc: [n] int32 accumulators, channel = index % channels -> y: [n] int8 codes
// requantizePrepared's arithmetic, bit for bit, with no call per value in the usual case: for an
// interpreter (Hermes), where a call (Math.round's included) costs more than a few hundred
// multiply-adds of an int8 dot product. The first rounding is floor(z + 1/2) taken with `| 0`
// (exact: z + 1/2 needs no more bits than the product); anything unusual calls requantize.

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
    let v = z | 0; // floor, for |z| < 2^31
    if (v > z) v--;
    const right = rightShifts[c]!;
    if (right !== 0) {
      const mask = (1 << right) - 1;
      v = (v >> right) + ((v & mask) > (mask >> 1) + (v < 0 ? 1 : 0) ? 1 : 0);
    }
    v += zeroPoint;
    y[i] = v < -128 ? -128 : v > 127 ? 127 : v;
  }
}

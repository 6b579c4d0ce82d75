import { requantize, type Requantization } from './requantize.js';
import { INT8_LANE, type PackedInt8Weights } from './conv1d-int8-blocked.js';

// x: [Tin, Cin] int8 -> y: [(Tin-1)*stride + K, Cout] int8, weights packed by packConv1dInt8Weights (CinG = Cin)
// transposed-conv1d-int8.ts, bit for bit, with conv1d-int8-blocked.ts's two exact tricks: two
// output channels per float64 multiply-add, and the zero point taken out once per input step as
// zeroPoint * (sum of the tap's weights).
export function transposedConv1dInt8Blocked(
  x: Int8Array,
  tIn: number,
  cIn: number,
  inputZeroPoint: number,
  weights: PackedInt8Weights,
  tapSums: Int32Array /* [Cout, K]: sum over Cin of each tap's weights */,
  bias: Int32Array | null,
  kernel: number,
  stride: number,
  y: Int8Array,
  cOut: number,
  requant: Requantization,
): void {
  const { pairs } = weights;
  const tOut = (tIn - 1) * stride + kernel;
  const tapSize = cIn * 2;
  const blockSize = kernel * tapSize;
  for (let o = 0; o < tOut; o++) {
    const firstInput = Math.max(0, Math.ceil((o - kernel + 1) / stride));
    const lastInput = Math.min(tIn - 1, Math.floor(o / stride));
    for (let co = 0; co < cOut; co += 4) {
      let s01 = 0;
      let s23 = 0;
      let correction0 = 0,
        correction1 = 0,
        correction2 = 0,
        correction3 = 0;
      for (let i = firstInput; i <= lastInput; i++) {
        const xi = i * cIn;
        const k = o - i * stride;
        let w = (co / 4) * blockSize + k * tapSize;
        for (let c = 0; c < cIn; c++, w += 2) {
          const xv = x[xi + c];
          s01 += xv * pairs[w];
          s23 += xv * pairs[w + 1];
        }
        correction0 += tapSums[co * kernel + k];
        correction1 += tapSums[(co + 1) * kernel + k];
        correction2 += tapSums[(co + 2) * kernel + k];
        correction3 += tapSums[(co + 3) * kernel + k];
      }
      const u01 = Math.round(s01 / INT8_LANE);
      const u23 = Math.round(s23 / INT8_LANE);
      const out = o * cOut + co;
      const b0 = bias ? bias[co] : 0,
        b1 = bias ? bias[co + 1] : 0,
        b2 = bias ? bias[co + 2] : 0,
        b3 = bias ? bias[co + 3] : 0;
      y[out] = requantize(s01 - u01 * INT8_LANE - inputZeroPoint * correction0 + b0, co, requant);
      y[out + 1] = requantize(u01 - inputZeroPoint * correction1 + b1, co + 1, requant);
      y[out + 2] = requantize(s23 - u23 * INT8_LANE - inputZeroPoint * correction2 + b2, co + 2, requant);
      y[out + 3] = requantize(u23 - inputZeroPoint * correction3 + b3, co + 3, requant);
    }
  }
}

/** [Cout, K, Cin] int8 weights -> [Cout, K] sums over Cin. */
export function tapWeightSums(w: Int8Array, cOut: number, kernel: number, cIn: number): Int32Array {
  const sums = new Int32Array(cOut * kernel);
  for (let i = 0; i < sums.length; i++) for (let c = 0; c < cIn; c++) sums[i] += w[i * cIn + c];
  return sums;
}

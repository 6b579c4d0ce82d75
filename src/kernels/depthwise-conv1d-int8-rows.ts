import type { Requantization } from './requantize.js';
import { type PreparedRequantization, requantizeRows } from './requantize-rows.js';

// x: [Tin, C] int8 -> y: [Tout, C] int8, w: [K, C] int8, bias: [C] int32, acc: [Tout, C] scratch, Tout = Tin - dilation*(K-1)
// depthwise-conv1d-int8.ts bit for bit, for an interpreter (Hermes): the int32 sums with running
// indices, then requantized in one pass by requantizeRows (no call per output value).
export function depthwiseConv1dInt8Rows(
  x: Int8Array,
  tIn: number,
  channels: number,
  inputZeroPoint: number,
  w: Int8Array,
  bias: Int32Array | null,
  kernel: number,
  dilation: number,
  acc: Float64Array,
  y: Int8Array,
  requant: Requantization,
  prepared: PreparedRequantization,
): void {
  const tOut = tIn - dilation * (kernel - 1);
  const tapStep = dilation * channels;
  for (let t = 0, row = 0; t < tOut; t++, row += channels) {
    for (let c = 0; c < channels; c++) {
      let sum = bias ? bias[c] : 0;
      for (let k = 0, xi = row + c, wi = c; k < kernel; k++, xi += tapStep, wi += channels)
        sum += w[wi] * (x[xi] - inputZeroPoint);
      acc[row + c] = sum;
    }
  }
  requantizeRows(acc, tOut * channels, channels, prepared, requant, y);
}

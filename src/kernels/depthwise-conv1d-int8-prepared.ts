import type { Requantization } from './requantize.js';
import { type PreparedRequantization, requantizePrepared } from './requantize-prepared.js';

// x: [Tin, C] int8 -> y: [Tout, C] int8, w: [K, C] int8, bias: [C] int32, Tout = Tin - dilation*(K-1)
// depthwise-conv1d-int8.ts bit for bit, for a JIT: running indices, and each sum requantized by
// requantizePrepared, which a JIT inlines, instead of requantize's nested calls.
export function depthwiseConv1dInt8Prepared(
  x: Int8Array,
  tIn: number,
  channels: number,
  inputZeroPoint: number,
  w: Int8Array,
  bias: Int32Array | null,
  kernel: number,
  dilation: number,
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
      y[row + c] = requantizePrepared(sum, c, prepared, requant);
    }
  }
}

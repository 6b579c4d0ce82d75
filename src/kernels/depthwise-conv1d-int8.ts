import { requantize, type Requantization } from './requantize.js';

// x: [Tin, C] int8 -> y: [Tout, C] int8, w: [K, C] int8, bias: [C] int32, Tout = Tin - dilation*(K-1)
export function depthwiseConv1dInt8(
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
): void {
  const tOut = tIn - dilation * (kernel - 1);
  for (let t = 0; t < tOut; t++) {
    for (let c = 0; c < channels; c++) {
      let acc = bias ? bias[c] : 0;
      for (let k = 0; k < kernel; k++)
        acc += w[k * channels + c] * (x[(t + k * dilation) * channels + c] - inputZeroPoint);
      y[t * channels + c] = requantize(acc, c, requant);
    }
  }
}

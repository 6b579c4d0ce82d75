import { requantize, type Requantization } from './requantize.js';

// x: [Tin, Cin] int8 -> y: [(Tin-1)*stride + K, Cout] int8, w: [Cout, K, Cin] int8, bias: [Cout] int32
export function transposedConv1dInt8(
  x: Int8Array,
  tIn: number,
  cIn: number,
  inputZeroPoint: number,
  w: Int8Array,
  bias: Int32Array | null,
  kernel: number,
  stride: number,
  y: Int8Array,
  cOut: number,
  requant: Requantization,
): void {
  const tOut = (tIn - 1) * stride + kernel;
  for (let o = 0; o < tOut; o++) {
    const firstInput = Math.max(0, Math.ceil((o - kernel + 1) / stride)) | 0;
    const lastInput = Math.min(tIn - 1, Math.floor(o / stride)) | 0;
    for (let co = 0; co < cOut; co++) {
      let acc = bias ? bias[co] : 0;
      for (let i = firstInput; i <= lastInput; i++) {
        const xi = i * cIn;
        const wi = (co * kernel + (o - i * stride)) * cIn;
        for (let c = 0; c < cIn; c++) acc += w[wi + c] * (x[xi + c] - inputZeroPoint);
      }
      y[o * cOut + co] = requantize(acc, co, requant);
    }
  }
}

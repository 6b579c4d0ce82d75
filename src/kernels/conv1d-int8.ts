import { requantize, type Requantization } from './requantize.js';

// x: [Tin, Cin] int8 -> y: [Tout, Cout] int8, w: [Cout, K, Cin/groups] int8, bias: [Cout] int32
// Tout = floor((Tin - dilation*(K-1) - 1) / stride) + 1. Integer sums are exact, so the order is free;
// only the requantization (per output channel) decides the result.
export function conv1dInt8(
  x: Int8Array,
  tIn: number,
  cIn: number,
  inputZeroPoint: number,
  w: Int8Array,
  bias: Int32Array | null,
  kernel: number,
  stride: number,
  dilation: number,
  groups: number,
  y: Int8Array,
  cOut: number,
  requant: Requantization,
): void {
  const cInG = (cIn / groups) | 0;
  const cOutG = (cOut / groups) | 0;
  const tOut = (Math.floor((tIn - dilation * (kernel - 1) - 1) / stride) + 1) | 0;
  for (let t = 0; t < tOut; t++) {
    for (let co = 0; co < cOut; co++) {
      const inBase = t * stride * cIn + ((co / cOutG) | 0) * cInG;
      const wBase = co * kernel * cInG;
      let acc = bias ? bias[co] : 0;
      for (let k = 0; k < kernel; k++) {
        const xk = inBase + k * dilation * cIn;
        const wk = wBase + k * cInG;
        for (let c = 0; c < cInG; c++) acc += w[wk + c] * (x[xk + c] - inputZeroPoint);
      }
      y[t * cOut + co] = requantize(acc, co, requant);
    }
  }
}

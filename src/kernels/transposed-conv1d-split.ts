// x: [Tin, Cin] -> y: [(Tin-1)*stride + K, Cout], packed w: packConv1dWeights(w, Cout*K, 1, Cin), dots: [Tin, Cout*K] scratch
// transposed-conv1d.ts bit for bit, for an interpreter, rounding with Veltkamp's split
// (float32-split.ts). Every (input step, output channel, tap) dot product over Cin, with even
// and odd terms apart, is a pointwise convolution to Cout*K channels: conv1dSplit computes them
// all, each rounded once as the reference rounds it; then each output adds its contributions in
// the reference's order (earliest input first, from zero, bias last). Only for inputs
// float32SplitFits admits; Cout*K a multiple of 4, Cin even or 1.
import { conv1dSplit } from './conv1d-split.js';

export function transposedConv1dSplit(
  x: Float32Array,
  tIn: number,
  cIn: number,
  packed: Float64Array,
  bias: Float32Array | null,
  kernel: number,
  stride: number,
  dots: Float32Array,
  y: Float32Array,
  cOut: number,
): void {
  const C = 536870913; // 2^29 + 1, float32-split.ts's SPLIT as a literal: Hermes then knows it is a number
  const taps = cOut * kernel;
  conv1dSplit(x, tIn, cIn, packed, null, 1, 1, 1, 1, dots, taps, true);
  const tOut = (tIn - 1) * stride + kernel;
  for (let o = 0; o < tOut; o++) {
    const first = Math.max(0, Math.ceil((o - kernel + 1) / stride));
    const last = Math.min(tIn - 1, Math.floor(o / stride));
    const out = o * cOut;
    for (let co = 0; co < cOut; co++) {
      let s = 0;
      for (let i = first, at = first * taps + co * kernel + o - first * stride; i <= last; i++, at += taps - stride) {
        const q = s + dots[at];
        const g = q * C;
        s = g + (q - g);
      }
      if (bias) {
        const q = s + bias[co];
        const g = q * C;
        s = g + (q - g);
      }
      y[out + co] = s;
    }
  }
}

// x: [Tin, Cin] -> y: [(Tin-1)*stride + K, Cout], packed w: [Cout/4, K, Cin, 4] (packConv1dWeights, CinG = Cin), dots: [K, Tin, Cout] scratch
// transposed-conv1d.ts bit for bit, for an interpreter, rounding with Veltkamp's split
// (float32-split.ts). First every (tap, input step) dot product, two input steps per pass with
// each weight read once for both (conv1d-split.ts's tile); then each output adds its
// contributions in the reference's order (earliest input first, from zero, bias last). Only for
// inputs float32SplitFits admits; Cin even, Cout a multiple of 4.
import { channelParityTwo, oneStep } from './conv1d-split.js';

export function transposedConv1dSplit(
  x: Float32Array,
  tIn: number,
  cIn: number,
  packed: Float32Array,
  bias: Float32Array | null,
  kernel: number,
  stride: number,
  dots: Float32Array,
  y: Float32Array,
  cOut: number,
): void {
  const C = 536870913; // 2^29 + 1 (float32-split.ts's SPLIT, a literal so that Hermes knows it is a number)
  const tapSize = cIn * 4;
  const tapRow = tIn * cOut;
  for (let co = 0; co < cOut; co += 4) {
    let w = (co / 4) * kernel * tapSize;
    for (let k = 0; k < kernel; k++, w += tapSize) {
      let i = 0;
      for (; i + 1 < tIn; i += 2) {
        const out = k * tapRow + i * cOut + co;
        channelParityTwo(x, i * cIn, cIn, cIn, cIn, packed, w, 1, 1, dots, out, out + cOut, co, null);
      }
      if (i < tIn) oneStep(x, i * cIn, cIn, cIn, packed, w, 1, 1, dots, k * tapRow + i * cOut + co, co, null, true);
    }
  }
  const tOut = (tIn - 1) * stride + kernel;
  for (let o = 0; o < tOut; o++) {
    const first = Math.max(0, Math.ceil((o - kernel + 1) / stride));
    const last = Math.min(tIn - 1, Math.floor(o / stride));
    const out = o * cOut;
    for (let co = 0; co < cOut; co++) {
      let s = 0;
      for (let i = first; i <= last; i++) {
        const q = s + dots[(o - i * stride) * tapRow + i * cOut + co];
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

import { unpackBlock } from './conv1d-int8-blocked.js';
import type { Requantization } from './requantize.js';
import { type PreparedRequantization, requantizeRows } from './requantize-rows.js';

// x: [Tin, Cin] int8 codes minus the zero point, as float64 (centreInt8) -> y: [(Tin-1)*stride + K, Cout] int8,
// weights packed by packConv1dInt8Weights (CinG = Cin), acc: [(Tin-1)*stride + K, Cout] scratch
// transposed-conv1d-int8.ts, bit for bit, with conv1d-int8-blocked.ts's exact trick: two output
// channels per float64 multiply-add on centred inputs, two input channels per pass.
export function transposedConv1dInt8Blocked(
  x: Float64Array,
  tIn: number,
  cIn: number,
  pairs: Float64Array,
  bias: Int32Array | null,
  kernel: number,
  stride: number,
  acc: Float64Array,
  y: Int8Array,
  cOut: number,
  requant: Requantization,
  prepared: PreparedRequantization,
): void {
  const tOut = (tIn - 1) * stride + kernel;
  const tapSize = cIn * 2;
  const blockSize = kernel * tapSize;
  const even = cIn - (cIn % 2);
  for (let o = 0; o < tOut; o++) {
    const firstInput = Math.max(0, Math.ceil((o - kernel + 1) / stride)) | 0;
    const lastInput = Math.min(tIn - 1, Math.floor(o / stride)) | 0;
    let co = 0;
    // Eight channels (four independent sums) at a time where Cout allows: one sum per pass would
    // wait on its own previous add.
    for (; co + 8 <= cOut; co += 8) {
      let s01 = 0,
        s23 = 0,
        s45 = 0,
        s67 = 0;
      for (let i = firstInput; i <= lastInput; i++) {
        const xi = i * cIn;
        const tap = (o - i * stride) * tapSize;
        let w = ((co / 4) | 0) * blockSize + tap;
        let v = w + blockSize;
        let c = 0;
        for (; c < even; c += 2, w += 4, v += 4) {
          const xv = x[xi + c];
          const xu = x[xi + c + 1];
          s01 += xv * pairs[w] + xu * pairs[w + 2];
          s23 += xv * pairs[w + 1] + xu * pairs[w + 3];
          s45 += xv * pairs[v] + xu * pairs[v + 2];
          s67 += xv * pairs[v + 1] + xu * pairs[v + 3];
        }
        if (c < cIn) {
          const xv = x[xi + c];
          s01 += xv * pairs[w];
          s23 += xv * pairs[w + 1];
          s45 += xv * pairs[v];
          s67 += xv * pairs[v + 1];
        }
      }
      unpackBlock(acc, o * cOut + co, co, s01, s23, bias);
      unpackBlock(acc, o * cOut + co + 4, co + 4, s45, s67, bias);
    }
    for (; co < cOut; co += 4) {
      let s01 = 0;
      let s23 = 0;
      for (let i = firstInput; i <= lastInput; i++) {
        const xi = i * cIn;
        let w = ((co / 4) | 0) * blockSize + (o - i * stride) * tapSize;
        let c = 0;
        for (; c < even; c += 2, w += 4) {
          const xv = x[xi + c];
          const xu = x[xi + c + 1];
          s01 += xv * pairs[w] + xu * pairs[w + 2];
          s23 += xv * pairs[w + 1] + xu * pairs[w + 3];
        }
        if (c < cIn) {
          s01 += x[xi + c] * pairs[w];
          s23 += x[xi + c] * pairs[w + 1];
        }
      }
      unpackBlock(acc, o * cOut + co, co, s01, s23, bias);
    }
  }
  requantizeRows(acc, tOut * cOut, cOut, prepared, requant, y);
}

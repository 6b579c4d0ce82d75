import { unpack } from './conv1d-int8-rows.js';
import type { Requantization } from './requantize.js';
import { type PreparedRequantization, requantizeRows } from './requantize-rows.js';

// x: [Tin, Cin] int8 -> y: [(Tin-1)*stride + K, Cout] int8, weights packed by packConv1dInt8Weights (CinG = Cin), acc: [(Tin-1)*stride + K, Cout] scratch
// transposed-conv1d-int8-blocked.ts bit for bit, for an interpreter (Hermes): the int32 sums of
// the whole output first (unpacked without Math.round), then requantized in one pass by
// requantizeRows instead of three nested calls per output value. Eight output channels per pass
// where there are, so that each input read serves four paired sums (two multiply-adds each).
export function transposedConv1dInt8Rows(
  x: Int8Array,
  tIn: number,
  cIn: number,
  inputZeroPoint: number,
  pairs: Float64Array,
  tapSums: Int32Array /* [Cout, K]: sum over Cin of each tap's weights */,
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
  for (let o = 0; o < tOut; o++) {
    const firstInput = Math.max(0, Math.ceil((o - kernel + 1) / stride));
    const lastInput = Math.min(tIn - 1, Math.floor(o / stride));
    let co = 0;
    // Eight channels (two packed blocks of four) per pass: each input read serves four paired sums.
    for (; co + 8 <= cOut; co += 8) {
      let s01 = 0,
        s23 = 0,
        s45 = 0,
        s67 = 0;
      for (let i = firstInput; i <= lastInput; i++) {
        const i0 = i * cIn;
        const i1 = i0 + cIn;
        for (let xi = i0, w = (co / 4) * blockSize + (o - i * stride) * tapSize, v = w + blockSize; xi < i1; xi++) {
          const u = x[xi];
          s01 += u * pairs[w];
          s23 += u * pairs[w + 1];
          s45 += u * pairs[v];
          s67 += u * pairs[v + 1];
          w += 2;
          v += 2;
        }
      }
      unpackCorrected(acc, o, s01, s23, co, cOut, bias, tapSums, kernel, stride, firstInput, lastInput, inputZeroPoint);
      unpackCorrected(
        acc,
        o,
        s45,
        s67,
        co + 4,
        cOut,
        bias,
        tapSums,
        kernel,
        stride,
        firstInput,
        lastInput,
        inputZeroPoint,
      );
    }
    for (; co < cOut; co += 4) {
      let s01 = 0,
        s23 = 0;
      for (let i = firstInput; i <= lastInput; i++) {
        const i0 = i * cIn;
        const i1 = i0 + cIn;
        for (let xi = i0, w = (co / 4) * blockSize + (o - i * stride) * tapSize; xi < i1; xi++, w += 2) {
          const v = x[xi];
          s01 += v * pairs[w];
          s23 += v * pairs[w + 1];
        }
      }
      unpackCorrected(acc, o, s01, s23, co, cOut, bias, tapSums, kernel, stride, firstInput, lastInput, inputZeroPoint);
    }
  }
  requantizeRows(acc, tOut * cOut, cOut, prepared, requant, y);
}

/** unpack for output step o, channels co..co+3: each sum plus its bias, less the input zero point times the weights of the taps that reached it. */
function unpackCorrected(
  acc: Float64Array,
  o: number,
  s01: number,
  s23: number,
  co: number,
  cOut: number,
  bias: Int32Array | null,
  tapSums: Int32Array,
  kernel: number,
  stride: number,
  firstInput: number,
  lastInput: number,
  z: number,
): void {
  let tap0 = 0,
    tap1 = 0,
    tap2 = 0,
    tap3 = 0;
  for (let i = firstInput; i <= lastInput; i++) {
    const k = o - i * stride;
    tap0 += tapSums[co * kernel + k];
    tap1 += tapSums[(co + 1) * kernel + k];
    tap2 += tapSums[(co + 2) * kernel + k];
    tap3 += tapSums[(co + 3) * kernel + k];
  }
  const b0 = bias ? bias[co] : 0,
    b1 = bias ? bias[co + 1] : 0,
    b2 = bias ? bias[co + 2] : 0,
    b3 = bias ? bias[co + 3] : 0;
  unpack(acc, o * cOut + co, s01, s23, b0 - z * tap0, b1 - z * tap1, b2 - z * tap2, b3 - z * tap3);
}

/** [Cout, K, Cin] int8 weights -> [Cout, K] sums over Cin. */
export function tapWeightSums(w: Int8Array, cOut: number, kernel: number, cIn: number): Int32Array {
  const sums = new Int32Array(cOut * kernel);
  for (let i = 0; i < sums.length; i++) for (let c = 0; c < cIn; c++) sums[i] += w[i * cIn + c];
  return sums;
}

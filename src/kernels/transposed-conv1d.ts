// x: [Tin, Cin] -> y: [(Tin-1)*stride + K, Cout], w: [Cout, K, Cin]
// Every output sample gathers the inputs whose kernel footprint covers it, earliest input
// first. Each input's contribution is a dot product over Cin with even and odd terms summed
// apart (like conv1d's splitAccumulators), the contributions are added from zero, and the
// bias comes last: the order of TFLite's GEMM + col2im kernel, reproduced bit for bit.
export function transposedConv1d(
  x: Float32Array,
  tIn: number,
  cIn: number,
  w: Float32Array,
  bias: Float32Array | null,
  kernel: number,
  stride: number,
  y: Float32Array,
  cOut: number,
): void {
  const fr = Math.fround;
  const tOut = (tIn - 1) * stride + kernel;
  for (let o = 0; o < tOut; o++) {
    const firstInput = Math.max(0, Math.ceil((o - kernel + 1) / stride)) | 0;
    const lastInput = Math.min(tIn - 1, Math.floor(o / stride)) | 0;
    for (let co = 0; co < cOut; co++) {
      let sum = 0;
      for (let i = firstInput; i <= lastInput; i++) {
        const xi = i * cIn;
        const wi = (co * kernel + (o - i * stride)) * cIn;
        let even = 0;
        let odd = 0;
        for (let c = 0; c < cIn; c += 2) {
          even = fr(even + fr(x[xi + c] * w[wi + c]));
          if (c + 1 < cIn) odd = fr(odd + fr(x[xi + c + 1] * w[wi + c + 1]));
        }
        sum = fr(sum + fr(even + odd));
      }
      y[o * cOut + co] = bias ? fr(sum + bias[co]) : sum;
    }
  }
}

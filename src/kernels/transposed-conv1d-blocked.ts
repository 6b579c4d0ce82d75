// x: [Tin, Cin] -> y: [(Tin-1)*stride + K, Cout], packed w: [Cout/4, K, Cin, 4] (packConv1dWeights with CinG = Cin)
// transposed-conv1d.ts, bit for bit, four output channels at a time (eight independent float32
// accumulator chains: even and odd terms of each), with weights re-laid out at load time for
// contiguous reads. Eight channels at a time (sixteen chains) ran 1.2x slower in
// JavaScriptCore, which then spills registers. Needs an even Cin and Cout a multiple of 4.
export function transposedConv1dBlocked(
  x: Float32Array | Float64Array,
  tIn: number,
  cIn: number,
  packed: Float32Array | Float64Array,
  bias: Float32Array | null,
  kernel: number,
  stride: number,
  y: Float32Array,
  cOut: number,
): void {
  const fr = Math.fround;
  const tOut = (tIn - 1) * stride + kernel;
  const tapSize = cIn * 4;
  const blockSize = kernel * tapSize;
  for (let o = 0; o < tOut; o++) {
    const firstInput = Math.max(0, Math.ceil((o - kernel + 1) / stride)) | 0;
    const lastInput = Math.min(tIn - 1, Math.floor(o / stride)) | 0;
    for (let co = 0; co < cOut; co += 4) {
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      for (let i = firstInput; i <= lastInput; i++) {
        const xi = i * cIn;
        let w = ((co / 4) | 0) * blockSize + (o - i * stride) * tapSize;
        let e0 = 0,
          e1 = 0,
          e2 = 0,
          e3 = 0;
        let o0 = 0,
          o1 = 0,
          o2 = 0,
          o3 = 0;
        for (let c = 0; c < cIn; c += 2, w += 8) {
          const xe = x[xi + c];
          const xo = x[xi + c + 1];
          e0 = fr(e0 + fr(xe * packed[w]));
          e1 = fr(e1 + fr(xe * packed[w + 1]));
          e2 = fr(e2 + fr(xe * packed[w + 2]));
          e3 = fr(e3 + fr(xe * packed[w + 3]));
          o0 = fr(o0 + fr(xo * packed[w + 4]));
          o1 = fr(o1 + fr(xo * packed[w + 5]));
          o2 = fr(o2 + fr(xo * packed[w + 6]));
          o3 = fr(o3 + fr(xo * packed[w + 7]));
        }
        s0 = fr(s0 + fr(e0 + o0));
        s1 = fr(s1 + fr(e1 + o1));
        s2 = fr(s2 + fr(e2 + o2));
        s3 = fr(s3 + fr(e3 + o3));
      }
      const out = o * cOut + co;
      if (bias) {
        y[out] = fr(s0 + bias[co]);
        y[out + 1] = fr(s1 + bias[co + 1]);
        y[out + 2] = fr(s2 + bias[co + 2]);
        y[out + 3] = fr(s3 + bias[co + 3]);
      } else {
        y[out] = s0;
        y[out + 1] = s1;
        y[out + 2] = s2;
        y[out + 3] = s3;
      }
    }
  }
}

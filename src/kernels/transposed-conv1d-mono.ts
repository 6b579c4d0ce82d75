// x: [Tin, Cin] -> y: [(Tin-1)*stride + K, 1], w: [1, K, Cin]
// transposed-conv1d.ts for one output channel (a waveform), bit for bit, four neighbouring
// outputs at a time: they are reached by the same inputs through four neighbouring taps, so
// each input value is loaded once for four multiplies. Needs an even Cin.
export function transposedConv1dMono(
  x: Float32Array,
  tIn: number,
  cIn: number,
  w: Float32Array,
  bias: Float32Array | null,
  kernel: number,
  stride: number,
  y: Float32Array,
): void {
  const fr = Math.fround;
  const tOut = (tIn - 1) * stride + kernel;
  const b = bias ? bias[0] : 0;
  const first = (o: number) => Math.max(0, Math.ceil((o - kernel + 1) / stride));
  const last = (o: number) => Math.min(tIn - 1, Math.floor(o / stride));
  for (let o = 0; o < tOut; o += 4) {
    const four = o + 3 < tOut && first(o) === first(o + 3) && last(o) === last(o + 3);
    if (!four) {
      for (let j = o; j < Math.min(o + 4, tOut); j++)
        y[j] = single(x, cIn, w, b, bias !== null, j, first(j), last(j), stride);
      continue;
    }
    let s0 = 0,
      s1 = 0,
      s2 = 0,
      s3 = 0;
    for (let i = first(o); i <= last(o); i++) {
      const xi = i * cIn;
      const w0 = (o - i * stride) * cIn;
      const w1 = w0 + cIn,
        w2 = w1 + cIn,
        w3 = w2 + cIn;
      let e0 = 0,
        e1 = 0,
        e2 = 0,
        e3 = 0,
        d0 = 0,
        d1 = 0,
        d2 = 0,
        d3 = 0;
      for (let c = 0; c < cIn; c += 2) {
        const xe = x[xi + c];
        const xo = x[xi + c + 1];
        e0 = fr(e0 + fr(xe * w[w0 + c]));
        e1 = fr(e1 + fr(xe * w[w1 + c]));
        e2 = fr(e2 + fr(xe * w[w2 + c]));
        e3 = fr(e3 + fr(xe * w[w3 + c]));
        d0 = fr(d0 + fr(xo * w[w0 + c + 1]));
        d1 = fr(d1 + fr(xo * w[w1 + c + 1]));
        d2 = fr(d2 + fr(xo * w[w2 + c + 1]));
        d3 = fr(d3 + fr(xo * w[w3 + c + 1]));
      }
      s0 = fr(s0 + fr(e0 + d0));
      s1 = fr(s1 + fr(e1 + d1));
      s2 = fr(s2 + fr(e2 + d2));
      s3 = fr(s3 + fr(e3 + d3));
    }
    if (bias) {
      y[o] = fr(s0 + b);
      y[o + 1] = fr(s1 + b);
      y[o + 2] = fr(s2 + b);
      y[o + 3] = fr(s3 + b);
    } else {
      y[o] = s0;
      y[o + 1] = s1;
      y[o + 2] = s2;
      y[o + 3] = s3;
    }
  }
}

/** One output, in transposed-conv1d.ts's order. */
function single(
  x: Float32Array,
  cIn: number,
  w: Float32Array,
  b: number,
  hasBias: boolean,
  o: number,
  first: number,
  last: number,
  stride: number,
): number {
  const fr = Math.fround;
  let sum = 0;
  for (let i = first; i <= last; i++) {
    const xi = i * cIn;
    const wi = (o - i * stride) * cIn;
    let even = 0;
    let odd = 0;
    for (let c = 0; c < cIn; c += 2) {
      even = fr(even + fr(x[xi + c] * w[wi + c]));
      odd = fr(odd + fr(x[xi + c + 1] * w[wi + c + 1]));
    }
    sum = fr(sum + fr(even + odd));
  }
  return hasBias ? fr(sum + b) : sum;
}

// x: [Tin, Cin] (widened to float64 for V8) -> y: [(Tin-1)*stride + K, 1], w: [1, K, Cin] (as float64 for V8)
// transposed-conv1d.ts for one output channel (a waveform), bit for bit, eight neighbouring
// outputs at a time: they are reached by the same inputs through eight neighbouring taps, so
// each input value is loaded once for eight multiplies, and sixteen independent float32 chains
// (even and odd terms of eight outputs) keep the CPU busy. Needs an even Cin.
export function transposedConv1dMono(
  x: Float32Array | Float64Array,
  tIn: number,
  cIn: number,
  w: Float32Array | Float64Array,
  bias: Float32Array | null,
  kernel: number,
  stride: number,
  y: Float32Array,
): void {
  const fr = Math.fround;
  const tOut = (tIn - 1) * stride + kernel;
  const b = bias ? bias[0] : 0;
  const first = (o: number) => Math.max(0, Math.ceil((o - kernel + 1) / stride)) | 0;
  const last = (o: number) => Math.min(tIn - 1, Math.floor(o / stride)) | 0;
  for (let o = 0; o < tOut; o += 8) {
    const eight = o + 7 < tOut && first(o) === first(o + 7) && last(o) === last(o + 7);
    if (!eight) {
      for (let j = o; j < Math.min(o + 8, tOut); j++)
        y[j] = single(x, cIn, w, b, bias !== null, j, first(j), last(j), stride);
      continue;
    }
    let s0 = 0,
      s1 = 0,
      s2 = 0,
      s3 = 0,
      s4 = 0,
      s5 = 0,
      s6 = 0,
      s7 = 0;
    for (let i = first(o); i <= last(o); i++) {
      const xi = i * cIn;
      const w0 = (o - i * stride) * cIn;
      const w1 = w0 + cIn,
        w2 = w1 + cIn,
        w3 = w2 + cIn,
        w4 = w3 + cIn,
        w5 = w4 + cIn,
        w6 = w5 + cIn,
        w7 = w6 + cIn;
      let e0 = 0,
        e1 = 0,
        e2 = 0,
        e3 = 0,
        e4 = 0,
        e5 = 0,
        e6 = 0,
        e7 = 0,
        d0 = 0,
        d1 = 0,
        d2 = 0,
        d3 = 0,
        d4 = 0,
        d5 = 0,
        d6 = 0,
        d7 = 0;
      for (let c = 0; c < cIn; c += 2) {
        const xe = x[xi + c];
        const xo = x[xi + c + 1];
        e0 = fr(e0 + fr(xe * w[w0 + c]));
        e1 = fr(e1 + fr(xe * w[w1 + c]));
        e2 = fr(e2 + fr(xe * w[w2 + c]));
        e3 = fr(e3 + fr(xe * w[w3 + c]));
        e4 = fr(e4 + fr(xe * w[w4 + c]));
        e5 = fr(e5 + fr(xe * w[w5 + c]));
        e6 = fr(e6 + fr(xe * w[w6 + c]));
        e7 = fr(e7 + fr(xe * w[w7 + c]));
        d0 = fr(d0 + fr(xo * w[w0 + c + 1]));
        d1 = fr(d1 + fr(xo * w[w1 + c + 1]));
        d2 = fr(d2 + fr(xo * w[w2 + c + 1]));
        d3 = fr(d3 + fr(xo * w[w3 + c + 1]));
        d4 = fr(d4 + fr(xo * w[w4 + c + 1]));
        d5 = fr(d5 + fr(xo * w[w5 + c + 1]));
        d6 = fr(d6 + fr(xo * w[w6 + c + 1]));
        d7 = fr(d7 + fr(xo * w[w7 + c + 1]));
      }
      s0 = fr(s0 + fr(e0 + d0));
      s1 = fr(s1 + fr(e1 + d1));
      s2 = fr(s2 + fr(e2 + d2));
      s3 = fr(s3 + fr(e3 + d3));
      s4 = fr(s4 + fr(e4 + d4));
      s5 = fr(s5 + fr(e5 + d5));
      s6 = fr(s6 + fr(e6 + d6));
      s7 = fr(s7 + fr(e7 + d7));
    }
    if (bias) {
      y[o] = fr(s0 + b);
      y[o + 1] = fr(s1 + b);
      y[o + 2] = fr(s2 + b);
      y[o + 3] = fr(s3 + b);
      y[o + 4] = fr(s4 + b);
      y[o + 5] = fr(s5 + b);
      y[o + 6] = fr(s6 + b);
      y[o + 7] = fr(s7 + b);
    } else {
      y[o] = s0;
      y[o + 1] = s1;
      y[o + 2] = s2;
      y[o + 3] = s3;
      y[o + 4] = s4;
      y[o + 5] = s5;
      y[o + 6] = s6;
      y[o + 7] = s7;
    }
  }
}

/** One output, in transposed-conv1d.ts's order. */
function single(
  x: Float32Array | Float64Array,
  cIn: number,
  w: Float32Array | Float64Array,
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

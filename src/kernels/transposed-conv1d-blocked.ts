// x: [Tin, Cin] -> y: [(Tin-1)*stride + K, Cout], packed w: [Cout/4, K, Cin, 4] (packConv1dWeights with CinG = Cin)
// transposed-conv1d.ts, bit for bit, eight output channels at a time where Cout allows (sixteen
// independent float32 accumulator chains: even and odd terms of each), else four, with weights
// re-laid out at load time for contiguous reads. Needs an even Cin and Cout a multiple of 4.
export function transposedConv1dBlocked(
  x: Float64Array,
  tIn: number,
  cIn: number,
  packed: Float64Array,
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
    const firstInput = Math.max(0, Math.ceil((o - kernel + 1) / stride));
    const lastInput = Math.min(tIn - 1, Math.floor(o / stride));
    let co = 0;
    for (; co + 8 <= cOut; co += 8)
      eightChannels(x, cIn, packed, bias, kernel, stride, y, cOut, o, co, firstInput, lastInput);
    for (; co < cOut; co += 4) {
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      for (let i = firstInput; i <= lastInput; i++) {
        const xi = i * cIn;
        let w = (co / 4) * blockSize + (o - i * stride) * tapSize;
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

/** Output step o, channels co..co+7, of transposedConv1dBlocked: two packed blocks side by side. */
function eightChannels(
  x: Float64Array,
  cIn: number,
  packed: Float64Array,
  bias: Float32Array | null,
  kernel: number,
  stride: number,
  y: Float32Array,
  cOut: number,
  o: number,
  co: number,
  firstInput: number,
  lastInput: number,
): void {
  const fr = Math.fround;
  const tapSize = cIn * 4;
  const blockSize = kernel * tapSize;
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0,
    s4 = 0,
    s5 = 0,
    s6 = 0,
    s7 = 0;
  for (let i = firstInput; i <= lastInput; i++) {
    const xi = i * cIn;
    let w = (co / 4) * blockSize + (o - i * stride) * tapSize;
    let v = w + blockSize;
    let e0 = 0,
      e1 = 0,
      e2 = 0,
      e3 = 0,
      e4 = 0,
      e5 = 0,
      e6 = 0,
      e7 = 0;
    let o0 = 0,
      o1 = 0,
      o2 = 0,
      o3 = 0,
      o4 = 0,
      o5 = 0,
      o6 = 0,
      o7 = 0;
    for (let c = 0; c < cIn; c += 2, w += 8, v += 8) {
      const xe = x[xi + c];
      const xo = x[xi + c + 1];
      e0 = fr(e0 + fr(xe * packed[w]));
      e1 = fr(e1 + fr(xe * packed[w + 1]));
      e2 = fr(e2 + fr(xe * packed[w + 2]));
      e3 = fr(e3 + fr(xe * packed[w + 3]));
      e4 = fr(e4 + fr(xe * packed[v]));
      e5 = fr(e5 + fr(xe * packed[v + 1]));
      e6 = fr(e6 + fr(xe * packed[v + 2]));
      e7 = fr(e7 + fr(xe * packed[v + 3]));
      o0 = fr(o0 + fr(xo * packed[w + 4]));
      o1 = fr(o1 + fr(xo * packed[w + 5]));
      o2 = fr(o2 + fr(xo * packed[w + 6]));
      o3 = fr(o3 + fr(xo * packed[w + 7]));
      o4 = fr(o4 + fr(xo * packed[v + 4]));
      o5 = fr(o5 + fr(xo * packed[v + 5]));
      o6 = fr(o6 + fr(xo * packed[v + 6]));
      o7 = fr(o7 + fr(xo * packed[v + 7]));
    }
    s0 = fr(s0 + fr(e0 + o0));
    s1 = fr(s1 + fr(e1 + o1));
    s2 = fr(s2 + fr(e2 + o2));
    s3 = fr(s3 + fr(e3 + o3));
    s4 = fr(s4 + fr(e4 + o4));
    s5 = fr(s5 + fr(e5 + o5));
    s6 = fr(s6 + fr(e6 + o6));
    s7 = fr(s7 + fr(e7 + o7));
  }
  const out = o * cOut + co;
  if (bias) {
    y[out] = fr(s0 + bias[co]);
    y[out + 1] = fr(s1 + bias[co + 1]);
    y[out + 2] = fr(s2 + bias[co + 2]);
    y[out + 3] = fr(s3 + bias[co + 3]);
    y[out + 4] = fr(s4 + bias[co + 4]);
    y[out + 5] = fr(s5 + bias[co + 5]);
    y[out + 6] = fr(s6 + bias[co + 6]);
    y[out + 7] = fr(s7 + bias[co + 7]);
  } else {
    y[out] = s0;
    y[out + 1] = s1;
    y[out + 2] = s2;
    y[out + 3] = s3;
    y[out + 4] = s4;
    y[out + 5] = s5;
    y[out + 6] = s6;
    y[out + 7] = s7;
  }
}

// x: [Tin, Cin] -> y: [Tout, Cout], packed w: [Cout/4, K, Cin/groups, 4] (packConv1dWeights)
// The convolution of conv1d.ts in float64 instead of float32: each output is one float64 sum
// over (tap, channel) in order, bias last, rounded to float32 once when stored. Not the
// reference runtime's bits (that needs a float32 rounding after every operation, see
// conv1d-blocked.ts), but closer to the exact result and about 1.6x as fast, because the
// rounding instructions were most of the work. Blocked as four output channels by three output
// steps: twelve accumulators, and every loaded input and weight used three or four times, which
// is as many as the CPU's sixteen float registers hold without spilling.
export function conv1dFast(
  x: Float64Array,
  tIn: number,
  cIn: number,
  packed: Float64Array,
  bias: Float32Array | null,
  kernel: number,
  stride: number,
  dilation: number,
  groups: number,
  y: Float32Array,
  cOut: number,
): void {
  const cInG = (cIn / groups) | 0;
  const cOutG = (cOut / groups) | 0;
  const tOut = (Math.floor((tIn - dilation * (kernel - 1) - 1) / stride) + 1) | 0;
  const blockSize = kernel * cInG * 4;
  const step = stride * cIn;
  let t = 0;
  for (; t + 2 < tOut; t += 3) {
    for (let co = 0; co < cOut; co += 4) {
      const inBase = t * step + ((co / cOutG) | 0) * cInG;
      let w = ((co / 4) | 0) * blockSize;
      // a*, b*, c*: steps t, t + 1, t + 2
      let a0 = 0,
        a1 = 0,
        a2 = 0,
        a3 = 0,
        b0 = 0,
        b1 = 0,
        b2 = 0,
        b3 = 0,
        c0 = 0,
        c1 = 0,
        c2 = 0,
        c3 = 0;
      for (let k = 0; k < kernel; k++) {
        const xa = inBase + k * dilation * cIn;
        const xb = xa + step;
        const xc = xb + step;
        for (let c = 0; c < cInG; c++, w += 4) {
          const va = x[xa + c],
            vb = x[xb + c],
            vc = x[xc + c];
          let wj = packed[w];
          a0 += va * wj;
          b0 += vb * wj;
          c0 += vc * wj;
          wj = packed[w + 1];
          a1 += va * wj;
          b1 += vb * wj;
          c1 += vc * wj;
          wj = packed[w + 2];
          a2 += va * wj;
          b2 += vb * wj;
          c2 += vc * wj;
          wj = packed[w + 3];
          a3 += va * wj;
          b3 += vb * wj;
          c3 += vc * wj;
        }
      }
      const ya = t * cOut + co;
      const yb = ya + cOut;
      const yc = yb + cOut;
      if (bias) {
        const d0 = bias[co],
          d1 = bias[co + 1],
          d2 = bias[co + 2],
          d3 = bias[co + 3];
        a0 += d0;
        a1 += d1;
        a2 += d2;
        a3 += d3;
        b0 += d0;
        b1 += d1;
        b2 += d2;
        b3 += d3;
        c0 += d0;
        c1 += d1;
        c2 += d2;
        c3 += d3;
      }
      y[ya] = a0;
      y[ya + 1] = a1;
      y[ya + 2] = a2;
      y[ya + 3] = a3;
      y[yb] = b0;
      y[yb + 1] = b1;
      y[yb + 2] = b2;
      y[yb + 3] = b3;
      y[yc] = c0;
      y[yc + 1] = c1;
      y[yc + 2] = c2;
      y[yc + 3] = c3;
    }
  }
  for (; t < tOut; t++) {
    for (let co = 0; co < cOut; co += 4) {
      const inBase = t * step + ((co / cOutG) | 0) * cInG;
      let w = ((co / 4) | 0) * blockSize;
      let a0 = 0,
        a1 = 0,
        a2 = 0,
        a3 = 0;
      for (let k = 0; k < kernel; k++) {
        const xa = inBase + k * dilation * cIn;
        for (let c = 0; c < cInG; c++, w += 4) {
          const va = x[xa + c];
          a0 += va * packed[w];
          a1 += va * packed[w + 1];
          a2 += va * packed[w + 2];
          a3 += va * packed[w + 3];
        }
      }
      const ya = t * cOut + co;
      if (bias) {
        a0 += bias[co];
        a1 += bias[co + 1];
        a2 += bias[co + 2];
        a3 += bias[co + 3];
      }
      y[ya] = a0;
      y[ya + 1] = a1;
      y[ya + 2] = a2;
      y[ya + 3] = a3;
    }
  }
}

// x: [Tin, Cin] -> y: [Tout, Cout], w: [Cout, K, Cin/groups], Tout = floor((Tin - dilation*(K-1) - 1) / stride) + 1
// Valid (unpadded) convolution: causality and streaming history are the caller's business.
// Float32 arithmetic throughout (Math.fround after every operation), bias added last.
// `splitAccumulators` sums the even and odd terms of the flattened (tap, channel) dot product
// separately and adds the two halves at the end: the order TFLite's GEMM path uses for
// ungrouped convolutions of whole blocks of 4 output steps per invocation, so that results match
// it bit for bit. Fewer than 4 steps, and grouped convolutions (TFLite's reference kernel), sum
// in plain order (splitAccumulators = false). The importer decides per node (floatGemmOrder).
export function conv1d(
  x: Float32Array,
  tIn: number,
  cIn: number,
  w: Float32Array,
  bias: Float32Array | null,
  kernel: number,
  stride: number,
  dilation: number,
  groups: number,
  y: Float32Array,
  cOut: number,
  splitAccumulators: boolean,
): void {
  const fr = Math.fround;
  const cInG = (cIn / groups) | 0;
  const cOutG = (cOut / groups) | 0;
  const tOut = (Math.floor((tIn - dilation * (kernel - 1) - 1) / stride) + 1) | 0;
  for (let t = 0; t < tOut; t++) {
    for (let co = 0; co < cOut; co++) {
      const inBase = t * stride * cIn + ((co / cOutG) | 0) * cInG;
      const wBase = co * kernel * cInG;
      let even = 0;
      let odd = 0;
      let term = 0;
      for (let k = 0; k < kernel; k++) {
        const xk = inBase + k * dilation * cIn;
        const wk = wBase + k * cInG;
        for (let c = 0; c < cInG; c++, term++) {
          const p = fr(x[xk + c] * w[wk + c]);
          if (splitAccumulators && (term & 1) === 1) odd = fr(odd + p);
          else even = fr(even + p);
        }
      }
      const sum = splitAccumulators ? fr(even + odd) : even;
      y[t * cOut + co] = bias ? fr(sum + bias[co]) : sum;
    }
  }
}

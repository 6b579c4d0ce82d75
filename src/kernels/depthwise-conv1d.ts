// x: [Tin, C] -> y: [Tout, C], w: [K, C], Tout = Tin - dilation*(K-1)
// One filter per channel; float32 arithmetic, taps summed in order, bias added last
// (the order of TFLite's depthwise kernel).
export function depthwiseConv1d(
  x: Float32Array,
  tIn: number,
  channels: number,
  w: Float32Array,
  bias: Float32Array | null,
  kernel: number,
  dilation: number,
  y: Float32Array,
): void {
  const fr = Math.fround;
  const tOut = tIn - dilation * (kernel - 1);
  for (let t = 0; t < tOut; t++) {
    for (let c = 0; c < channels; c++) {
      let sum = 0;
      for (let k = 0; k < kernel; k++) sum = fr(sum + fr(x[(t + k * dilation) * channels + c] * w[k * channels + c]));
      y[t * channels + c] = bias ? fr(sum + bias[c]) : sum;
    }
  }
}

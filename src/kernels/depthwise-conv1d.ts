// x: [Tin, C] -> y: [Tout, C], w: [K, C], Tout = Tin - dilation*(K-1)
// One filter per channel; float32 arithmetic, taps summed in order, bias added last
// (the order of TFLite's depthwise kernel). Each output row is built tap by tap, in place in y:
// a Float32Array store rounds exactly as Math.fround does, and the inner loops then walk three
// contiguous rows instead of striding through the taps of one channel. y must not alias x.
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
    const out = t * channels;
    const first = t * channels;
    // 0 + product, as the reference's sum starts: a -0 product becomes +0.
    for (let c = 0; c < channels; c++) y[out + c] = fr(x[first + c] * w[c]) + 0;
    for (let k = 1; k < kernel; k++) {
      const row = (t + k * dilation) * channels;
      const taps = k * channels;
      for (let c = 0; c < channels; c++) y[out + c] = y[out + c] + fr(x[row + c] * w[taps + c]);
    }
    if (bias) for (let c = 0; c < channels; c++) y[out + c] = y[out + c] + bias[c];
  }
}

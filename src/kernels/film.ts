// x: [T, C], cond: [T, D], w: [D, 2C], b: [2C] -> y: [T, C] (may alias x)
// Feature-wise linear modulation: per frame, gamma and beta come from the conditioning vector
// through one linear layer (gamma = w[:, :C], beta = w[:, C:]), then y = gamma * x + beta.
// Float32 throughout: bias first, then the condition terms in order.
export function film(
  x: Float32Array,
  frames: number,
  channels: number,
  cond: Float32Array,
  condDim: number,
  w: Float32Array,
  b: Float32Array,
  y: Float32Array,
): void {
  const fr = Math.fround;
  const width = 2 * channels;
  for (let t = 0; t < frames; t++) {
    for (let c = 0; c < channels; c++) {
      let gamma = b[c];
      let beta = b[channels + c];
      for (let d = 0; d < condDim; d++) {
        const v = cond[t * condDim + d];
        gamma = fr(gamma + fr(v * w[d * width + c]));
        beta = fr(beta + fr(v * w[d * width + channels + c]));
      }
      y[t * channels + c] = fr(fr(gamma * x[t * channels + c]) + beta);
    }
  }
}

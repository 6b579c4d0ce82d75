// x: [n] float32 -> y: [n] float64, the leaky ReLU of each value (the bits of leakyRelu, then widen)
// A float convolution that is the only reader of a leaky ReLU's output applies the activation
// here, in the widened copy it makes of its input anyway: one pass over the values instead of two.
export function widenLeakyRelu(x: Float32Array, n: number, alpha: number, y: Float64Array): void {
  const fr = Math.fround;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    y[i] = v > 0 ? v : fr(v * alpha);
  }
}

// x: [N] -> y: [N] (may alias x)
export function leakyRelu(x: Float32Array, n: number, alpha: number, y: Float32Array): void {
  const fr = Math.fround;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    y[i] = v > 0 ? v : fr(v * alpha);
  }
}

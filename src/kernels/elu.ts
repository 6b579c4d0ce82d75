// x: [N] -> y: [N] (may alias x); y = x for x > 0, alpha * (exp(x) - 1) otherwise
export function elu(x: Float32Array, n: number, alpha: number, y: Float32Array): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    y[i] = v > 0 ? v : alpha * Math.expm1(v);
  }
}

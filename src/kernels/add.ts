// a: [N], b: [N] -> y: [N] (y may alias a or b)
export function add(a: Float32Array, b: Float32Array, n: number, y: Float32Array): void {
  for (let i = 0; i < n; i++) y[i] = a[i] + b[i];
}

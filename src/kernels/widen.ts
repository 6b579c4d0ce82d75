// x: [n] float32 -> y: [n] float64, the same values
// The blocked float kernels read their input as float64: a Float32Array load costs a conversion
// every time, a widened copy costs one per value however many outputs reuse it.
export function widen(x: Float32Array, n: number, y: Float64Array): void {
  for (let i = 0; i < n; i++) y[i] = x[i];
}

// q: [N] int8 -> x: [N] float; x = scale * (q - zeroPoint), one float32 rounding
export function dequantize(q: Int8Array, n: number, scale: number, zeroPoint: number, x: Float32Array): void {
  for (let i = 0; i < n; i++) x[i] = scale * (q[i] - zeroPoint);
}

// x: [N] float -> q: [N] int8; q = clamp(round(x / scale) + zeroPoint), ties away from zero.
// The quotient is the float64 one (scale as a double), not a float32 division: the reference
// runtime rounds 90.4999967 down, where a float32 quotient would be the tie 90.5 and round up.
export function quantize(x: Float32Array, n: number, scale: number, zeroPoint: number, q: Int8Array): void {
  for (let i = 0; i < n; i++) {
    const v = x[i] / scale;
    const r = Math.round(Math.abs(v));
    const unclamped = (v < 0 ? -r : r) + zeroPoint;
    q[i] = unclamped < -128 ? -128 : unclamped > 127 ? 127 : unclamped;
  }
}

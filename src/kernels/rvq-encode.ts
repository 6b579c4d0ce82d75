// x: [T, D], codebooks: [Q, K, D] -> indices: [T, stages]
// Residual vector quantization, bit-exact with Lyra v2's quantizer.tflite `encode` (see
// src/import/lyra-quantizer.ts for the graph it reproduces). Every float32 op is rounded with
// Math.fround right away, which makes float64 arithmetic give the float32 result exactly.
const f = Math.fround;

export function rvqEncode(
  x: Float32Array,
  frames: number,
  dim: number,
  codebooks: Float32Array,
  codebookSize: number,
  stages: number,
  indices: Int32Array,
  residual: Float32Array /* scratch, length dim */,
): void {
  for (let t = 0; t < frames; t++) {
    for (let d = 0; d < dim; d++) residual[d] = x[t * dim + d];
    for (let s = 0; s < stages; s++) {
      const book = s * codebookSize * dim;
      // ARG_MIN keeps the first of equal distances (and a NaN in front), so it starts from codeword 0.
      let best = 0;
      let bestDistance = distance(residual, codebooks, book, dim);
      for (let k = 1; k < codebookSize; k++) {
        const dk = distance(residual, codebooks, book + k * dim, dim);
        if (dk < bestDistance) {
          bestDistance = dk;
          best = k;
        }
      }
      indices[t * stages + s] = best;
      // The graph keeps the straight-through estimator's rounding: r - (r + (c - r)), not r - c.
      const row = book + best * dim;
      for (let d = 0; d < dim; d++) {
        const r = residual[d];
        residual[d] = f(r - f(r + f(codebooks[row + d] - r)));
      }
    }
  }
}

/** Squared distance, summed in dimension order as TFLite's SUM does. */
function distance(residual: Float32Array, codebooks: Float32Array, row: number, dim: number): number {
  let sum = 0;
  for (let d = 0; d < dim; d++) {
    const diff = f(residual[d] - codebooks[row + d]);
    sum = f(sum + f(diff * diff));
  }
  return sum;
}

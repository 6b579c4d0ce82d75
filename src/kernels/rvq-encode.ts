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
      // ARG_MIN keeps the first of equal distances (and a NaN in front), so it starts from codeword 0
      // and a later one wins only by being smaller, compared in codeword order.
      let best = 0;
      let bestDistance = distance(residual, codebooks, book, dim);
      let k = 1;
      // Four codewords' distances at a time: each is still summed in dimension order, but the four
      // chains of float32 adds no longer wait on each other (each add waits on the rounding of the
      // one before it), and each residual value is loaded once for four.
      for (; k + 3 < codebookSize; k += 4) {
        const r0 = book + k * dim;
        const r1 = r0 + dim;
        const r2 = r1 + dim;
        const r3 = r2 + dim;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let d = 0; d < dim; d++) {
          const r = residual[d];
          const e0 = f(r - codebooks[r0 + d]);
          const e1 = f(r - codebooks[r1 + d]);
          const e2 = f(r - codebooks[r2 + d]);
          const e3 = f(r - codebooks[r3 + d]);
          s0 = f(s0 + f(e0 * e0));
          s1 = f(s1 + f(e1 * e1));
          s2 = f(s2 + f(e2 * e2));
          s3 = f(s3 + f(e3 * e3));
        }
        if (s0 < bestDistance) {
          bestDistance = s0;
          best = k;
        }
        if (s1 < bestDistance) {
          bestDistance = s1;
          best = k + 1;
        }
        if (s2 < bestDistance) {
          bestDistance = s2;
          best = k + 2;
        }
        if (s3 < bestDistance) {
          bestDistance = s3;
          best = k + 3;
        }
      }
      for (; k < codebookSize; k++) {
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

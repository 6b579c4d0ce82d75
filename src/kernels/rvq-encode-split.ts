// x: [T, D], codebooks: [Q, K, D] -> indices: [T, stages]
// rvq-encode.ts's indices bit for bit, for an interpreter (Hermes): each float32 rounding is
// Veltkamp's split (float32-split.ts: three arithmetic instructions instead of a call to
// Math.fround), and the distances to two codewords are summed in lockstep, so that each
// residual read serves both and the processor overlaps the two chains (conv1d-split.ts says why).
// Only where rvqSplitFits admits the codebooks and each frame: every value zero or of magnitude
// in [2^-40, 2^48]. Such float32 values are multiples of 2^-63, and so is every sum, difference
// and float32 rounding of them here; a nonzero difference is then at least 2^-63 and its square
// at least 2^-126, a normal float32, and a residual after 46 stages stays below 2^54, a squared
// distance below 2^116: every rounding has a normal or zero result, where the split gives
// Math.fround's bits. A zero may come out +0 where Math.fround keeps -0; only squares and
// further sums see it, and they do not tell the two apart, so the indices are the same.
// In each line below, v = a float32 operation's exact result, rounded: g = v * C; g + (v - g).

/** Whether the first n values of v are zero or of magnitude in [2^-40, 2^48] (false for NaN and infinities). */
export function rvqSplitFits(v: Float32Array, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const a = v[i]! < 0 ? -v[i]! : v[i]!;
    if (!(a <= 2 ** 48) || (a < 2 ** -40 && a !== 0)) return false;
  }
  return true;
}

// biome-ignore format: one rounding per statement group, the same on each line
export function rvqEncodeSplit(
  x: Float32Array,
  frames: number,
  dim: number,
  codebooks: Float32Array,
  codebookSize: number,
  stages: number,
  indices: Int32Array,
  residual: Float32Array /* scratch, length dim */,
): void {
  const C = 536870913; // 2^29 + 1, float32-split.ts's SPLIT as a literal: Hermes then knows it is a number
  let v = 0, g = 0, u = 0, h = 0;
  for (let t = 0; t < frames; t++) {
    for (let d = 0; d < dim; d++) residual[d] = x[t * dim + d]!;
    for (let s = 0; s < stages; s++) {
      const book = s * codebookSize * dim;
      // ARG_MIN keeps the first of equal distances; every distance is finite here.
      let best = 0;
      let bestDistance = Number.POSITIVE_INFINITY;
      for (let k = 0; k < codebookSize; k += 2) {
        const kb = k + 1 < codebookSize ? k + 1 : k; // an odd last codeword is summed twice, and counted once
        const rowA = book + k * dim;
        const rowB = book + kb * dim;
        let sa = 0, sb = 0;
        for (let d = 0; d < dim; d++) {
          const r = residual[d]!;
          v = r - codebooks[rowA + d]!; u = r - codebooks[rowB + d]!;
          g = v * C; h = u * C; v = g + (v - g); u = h + (u - h); // the difference, rounded
          v = v * v; u = u * u;
          g = v * C; h = u * C; v = g + (v - g) + sa; u = h + (u - h) + sb; // the square, rounded, plus the sum
          g = v * C; h = u * C; sa = g + (v - g); sb = h + (u - h);
        }
        if (sa < bestDistance) {
          bestDistance = sa;
          best = k;
        }
        if (sb < bestDistance) {
          bestDistance = sb;
          best = kb;
        }
      }
      indices[t * stages + s] = best;
      // The graph keeps the straight-through estimator's rounding: r - (r + (c - r)), not r - c.
      const row = book + best * dim;
      for (let d = 0; d < dim; d++) {
        const r = residual[d]!;
        v = codebooks[row + d]! - r; g = v * C; v = g + (v - g);
        v = r + v; g = v * C; v = g + (v - g);
        v = r - v; g = v * C; residual[d] = g + (v - g);
      }
    }
  }
}

// indices: [T, stages], codebooks: [Q, K, D] -> out: [T, D]
// Sum of the selected codewords, bit-exact with Lyra v2's quantizer.tflite `decode` (see
// src/import/lyra-quantizer.ts): stages are added one at a time, 0 first, in float32. An index of
// -1 marks a stage that was not sent and adds nothing; any other negative index reads codeword 0,
// as the graph's MAXIMUM(index, 0) does.
const f = Math.fround;

export function rvqDecode(
  indices: Int32Array,
  frames: number,
  stages: number,
  codebooks: Float32Array,
  codebookSize: number,
  dim: number,
  out: Float32Array /* [frames, dim] */,
): void {
  for (let t = 0; t < frames; t++) {
    const o = t * dim;
    // The graph adds codeword * 0 for each absent stage instead of skipping it; starting from +0
    // gives the same bits unless a codebook holds zeros or every absent term is -0 (not so in Lyra v2).
    for (let d = 0; d < dim; d++) out[o + d] = 0;
    for (let s = 0; s < stages; s++) {
      const index = indices[t * stages + s];
      if (index === -1) continue;
      const row = (s * codebookSize + (index < 0 ? 0 : index)) * dim;
      for (let d = 0; d < dim; d++) out[o + d] = f(out[o + d] + codebooks[row + d]);
    }
  }
}

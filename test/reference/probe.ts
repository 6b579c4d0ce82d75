// Copies of a model whose first subgraph outputs an intermediate tensor instead of its
// own output, so a test can compare any tensor inside the reference runtime.
import { FlatBuffer } from '../../src/import/flatbuffer.js';

/** A copy of `modelBytes` in which subgraph 0's first output is replaced by tensor `tensorIndex`. */
export function withProbeOutput(modelBytes: Uint8Array, tensorIndex: number): Uint8Array {
  const copy = new Uint8Array(modelBytes);
  const main = new FlatBuffer(copy).root().tableVector(2)[0];
  const outputs = main.vector(2, 4);
  if (!outputs || outputs.length < 1) throw new Error('subgraph 0 has no outputs to redirect');
  new DataView(copy.buffer, copy.byteOffset).setInt32(outputs.start, tensorIndex, true);
  return copy;
}

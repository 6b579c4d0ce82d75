// Every failure the fuzzers found, kept as a named case (the fuzz seed and case in the name).
import { describe, expect, it } from 'vitest';
import { ImportError, TFLiteFormatError } from '../../src/import/errors.js';
import { FlatBuffer } from '../../src/import/flatbuffer.js';
import { extractRvqCodebooks } from '../../src/import/lyra-quantizer.js';
import { mapStreamingGraph } from '../../src/import/map-graph.js';
import { readTFLite } from '../../src/import/tflite.js';
import { HAVE_SHARED, lyraFiles } from '../reference/lyra.js';

describe.skipIf(!HAVE_SHARED)('fuzz regressions: TFLite importer', () => {
  it('seed 1204 case 2476: a quantizer whose chain of ADDs loops back on itself is an ImportError, not an endless walk', () => {
    const model = readTFLite(lyraFiles().quantizer);
    const decode = model.signatures.find((s) => s.key === 'decode')!;
    const sg = model.subgraphs[decode.subgraphIndex];
    const output = Object.values(decode.outputs)[0];
    const add = sg.operators.find((op) => op.op === 'ADD' && op.outputs[0] === output)!;
    add.inputs[0] = add.outputs[0];
    expect(() => extractRvqCodebooks(model)).toThrow(ImportError);
    expect(() => extractRvqCodebooks(model)).toThrow(/loops back to operator/);
  });

  it('seed 1204 case 24509: a decoder whose split axis or slice begin is cut to a length that is no whole int32 is an ImportError, not a RangeError', () => {
    for (const [op, input] of [
      ['SPLIT', 0],
      ['STRIDED_SLICE', 1],
    ] as const) {
      const model = readTFLite(lyraFiles().decoder);
      const sg = model.subgraphs[0];
      for (const o of sg.operators.filter((o) => o.op === op)) {
        const t = sg.tensors[o.inputs[input]];
        if (t.data) t.data = t.data.subarray(0, 3);
      }
      expect(() => mapStreamingGraph(model, 'decoder'), op).toThrow(/expected at least \d int32 values, got 3 bytes/);
    }
  });
});

describe('fuzz regressions: FlatBuffer reader', () => {
  it("seed 1203 case 9797: an int8 field (a tensor's type) whose offset points past the end of the file is a TFLiteFormatError, not a RangeError", () => {
    // Root offset 12; vtable at 4 (6 bytes: one field, at +200); table at 12 (its vtable 8 bytes back); 16 bytes in all.
    const bytes = new Uint8Array(16);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, 12, true);
    view.setUint16(4, 6, true);
    view.setUint16(6, 4, true);
    view.setUint16(8, 200, true);
    view.setInt32(12, 8, true);
    const table = new FlatBuffer(bytes).root();
    expect(table.has(0)).toBe(true);
    expect(() => table.i8(0)).toThrow(TFLiteFormatError);
    expect(() => table.i8(0)).toThrow(/offset 212\+1 is outside the 16-byte buffer/);
  });
});

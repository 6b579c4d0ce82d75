// Every failure the fuzzers found, kept as a named case (the fuzz seed and case in the name).
import { describe, expect, it } from 'vitest';
import { ImportError } from '../../src/import/errors.js';
import { extractRvqCodebooks } from '../../src/import/lyra-quantizer.js';
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
});

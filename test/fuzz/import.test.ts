// Fuzzes the TFLite importer: the three Lyra v2 files with one of them mutated byte by byte, and
// the parsed models with their tensors, operators and signatures changed (the well-formed
// FlatBuffer that means nonsense), all in memory.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ImportError, TFLiteFormatError } from '../../src/import/errors.js';
import { extractRvqCodebooks } from '../../src/import/lyra-quantizer.js';
import { importLyraV2, type LyraV2Files } from '../../src/import/lyra-v2.js';
import { mapStreamingGraph } from '../../src/import/map-graph.js';
import { readTFLite, TENSOR_TYPES, type TFLiteModel } from '../../src/import/tflite.js';
import { HAVE_SHARED, lyraFiles } from '../reference/lyra.js';
import { fuzz, FUZZ_TIMEOUT_MS, mutatedBytes } from './harness.js';

const KEYS = ['encoder', 'quantizer', 'decoder'] as const;
const INTS = [-1, 0, 1, 2, 3, 4, 64, 255, 2 ** 31 - 1, -(2 ** 31), 100000];

type ModelMutation = {
  target: 'tensor' | 'operator' | 'subgraph' | 'signature';
  sub: number;
  index: number;
  field: number;
  slot: number;
  value: number;
  choice: number;
};

const modelMutation: fc.Arbitrary<ModelMutation> = fc.record({
  target: fc.constantFrom('tensor', 'tensor', 'operator', 'operator', 'subgraph', 'signature'),
  sub: fc.nat(),
  index: fc.nat(),
  field: fc.nat(),
  slot: fc.nat(),
  value: fc.constantFrom(...INTS),
  choice: fc.nat(),
});

/** Changes one field of one object of a parsed model, keeping tensor indices in range as the parser guarantees. */
function mutateModel(model: TFLiteModel, m: ModelMutation): void {
  const sg = model.subgraphs[m.sub % model.subgraphs.length];
  const tensorIndex = (v: number) => (v < 0 ? -1 : v % sg.tensors.length);
  if (m.target === 'tensor' && sg.tensors.length > 0) {
    const t = sg.tensors[m.index % sg.tensors.length];
    switch (m.field % 6) {
      case 0:
        if (t.shape.length > 0) t.shape[m.slot % t.shape.length] = m.value;
        else t.shape = [m.value];
        break;
      case 1:
        t.shape = m.choice % 2 ? [] : [...t.shape, m.value];
        break;
      case 2:
        t.type = TENSOR_TYPES[m.choice % TENSOR_TYPES.length];
        break;
      case 3:
        t.data = m.choice % 2 ? null : (t.data ?? new Uint8Array(8)).subarray(0, m.slot % 16);
        break;
      case 4:
        t.quantization =
          m.choice % 2
            ? null
            : { scale: m.slot % 2 ? [] : [m.value, 0], zeroPoint: [m.value], quantizedDimension: m.value };
        break;
      case 5:
        t.name = m.choice % 2 ? '' : sg.tensors[m.slot % sg.tensors.length].name;
        break;
    }
  } else if (m.target === 'operator' && sg.operators.length > 0) {
    const op = sg.operators[m.index % sg.operators.length];
    const list = m.field % 2 ? op.inputs : op.outputs;
    switch (m.choice % 4) {
      case 0:
        if (list.length > 0) list[m.slot % list.length] = tensorIndex(m.value);
        break;
      case 1:
        list.splice(m.slot % (list.length + 1), 1);
        break;
      case 2:
        list.push(tensorIndex(m.value));
        break;
      case 3:
        op.op = sg.operators[m.slot % sg.operators.length].op;
        break;
    }
  } else if (m.target === 'subgraph') {
    const list = m.field % 2 ? sg.inputs : sg.outputs;
    if (m.choice % 2 && list.length > 0) list[m.slot % list.length] = tensorIndex(Math.abs(m.value));
    else list.splice(0, list.length);
  } else if (m.target === 'signature' && model.signatures.length > 0) {
    const s = model.signatures[m.index % model.signatures.length];
    const map = m.field % 2 ? s.inputs : s.outputs;
    const names = Object.keys(map);
    if (m.choice % 3 === 0) s.subgraphIndex = Math.abs(m.value) % (model.subgraphs.length + 1);
    else if (names.length > 0 && m.choice % 3 === 1) delete map[names[m.slot % names.length]];
    else if (names.length > 0) map[names[m.slot % names.length]] = tensorIndex(Math.abs(m.value));
  }
}

describe.skipIf(!HAVE_SHARED)('TFLite importer fuzz', () => {
  const files = HAVE_SHARED ? lyraFiles() : ({} as LyraV2Files);

  it(
    'mutated Lyra v2 files give ImportError, TFLiteFormatError or a manifest',
    async () => {
      const input = fc.oneof(
        ...KEYS.map((k) => mutatedBytes([files[k]]).map((bytes): LyraV2Files => ({ ...files, [k]: bytes }))),
      );
      await importLyraV2(files); // JIT warm-up outside the timed cases
      const report = await fuzz({
        name: 'TFLite importer (bytes)',
        ciRuns: 200,
        seed: 1203,
        input,
        errors: [ImportError, TFLiteFormatError],
        run: async (f) => {
          await importLyraV2(f);
          return 'imported';
        },
      });
      expect(report.outcomes.imported).toBeGreaterThan(0);
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'parsed models with changed tensors, operators and signatures give ImportError or TFLiteFormatError, or map',
    async () => {
      const input = fc.tuple(fc.constantFrom(...KEYS), fc.array(modelMutation, { minLength: 1, maxLength: 3 }));
      const report = await fuzz({
        name: 'TFLite importer (model structure)',
        ciRuns: 600,
        seed: 1204,
        input,
        errors: [ImportError, TFLiteFormatError],
        run: ([key, mutations]) => {
          const model = readTFLite(files[key]);
          for (const m of mutations) mutateModel(model, m);
          if (key === 'quantizer') extractRvqCodebooks(model);
          else mapStreamingGraph(model, key);
          return 'mapped';
        },
      });
      expect(report.outcomes.ImportError).toBeGreaterThan(0);
    },
    FUZZ_TIMEOUT_MS,
  );
});

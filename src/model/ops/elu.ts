// ELU (float only): y = x for x > 0, alpha * expm1(x) otherwise. Used by models we train; no TFLite mapping.
import { F32 } from '../../layers/buffers.js';
import { eluFloat, MapLayer } from '../../layers/elementwise.js';
import { defineOp } from './op.js';
import { alpha, type NodeOf, reads, writes } from './schema.js';

const fields = { input: reads, output: writes, alpha } as const;

export type EluNode = NodeOf<'elu', typeof fields>;

export const elu = defineOp('elu', fields, {
  shape(n, ctx) {
    const x = ctx.read('input', n.input, 'f32');
    ctx.write('output', n.output, { ...x });
  },

  build(n, { activation }) {
    const x = activation(n.input);
    return new MapLayer(F32, F32, { input: n.input, output: n.output }, x.channels * x.steps, eluFloat(n.alpha));
  },
});

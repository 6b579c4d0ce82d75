// Float -> int8 codes (q = round(x / scale) + zeroPoint, halves away from zero). Imported from
// TFLite's QUANTIZE (one that is not of a streaming layer's history, which the importer handles).
import { F32, I8 } from '../../layers/buffers.js';
import { MapLayer, quantizeTo } from '../../layers/elementwise.js';
import { defineOp } from './op.js';
import { type NodeOf, quant, reads, writes } from './schema.js';

const fields = { input: reads, output: writes, quant } as const;

export type QuantizeNode = NodeOf<'quantize', typeof fields>;

export const quantize = defineOp('quantize', fields, {
  shape(n, ctx) {
    const x = ctx.read('input', n.input, 'f32');
    ctx.write('output', n.output, { ...x, dtype: 'i8' });
  },

  build(n, { activation }) {
    const x = activation(n.input);
    return new MapLayer(F32, I8, { input: n.input, output: n.output }, x.channels * x.steps, quantizeTo(n.quant));
  },

  toFloat: (n) => ({ alias: true, output: n.output, input: n.input }),

  tflite: {
    ops: ['QUANTIZE'],
    map(ctx, op) {
      const x = ctx.activation(op, op.inputs[0]);
      const out = op.outputs[0];
      const y = ctx.output(out, 'i8');
      ctx.emit({ op: 'quantize', input: x.name, output: y.name, quant: y.quant!, source: ctx.source(out) });
    },
  },
});

// int8 codes -> float (x = scale * (q - zeroPoint)). Imported from TFLite's DEQUANTIZE.
import { F32, I8 } from '../../layers/buffers.js';
import { dequantizeFrom, MapLayer } from '../../layers/elementwise.js';
import { defineOp } from './op.js';
import { type NodeOf, quant, reads, writes } from './schema.js';

const fields = { input: reads, output: writes, quant } as const;

export type DequantizeNode = NodeOf<'dequantize', typeof fields>;

export const dequantize = defineOp('dequantize', fields, {
  shape(n, ctx) {
    const x = ctx.read('input', n.input, 'i8');
    ctx.write('output', n.output, { ...x, dtype: 'f32' });
  },

  build(n, { activation }) {
    const x = activation(n.input);
    return new MapLayer(I8, F32, { input: n.input, output: n.output }, x.channels * x.steps, dequantizeFrom(n.quant));
  },

  toFloat: (n) => ({ alias: true, output: n.output, input: n.input }),

  tflite: {
    ops: ['DEQUANTIZE'],
    map(ctx, op) {
      const x = ctx.activation(op, op.inputs[0]);
      const out = op.outputs[0];
      const y = ctx.output(out, 'f32');
      ctx.emit({ op: 'dequantize', input: x.name, output: y.name, quant: x.quant!, source: ctx.source(out) });
    },
  },
});

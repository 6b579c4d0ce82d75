// Leaky ReLU, float or int8 (a table of every input code). Imported from TFLite's LEAKY_RELU.
import { F32, I8 } from '../../layers/buffers.js';
import { leakyReluFloat, leakyReluInt8Table, MapLayer } from '../../layers/elementwise.js';
import { defineOp } from './op.js';
import { alpha, int8, type NodeOf, reads, writes } from './schema.js';

const fields = { input: reads, output: writes, alpha, int8 } as const;

export type LeakyReluNode = NodeOf<'leaky_relu', typeof fields>;

export const leakyRelu = defineOp('leaky_relu', fields, {
  shape(n, ctx) {
    const x = ctx.read('input', n.input, n.int8 ? 'i8' : 'f32');
    if (n.int8) {
      ctx.multiplier(n.int8.input.scale / n.int8.output.scale);
      ctx.multiplier((n.int8.input.scale * Math.abs(n.alpha)) / n.int8.output.scale);
    }
    ctx.write('output', n.output, { ...x });
  },

  build(n, { activation }) {
    const x = activation(n.input);
    const names = { input: n.input, output: n.output };
    if (n.int8)
      return new MapLayer(
        I8,
        I8,
        names,
        x.channels * x.steps,
        leakyReluInt8Table(n.alpha, n.int8.input, n.int8.output),
      );
    return new MapLayer(F32, F32, names, x.channels * x.steps, leakyReluFloat(n.alpha));
  },

  tflite: {
    ops: ['LEAKY_RELU'],
    map(ctx, op) {
      const x = ctx.activation(op, op.inputs[0]);
      const out = op.outputs[0];
      const y = ctx.output(out, x.dtype);
      const alpha = op.options?.f32(0) ?? 0;
      ctx.emit({
        op: 'leaky_relu',
        input: x.name,
        output: y.name,
        alpha,
        ...(x.dtype === 'i8' ? { int8: ctx.int8(x, out) } : {}),
        source: ctx.source(out),
      });
    },
  },
});

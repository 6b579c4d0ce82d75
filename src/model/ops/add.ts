// Element-wise sum of two activations of one shape, float or int8 (TFLite's arithmetic, through
// per-input tables). Imported from TFLite's ADD (one that is not a transposed conv's overlap-add).
import { F32, I8 } from '../../layers/buffers.js';
import { AddLayer, addFloat, addInt8 } from '../../layers/elementwise.js';
import { defineOp } from './op.js';
import { type NodeOf, writes } from './schema.js';

const fields = {
  inputs: { kind: 'readsList', min: 2, max: 2 },
  output: writes,
  /** int8 add: each input's quantization, then the output's. */
  int8: { kind: 'int8', add: true, optional: true },
} as const;

export type AddNode = NodeOf<'add', typeof fields>;

export const add = defineOp('add', fields, {
  shape(n, ctx) {
    const [first, second] = n.inputs;
    const a = ctx.read('inputs[0]', first, n.int8 ? 'i8' : 'f32');
    const b = ctx.read('inputs[1]', second, n.int8 ? 'i8' : 'f32');
    if (a.channels !== b.channels || a.steps !== b.steps)
      ctx.fail('inputs', `"${first}" is ${a.channels}x${a.steps} per frame, "${second}" ${b.channels}x${b.steps}`);
    if (n.int8) ctx.multiplier((2 * Math.max(n.int8.a.scale, n.int8.b.scale)) / (2 ** 20 * n.int8.output.scale));
    ctx.write('output', n.output, { ...a });
  },

  build(n, { activation }) {
    const x = activation(n.inputs[0]);
    const names = { a: n.inputs[0], b: n.inputs[1], output: n.output };
    if (n.int8) return new AddLayer(I8, names, x.channels * x.steps, addInt8(n.int8.a, n.int8.b, n.int8.output));
    return new AddLayer(F32, names, x.channels * x.steps, addFloat);
  },

  tflite: {
    ops: ['ADD'],
    map(ctx, op) {
      const out = op.outputs[0];
      if ((op.options?.i8(0) ?? 0) !== 0) ctx.fail(op, 'fused activation on ADD is not supported', out);
      const x = ctx.activation(op, op.inputs[0]);
      const y = ctx.activation(op, op.inputs[1]);
      const o = ctx.output(out, x.dtype);
      ctx.emit({
        op: 'add',
        inputs: [x.name, y.name],
        output: o.name,
        source: ctx.source(out),
        ...(x.dtype === 'i8' ? { int8: { a: x.quant!, b: y.quant!, output: o.quant! } } : {}),
      });
    },
  },
});

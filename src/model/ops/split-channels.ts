// Splits an activation's channels into equal parts. Imported from TFLite's SPLIT on the channel axis.
import { F32, I8 } from '../../layers/buffers.js';
import { ChannelCopyLayer } from '../../layers/elementwise.js';
import { defineOp } from './op.js';
import { dtype, type NodeOf, reads } from './schema.js';

const fields = { input: reads, outputs: { kind: 'writesList', min: 1 }, dtype } as const;

export type SplitChannelsNode = NodeOf<'split_channels', typeof fields>;

export const splitChannels = defineOp('split_channels', fields, {
  shape(n, ctx) {
    const x = ctx.read('input', n.input, n.dtype);
    if (x.channels % n.outputs.length !== 0)
      ctx.fail('outputs', `${n.outputs.length} parts do not divide the ${x.channels} channels of "${n.input}"`);
    const channels = x.channels / n.outputs.length;
    n.outputs.forEach((o, j) => {
      ctx.write(`outputs[${j}]`, o, { ...x, channels });
    });
  },

  build(n, { activation }) {
    const x = activation(n.input);
    const widths = n.outputs.map((o) => activation(o).channels);
    if (n.dtype === 'i8') return new ChannelCopyLayer(I8, 'split', n.input, n.outputs, widths, x.steps);
    return new ChannelCopyLayer(F32, 'split', n.input, n.outputs, widths, x.steps);
  },

  toFloat: (n) => ({ ...n, dtype: 'f32' }),

  tflite: {
    ops: ['SPLIT'],
    map(ctx, op) {
      const axis = ctx.int32s(op.inputs[0], 1)[0];
      if (axis !== 3 && axis !== -1) ctx.fail(op, `split on axis ${axis} is not supported`, op.inputs[0]);
      const x = ctx.activation(op, op.inputs[1]);
      const outs = op.outputs.map((i) => ctx.output(i, x.dtype));
      ctx.emit({
        op: 'split_channels',
        input: x.name,
        outputs: outs.map((v) => v.name),
        dtype: x.dtype,
        source: ctx.source(op.outputs[0]),
      });
    },
  },
});

// Concatenates activations along channels. Imported from TFLite's CONCATENATION on the channel
// axis (a concatenation along time is a streaming layer's history, which the importer handles).
import { F32, I8 } from '../../layers/buffers.js';
import { ChannelCopyLayer } from '../../layers/elementwise.js';
import { defineOp } from './op.js';
import { dtype, LIMITS, type NodeOf, writes } from './schema.js';

const fields = { inputs: { kind: 'readsList', min: 1 }, output: writes, dtype } as const;

export type ConcatChannelsNode = NodeOf<'concat_channels', typeof fields>;

export const concatChannels = defineOp('concat_channels', fields, {
  shape(n, ctx) {
    const parts = n.inputs.map((name, j) => ctx.read(`inputs[${j}]`, name, n.dtype));
    if (parts.some((p) => p.steps !== parts[0].steps)) ctx.fail('inputs', 'have different steps per frame');
    const total = parts.reduce((sum, p) => sum + p.channels, 0);
    if (total > LIMITS.channels) ctx.fail('inputs', `add up to ${total} channels, above ${LIMITS.channels}`);
    ctx.write('output', n.output, { ...parts[0], channels: total });
  },

  build(n, { activation }) {
    const widths = n.inputs.map((i) => activation(i).channels);
    const steps = activation(n.output).steps;
    if (n.dtype === 'i8') return new ChannelCopyLayer(I8, 'concat', n.output, n.inputs, widths, steps);
    return new ChannelCopyLayer(F32, 'concat', n.output, n.inputs, widths, steps);
  },

  toFloat: (n) => ({ ...n, dtype: 'f32' }),

  tflite: {
    ops: ['CONCATENATION'],
    map(ctx, op) {
      const axis = op.options?.i32(0) ?? 0;
      const out = op.outputs[0];
      if (axis !== 3 && axis !== -1) ctx.fail(op, `concatenation on axis ${axis} is not supported`, out);
      const inputs = op.inputs.map((i) => ctx.activation(op, i));
      const y = ctx.output(out, inputs[0].dtype);
      ctx.emit({
        op: 'concat_channels',
        inputs: inputs.map((v) => v.name),
        output: y.name,
        dtype: y.dtype,
        source: ctx.source(out),
      });
    },
  },
});

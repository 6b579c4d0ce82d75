// A streaming transposed 1-D convolution (upsampling by `stride`), float or int8: each call
// emits stride * input steps and carries the overlap into the next call. Imported from TFLite's
// TRANSPOSE_CONV plus the overlap-add idiom around it (src/import/map-graph.ts).
import { F32, I8 } from '../../layers/buffers.js';
import { interpretedFloatTransposed, interpretedInt8Transposed } from '../../layers/interpreted.js';
import { floatTransposed, int8Transposed, StreamingTransposedConv } from '../../layers/transposed-conv.js';
import { checkWeightScales, floatWeights, requantization } from './conv-common.js';
import { defineOp, readsFloat32 } from './op.js';
import { channels, int8, kernel, type NodeOf, optionalTensor, reads, stride, tensor, writes } from './schema.js';

const fields = {
  input: reads,
  output: writes,
  /** [outChannels, kernel, inChannels] */
  weight: tensor,
  bias: optionalTensor,
  inChannels: channels,
  outChannels: channels,
  kernel,
  stride,
  /** The overlap tail carried to the next call has this bias subtracted (the bias is added again there). */
  tailBias: optionalTensor,
  int8,
} as const;

export type TransposedConv1dNode = NodeOf<'transposed_conv1d', typeof fields>;

export const transposedConv1d = defineOp('transposed_conv1d', fields, {
  shape(n, ctx) {
    const x = ctx.read('input', n.input, n.int8 ? 'i8' : 'f32');
    if (x.channels !== n.inChannels)
      ctx.fail('inChannels', `is ${n.inChannels}, but "${n.input}" has ${x.channels} channels`);
    if (n.kernel < n.stride) ctx.fail('kernel', `${n.kernel} is shorter than the stride ${n.stride}`);
    const w = ctx.weight('weight', n.int8 ? 'i8' : 'f32', n.outChannels * n.kernel * n.inChannels);
    ctx.weight('bias', n.int8 ? 'i32' : 'f32', n.outChannels);
    ctx.weight('tailBias', 'f32', n.outChannels);
    checkWeightScales(ctx, n.int8, w, n.outChannels);
    ctx.scratch(((x.steps - 1) * n.stride + n.kernel) * n.outChannels * 5 + (n.kernel - n.stride) * n.outChannels * 4);
    ctx.write('output', n.output, { channels: n.outChannels, steps: x.steps * n.stride, dtype: 'f32' });
  },

  build(n, { weights, activation, fast, kernels }) {
    const interpreter = kernels === 'interpreter';
    const shape = { ...n, steps: activation(n.input).steps };
    const names = { input: n.input, output: n.output };
    const tailBias = n.tailBias === null ? null : weights.f32(n.tailBias);
    if (n.int8) {
      const bias = n.bias === null ? null : weights.i32(n.bias);
      const requant = requantization(n.int8, weights, n.weight, n.outChannels);
      return new StreamingTransposedConv(
        I8,
        names,
        shape,
        tailBias,
        (interpreter ? interpretedInt8Transposed : int8Transposed)(
          shape,
          weights.i8(n.weight),
          bias,
          n.int8.input.zeroPoint,
          requant,
          n.int8.output,
        ),
      );
    }
    const bias = n.bias === null ? null : weights.f32(n.bias);
    return new StreamingTransposedConv(
      F32,
      names,
      shape,
      tailBias,
      interpreter
        ? interpretedFloatTransposed(shape, weights.f32(n.weight), bias, fast)
        : floatTransposed(shape, weights.f32(n.weight), bias, fast, readsFloat32(kernels)),
    );
  },

  toFloat: (n, weights) => floatWeights(n, weights, (i, length) => Math.floor(i / (length / n.outChannels))),

  tflite: {
    ops: ['TRANSPOSE_CONV'],
    map(ctx, op) {
      const out = op.outputs[0];
      const x = ctx.activation(op, op.inputs[2]);
      if (op.options?.i8(0) !== 1) ctx.fail(op, 'only VALID padding is supported', out);
      const w = ctx.shape(op.inputs[1]);
      const q = x.dtype === 'i8';
      const weight = ctx.constant(op, op.inputs[1], 'weight', q ? 'i8' : 'f32');
      const hasBias = op.inputs[3] !== undefined && op.inputs[3] >= 0;
      const bias = hasBias ? ctx.constant(op, op.inputs[3], 'bias', q ? 'i32' : 'f32') : null;
      if (w[3] !== x.channels) ctx.fail(op, 'grouped transposed convolution must be split into ops', out);
      const node: TransposedConv1dNode = {
        op: 'transposed_conv1d',
        input: x.name,
        output: `t${out}`,
        weight,
        bias,
        inChannels: x.channels,
        outChannels: w[0],
        kernel: w[1],
        stride: op.options!.i32(2, 1),
        tailBias: null,
        source: ctx.source(out),
        ...(q ? { int8: { ...ctx.int8(x, out), rounding: 'double' as const } } : {}),
      };
      // Its output is complete only after the overlap-add that follows, which the importer recognises.
      ctx.transposed(out, node, !q);
    },
  },
});

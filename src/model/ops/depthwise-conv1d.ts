// A causal depthwise 1-D convolution (one filter per channel), dilated, float or int8; it keeps
// the last `history` input steps between calls. Imported from TFLite's DEPTHWISE_CONV_2D.
import { F32, I8 } from '../../layers/buffers.js';
import { CausalConv, floatDepthwise, int8Depthwise } from '../../layers/causal-conv.js';
import { interpretedFloatDepthwise } from '../../layers/interpreted.js';
import { checkWeightScales, floatWeights, requantization } from './conv-common.js';
import { checkHistory, convOptions } from './conv1d.js';
import { defineOp } from './op.js';
import {
  channels,
  dilation,
  history,
  int8,
  kernel,
  type NodeOf,
  optionalTensor,
  reads,
  tensor,
  writes,
} from './schema.js';

const fields = {
  input: reads,
  output: writes,
  /** [kernel, channels] */
  weight: tensor,
  bias: optionalTensor,
  channels,
  kernel,
  dilation,
  history,
  int8,
} as const;

export type DepthwiseConv1dNode = NodeOf<'depthwise_conv1d', typeof fields>;

export const depthwiseConv1d = defineOp('depthwise_conv1d', fields, {
  shape(n, ctx) {
    const x = ctx.read('input', n.input, n.int8 ? 'i8' : 'f32');
    if (x.channels !== n.channels)
      ctx.fail('channels', `is ${n.channels}, but "${n.input}" has ${x.channels} channels`);
    checkHistory(ctx, n.history, n.kernel, n.dilation, 1);
    const w = ctx.weight('weight', n.int8 ? 'i8' : 'f32', n.kernel * n.channels);
    ctx.weight('bias', n.int8 ? 'i32' : 'f32', n.channels);
    checkWeightScales(ctx, n.int8, w, n.channels);
    ctx.scratch((n.history * 2 + x.steps) * n.channels * 4);
    ctx.write('output', n.output, { channels: n.channels, steps: x.steps, dtype: x.dtype });
  },

  build(n, { weights, activation, kernels }) {
    const interpreter = kernels === 'interpreter';
    const steps = activation(n.input).steps;
    const names = { input: n.input, output: n.output };
    if (n.int8) {
      const bias = n.bias === null ? null : weights.i32(n.bias);
      const requant = requantization(n.int8, weights, n.weight, n.channels);
      const convolve = int8Depthwise(
        n.channels,
        n.kernel,
        n.dilation,
        weights.i8(n.weight),
        bias,
        n.int8.input.zeroPoint,
        requant,
      );
      return new CausalConv(I8, names, n.channels, n.history, steps, n.int8.input.zeroPoint, convolve);
    }
    const bias = n.bias === null ? null : weights.f32(n.bias);
    return new CausalConv(
      F32,
      names,
      n.channels,
      n.history,
      steps,
      0,
      (interpreter ? interpretedFloatDepthwise : floatDepthwise)(
        n.channels,
        n.kernel,
        n.dilation,
        weights.f32(n.weight),
        bias,
      ),
    );
  },

  // Depthwise weights are [K, C]: the channel is the last index.
  toFloat: (n, weights) => floatWeights(n, weights, (i) => i % n.channels),

  tflite: {
    ops: ['DEPTHWISE_CONV_2D'],
    map(ctx, op) {
      const { x, history } = ctx.streamed(op, op.inputs[0]);
      const out = op.outputs[0];
      const { dilation } = convOptions(ctx, op);
      const w = ctx.shape(op.inputs[1]);
      const q = x.dtype === 'i8';
      const weight = ctx.constant(op, op.inputs[1], 'weight', q ? 'i8' : 'f32');
      const bias = op.inputs[2] >= 0 ? ctx.constant(op, op.inputs[2], 'bias', q ? 'i32' : 'f32') : null;
      const y = ctx.output(out, x.dtype);
      if (w[3] !== x.channels) ctx.fail(op, 'depth multiplier other than 1 is not supported', out);
      ctx.emit({
        op: 'depthwise_conv1d',
        input: x.name,
        output: y.name,
        weight,
        bias,
        channels: x.channels,
        kernel: w[1],
        dilation,
        history,
        ...(q ? { int8: { ...ctx.int8(x, out), rounding: 'double' as const } } : {}),
        source: ctx.source(out),
      });
    },
  },
});

// A causal 1-D convolution: full or grouped, strided and dilated, float or int8; it keeps the
// last `history` input steps between calls. Imported from TFLite's CONV_2D.
import { CausalConv, floatConvolution, int8Convolution } from '../../layers/causal-conv.js';
import { F32, I8 } from '../../layers/buffers.js';
import { interpretedFloatConvolution, interpretedInt8Convolution } from '../../layers/interpreted.js';
import { checkWeightScales, floatWeights, requantization } from './conv-common.js';
import { defineOp, pairsSplitSteps, readsFloat32, type TfliteContext, type TfliteOperator } from './op.js';
import {
  channels,
  dilation,
  history,
  int8,
  kernel,
  type NodeOf,
  optionalTensor,
  reads,
  stride,
  tensor,
  writes,
} from './schema.js';

const fields = {
  input: reads,
  output: writes,
  /** [outChannels, kernel, inChannels / groups] */
  weight: tensor,
  bias: optionalTensor,
  inChannels: channels,
  outChannels: channels,
  kernel,
  stride,
  dilation,
  groups: channels,
  history,
  /** Float order of summation, measured against the reference: 'split2' (even/odd accumulators) or 'sequential'. */
  accumulate: { kind: 'enum', values: ['split2', 'sequential'] },
  int8,
} as const;

export type Conv1dNode = NodeOf<'conv1d', typeof fields>;

export const conv1d = defineOp('conv1d', fields, {
  shape(n, ctx) {
    const x = ctx.read('input', n.input, n.int8 ? 'i8' : 'f32');
    if (x.channels !== n.inChannels)
      ctx.fail('inChannels', `is ${n.inChannels}, but "${n.input}" has ${x.channels} channels`);
    if (n.inChannels % n.groups !== 0 || n.outChannels % n.groups !== 0)
      ctx.fail('groups', `${n.groups} does not divide inChannels ${n.inChannels} and outChannels ${n.outChannels}`);
    if (x.steps % n.stride !== 0)
      ctx.fail('stride', `${n.stride} does not divide the ${x.steps} steps per frame of "${n.input}"`);
    checkHistory(ctx, n.history, n.kernel, n.dilation, n.stride);
    const w = ctx.weight('weight', n.int8 ? 'i8' : 'f32', n.outChannels * n.kernel * (n.inChannels / n.groups));
    ctx.weight('bias', n.int8 ? 'i32' : 'f32', n.outChannels);
    checkWeightScales(ctx, n.int8, w, n.outChannels);
    // History, and the work buffer holding history plus one frame of input.
    ctx.scratch((n.history * 2 + x.steps) * n.inChannels * 4);
    ctx.write('output', n.output, { channels: n.outChannels, steps: x.steps / n.stride, dtype: x.dtype });
  },

  build(n, { weights, activation, fast, kernels }) {
    const interpreter = kernels === 'interpreter';
    const steps = activation(n.input).steps;
    const names = { input: n.input, output: n.output };
    if (n.int8) {
      const bias = n.bias === null ? null : weights.i32(n.bias);
      const convolve = (interpreter ? interpretedInt8Convolution : int8Convolution)(
        n,
        weights.i8(n.weight),
        bias,
        n.int8.input.zeroPoint,
        requantization(n.int8, weights, n.weight, n.outChannels),
      );
      return new CausalConv(I8, names, n.inChannels, n.history, steps, n.int8.input.zeroPoint, convolve);
    }
    const bias = n.bias === null ? null : weights.f32(n.bias);
    return new CausalConv(
      F32,
      names,
      n.inChannels,
      n.history,
      steps,
      0,
      interpreter
        ? interpretedFloatConvolution(n, weights.f32(n.weight), bias, n.accumulate, fast)
        : floatConvolution(
            n,
            weights.f32(n.weight),
            bias,
            n.accumulate,
            fast,
            readsFloat32(kernels),
            pairsSplitSteps(kernels),
          ),
    );
  },

  toFloat: (n, weights) => floatWeights(n, weights, (i, length) => Math.floor(i / (length / n.outChannels))),

  tflite: {
    ops: ['CONV_2D'],
    map(ctx, op) {
      const { x, history } = ctx.streamed(op, op.inputs[0]);
      const out = op.outputs[0];
      const opts = convOptions(ctx, op);
      const w = ctx.shape(op.inputs[1]);
      const q = x.dtype === 'i8';
      const groups = x.channels / w[3];
      if (!Number.isInteger(groups))
        ctx.fail(op, `${x.channels} input channels do not split into groups of ${w[3]}`, out);
      const weight = ctx.constant(op, op.inputs[1], 'weight', q ? 'i8' : 'f32');
      const bias = op.inputs[2] >= 0 ? ctx.constant(op, op.inputs[2], 'bias', q ? 'i32' : 'f32') : null;
      // TFLite runs ungrouped convolutions through its GEMM (one integer rounding) and grouped
      // ones through the reference kernel (plain order, two roundings).
      const spec = q
        ? { ...ctx.int8(x, out), rounding: groups === 1 ? ('single' as const) : ('double' as const) }
        : undefined;
      const y = ctx.output(out, x.dtype);
      ctx.emit({
        op: 'conv1d',
        input: x.name,
        output: y.name,
        weight,
        bias,
        inChannels: x.channels,
        outChannels: w[0],
        kernel: w[1],
        stride: opts.stride,
        dilation: opts.dilation,
        groups,
        history,
        accumulate: groups === 1 ? gemmOrder(ctx, op, out) : 'sequential',
        ...(spec ? { int8: spec } : {}),
        source: ctx.source(out),
      });
    },
  },
});

/** A causal layer keeps exactly what its next output reaches back for. */
export function checkHistory(
  ctx: { fail(key: string, why: string): never },
  history: number,
  k: number,
  dilation: number,
  stride: number,
): void {
  const reach = dilation * (k - 1) + 1;
  if (history !== reach - stride)
    ctx.fail('history', `is ${history}; kernel ${k}, dilation ${dilation} and stride ${stride} need ${reach - stride}`);
}

/** CONV_2D / DEPTHWISE_CONV_2D options: VALID padding, no fused activation; stride and dilation along time. */
export function convOptions(ctx: TfliteContext, op: TfliteOperator): { stride: number; dilation: number } {
  const depthwise = op.op === 'DEPTHWISE_CONV_2D';
  const out = op.outputs[0];
  const opts = op.options;
  if (!opts) return ctx.fail(op, 'missing options', out);
  if (opts.i8(0) !== 1) ctx.fail(op, 'only VALID padding is supported', out);
  const fused = opts.i8(depthwise ? 4 : 3);
  if (fused !== 0) ctx.fail(op, `fused activation ${fused} is not supported`, out);
  return { stride: opts.i32(2, 1), dilation: opts.i32(depthwise ? 6 : 5, 1) };
}

/**
 * The float GEMM's order of summation for `steps` output steps per invocation, as measured
 * against the reference runtime: whole blocks of 4 steps sum even and odd terms in two
 * accumulators; fewer than 4 steps sum in plain order (Lyra's 2-step 256->256 pointwise convs).
 * Blocks of 4 plus a remainder never occur in Lyra v2 and were never measured: null.
 */
export function floatGemmOrder(steps: number): 'split2' | 'sequential' | null {
  if (steps % 4 === 0) return 'split2';
  return steps < 4 ? 'sequential' : null;
}

function gemmOrder(ctx: TfliteContext, op: TfliteOperator, output: number): 'split2' | 'sequential' {
  const steps = ctx
    .shape(output)
    .slice(1, -1)
    .reduce((a, d) => a * d, 1); // [1, T, 1, C]
  const order = floatGemmOrder(steps);
  if (order === null)
    ctx.fail(
      op,
      `${steps} output steps per invocation; the float summation order for a remainder after blocks of 4 was never measured`,
      output,
    );
  return order!;
}

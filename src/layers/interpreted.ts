// The layer factories' choices for an interpreter (Hermes; ComputeOptions.kernels 'interpreter'):
// kernels written so that each multiply-add takes few bytecode instructions and no call, with the
// same bits as the kernels the JIT factories choose. A variant that only holds for some inputs
// (float32-split.ts) is checked against each frame's input; a frame it does not admit goes to the
// plain kernel it is pinned to (slow, but such frames hold NaN, infinities or extreme values, and
// the plain kernel keeps no second packed copy of the weights).
import { packConv1dWeights } from '../kernels/conv1d-blocked.js';
import { packConv1dInt8Weights } from '../kernels/conv1d-int8-blocked.js';
import { channelWeightSums, conv1dInt8Rows } from '../kernels/conv1d-int8-rows.js';
import { dequantize } from '../kernels/dequantize.js';
import type { Requantization } from '../kernels/requantize.js';
import { prepareRequantization } from '../kernels/requantize-rows.js';
import { tapWeightSums, transposedConv1dInt8Rows } from '../kernels/transposed-conv1d-int8-rows.js';
import { conv1d } from '../kernels/conv1d.js';
import { conv1dSplit } from '../kernels/conv1d-split.js';
import { depthwiseConv1d } from '../kernels/depthwise-conv1d.js';
import { depthwiseConv1dSplit } from '../kernels/depthwise-conv1d-split.js';
import { float32SplitFits, float32SplitLimits } from '../kernels/float32-split.js';
import { transposedConv1d } from '../kernels/transposed-conv1d.js';
import { transposedConv1dSplit } from '../kernels/transposed-conv1d-split.js';
import {
  type ConvShape,
  type Convolve,
  floatConvolution,
  floatDepthwise,
  int8Convolution,
  outputSteps,
} from './causal-conv.js';
import type { Affine } from './layer.js';
import { floatTransposed, fullSteps, int8Transposed, type Transpose, type TransposedShape } from './transposed-conv.js';

/** floatConvolution, with conv1dSplit where the shape allows it and the frame's input admits it. */
export function interpretedFloatConvolution(
  s: ConvShape,
  weight: Float32Array,
  bias: Float32Array | null,
  order: 'split2' | 'sequential',
  fast: boolean,
): Convolve<Float32Array> {
  const { inChannels: cIn, outChannels: cOut, kernel: k, stride, dilation, groups } = s;
  const cInG = cIn / groups;
  const split2 = order === 'split2';
  const limits =
    fast || (cOut / groups) % 4 !== 0 || (split2 && cInG % 2 !== 0 && cInG !== 1)
      ? null
      : float32SplitLimits(weight, bias, k * cInG);
  if (!limits) return floatConvolution(s, weight, bias, order, fast);
  const packed = packConv1dWeights(weight, cOut, k, cInG);
  return (x, steps, y) =>
    float32SplitFits(x, steps * cIn, limits)
      ? conv1dSplit(x, steps, cIn, packed, bias, k, stride, dilation, groups, y, cOut, split2)
      : conv1d(x, steps, cIn, weight, bias, k, stride, dilation, groups, y, cOut, split2);
}

/** floatTransposed, with transposedConv1dSplit where the shape allows it and the frame's input admits it. */
export function interpretedFloatTransposed(
  s: TransposedShape,
  weight: Float32Array,
  bias: Float32Array | null,
  fast: boolean,
): Transpose<Float32Array> {
  const { inChannels: cIn, outChannels: cOut, kernel: k, stride, steps } = s;
  // At most ceil(K / stride) input steps reach one output.
  const limits =
    fast || (cOut * k) % 4 !== 0 || (cIn % 2 !== 0 && cIn !== 1)
      ? null
      : float32SplitLimits(weight, bias, Math.ceil(k / stride) * cIn);
  if (!limits) return floatTransposed(s, weight, bias, fast);
  // [Cout, K, Cin] is [Cout*K, 1, Cin]: the dot products are a pointwise convolution to Cout*K channels.
  const packed = packConv1dWeights(weight, cOut * k, 1, cIn);
  const dots = new Float32Array(steps * cOut * k);
  return (x, full) =>
    float32SplitFits(x, steps * cIn, limits)
      ? transposedConv1dSplit(x, steps, cIn, packed, bias, k, stride, dots, full, cOut)
      : transposedConv1d(x, steps, cIn, weight, bias, k, stride, full, cOut);
}

/** floatDepthwise, with depthwiseConv1dSplit where the frame's input admits it. */
export function interpretedFloatDepthwise(
  channels: number,
  k: number,
  dilation: number,
  weight: Float32Array,
  bias: Float32Array | null,
): Convolve<Float32Array> {
  const limits = float32SplitLimits(weight, bias, k);
  if (!limits) return floatDepthwise(channels, k, dilation, weight, bias);
  return (x, steps, y) =>
    float32SplitFits(x, steps * channels, limits)
      ? depthwiseConv1dSplit(x, steps, channels, weight, bias, k, dilation, y)
      : depthwiseConv1d(x, steps, channels, weight, bias, k, dilation, y);
}

/** int8Convolution, with conv1dInt8Rows (no call per output value) where the weights pack. */
export function interpretedInt8Convolution(
  s: ConvShape,
  weight: Int8Array,
  bias: Int32Array | null,
  zeroPoint: number,
  requant: Requantization,
): Convolve<Int8Array> {
  const { inChannels: cIn, outChannels: cOut, kernel: k, stride, dilation, groups } = s;
  const packed = packConv1dInt8Weights(weight, cOut, k, cIn / groups, groups);
  if (!packed) return int8Convolution(s, weight, bias, zeroPoint, requant);
  const sums = channelWeightSums(weight, cOut, k * (cIn / groups));
  const prepared = prepareRequantization(requant, cOut);
  let acc = new Float64Array(0);
  return (x, steps, y) => {
    const n = outputSteps(steps, k, stride, dilation) * cOut;
    if (acc.length < n) acc = new Float64Array(n);
    conv1dInt8Rows(
      x,
      steps,
      cIn,
      zeroPoint,
      packed,
      sums,
      bias,
      k,
      stride,
      dilation,
      groups,
      acc,
      y,
      cOut,
      requant,
      prepared,
    );
  };
}

/** int8Transposed, with transposedConv1dInt8Rows where the weights pack. */
export function interpretedInt8Transposed(
  s: TransposedShape,
  weight: Int8Array,
  bias: Int32Array | null,
  zeroPoint: number,
  requant: Requantization,
  output: Affine,
): Transpose<Int8Array> {
  const { inChannels: cIn, outChannels: cOut, kernel: k, stride, steps } = s;
  const packed = packConv1dInt8Weights(weight, cOut, k, cIn, 1, Math.ceil(k / stride) * cIn);
  if (!packed) return int8Transposed(s, weight, bias, zeroPoint, requant, output);
  const tapSums = tapWeightSums(weight, cOut, k, cIn);
  const prepared = prepareRequantization(requant, cOut);
  const codes = new Int8Array(fullSteps(s) * cOut);
  const acc = new Float64Array(codes.length);
  return (x, full) => {
    transposedConv1dInt8Rows(
      x,
      steps,
      cIn,
      zeroPoint,
      packed,
      tapSums,
      bias,
      k,
      stride,
      acc,
      codes,
      cOut,
      requant,
      prepared,
    );
    dequantize(codes, codes.length, output.scale, output.zeroPoint, full);
  };
}

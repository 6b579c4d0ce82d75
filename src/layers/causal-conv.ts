import { conv1d } from '../kernels/conv1d.js';
import { CONV_BLOCK, conv1dBlocked, packConv1dWeights } from '../kernels/conv1d-blocked.js';
import { conv1dFast } from '../kernels/conv1d-fast.js';
import { conv1dInt8 } from '../kernels/conv1d-int8.js';
import { conv1dInt8Blocked, packConv1dInt8Weights } from '../kernels/conv1d-int8-blocked.js';
import { depthwiseConv1d } from '../kernels/depthwise-conv1d.js';
import { depthwiseConv1dInt8Rows } from '../kernels/depthwise-conv1d-int8-rows.js';
import type { Requantization } from '../kernels/requantize.js';
import { prepareRequantization } from '../kernels/requantize-rows.js';
import { widen } from '../kernels/widen.js';
import { centreInt8 } from '../kernels/centre-int8.js';
import { type Activation, type ActivationType, type Buffers, RangeView } from './buffers.js';
import type { Layer } from './layer.js';

/** A convolution's shape, computed once; depthwise: inChannels = outChannels = groups. */
export interface ConvShape {
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  dilation: number;
  groups: number;
}

/** The chosen kernel: `x` holds `steps` input steps ([steps, Cin], history first), `y` gets the output. */
export type Convolve<T extends Activation> = (x: T, steps: number, y: T) => void;

/**
 * Float convolution in float32 arithmetic, summed in the reference runtime's `order`; or, when
 * `fast`, summed in float64 and rounded once (where the blocked layout allows it). The exact
 * blocked kernel reads float64 copies of weights and input, or with `float32Operands` (KernelStyle
 * 'jit-float32' and 'jit-float32-pairs') the float32 values as they are; with `splitStepPairs`
 * ('jit' and 'jit-float32-pairs') it splits its sums two output steps at a time.
 */
export function floatConvolution(
  s: ConvShape,
  weight: Float32Array,
  bias: Float32Array | null,
  order: 'split2' | 'sequential',
  fast: boolean,
  float32Operands = false,
  splitStepPairs = false,
): Convolve<Float32Array> {
  const { inChannels: cIn, outChannels: cOut, kernel: k, stride, dilation, groups } = s;
  const cInG = cIn / groups;
  const blocks = (cOut / groups) % CONV_BLOCK === 0;
  if (fast && blocks) {
    const packed = packConv1dWeights(weight, cOut, k, cInG);
    return widened(cIn, (x, steps, y) => conv1dFast(x, steps, cIn, packed, bias, k, stride, dilation, groups, y, cOut));
  }
  const split2 = order === 'split2';
  // The blocked kernel pairs even and odd terms within a group: an odd group size splits only when it is 1.
  if (blocks && (!split2 || cInG % 2 === 0 || cInG === 1)) {
    if (float32Operands) {
      const packed = Float32Array.from(packConv1dWeights(weight, cOut, k, cInG));
      return (x, steps, y) =>
        conv1dBlocked(x, steps, cIn, packed, bias, k, stride, dilation, groups, y, cOut, split2, splitStepPairs);
    }
    const packed = packConv1dWeights(weight, cOut, k, cInG);
    return widened(cIn, (x, steps, y) =>
      conv1dBlocked(x, steps, cIn, packed, bias, k, stride, dilation, groups, y, cOut, split2, splitStepPairs),
    );
  }
  return (x, steps, y) => conv1d(x, steps, cIn, weight, bias, k, stride, dilation, groups, y, cOut, split2);
}

/** Runs a kernel that reads its input as float64 on a widened copy, kept between calls. */
export function widened<Y>(
  channels: number,
  kernel: (x: Float64Array, steps: number, y: Y) => void,
): (x: Float32Array, steps: number, y: Y) => void {
  let wide = new Float64Array(0);
  return (x, steps, y) => {
    const n = steps * channels;
    if (wide.length < n) wide = new Float64Array(n);
    widen(x, n, wide);
    kernel(wide, steps, y);
  };
}

/** Output steps of a causal convolution over `steps` input steps (history included). */
export function outputSteps(steps: number, kernel: number, stride: number, dilation: number): number {
  return Math.floor((steps - dilation * (kernel - 1) - 1) / stride) + 1;
}

/** Runs a kernel that reads its int8 input centred on the zero point, as float64, on a copy kept between calls. */
export function centred<Y>(
  channels: number,
  zeroPoint: number,
  kernel: (x: Float64Array, steps: number, y: Y) => void,
): (x: Int8Array, steps: number, y: Y) => void {
  let wide = new Float64Array(0);
  return (x, steps, y) => {
    const n = steps * channels;
    if (wide.length < n) wide = new Float64Array(n);
    centreInt8(x, n, zeroPoint, wide);
    kernel(wide, steps, y);
  };
}

/** int8 convolution in TFLite's integer arithmetic (blocked where the shape allows); `zeroPoint` is the input's. */
export function int8Convolution(
  s: ConvShape,
  weight: Int8Array,
  bias: Int32Array | null,
  zeroPoint: number,
  requant: Requantization,
): Convolve<Int8Array> {
  const { inChannels: cIn, outChannels: cOut, kernel: k, stride, dilation, groups } = s;
  const packed = packConv1dInt8Weights(weight, cOut, k, cIn / groups, groups);
  if (packed) {
    const prepared = prepareRequantization(requant, cOut);
    let acc = new Float64Array(0);
    return centred(cIn, zeroPoint, (x, steps, y) => {
      const n = outputSteps(steps, k, stride, dilation) * cOut;
      if (acc.length < n) acc = new Float64Array(n);
      conv1dInt8Blocked(x, steps, cIn, packed, bias, k, stride, dilation, groups, acc, y, cOut, requant, prepared);
    });
  }
  return (x, steps, y) =>
    conv1dInt8(x, steps, cIn, zeroPoint, weight, bias, k, stride, dilation, groups, y, cOut, requant);
}

export function floatDepthwise(
  channels: number,
  k: number,
  dilation: number,
  weight: Float32Array,
  bias: Float32Array | null,
): Convolve<Float32Array> {
  return (x, steps, y) => depthwiseConv1d(x, steps, channels, weight, bias, k, dilation, y);
}

export function int8Depthwise(
  channels: number,
  k: number,
  dilation: number,
  weight: Int8Array,
  bias: Int32Array | null,
  zeroPoint: number,
  requant: Requantization,
): Convolve<Int8Array> {
  const prepared = prepareRequantization(requant, channels);
  let acc = new Float64Array(0);
  return (x, steps, y) => {
    const n = outputSteps(steps, k, 1, dilation) * channels;
    if (acc.length < n) acc = new Float64Array(n);
    depthwiseConv1dInt8Rows(x, steps, channels, zeroPoint, weight, bias, k, dilation, acc, y, requant, prepared);
  };
}

/**
 * A causal convolution that keeps the last `history` input steps between calls, so that any
 * chunking of the input gives the same output. The kernel is chosen by whoever builds it.
 */
export class CausalConv<T extends Activation> implements Layer {
  private readonly past: T;
  private work: T;
  private readonly input: RangeView<T>;
  private readonly tail: RangeView<T>;

  /**
   * @param empty the value of an input step never seen (0; for int8, the code of 0.0: the zero point)
   */
  constructor(
    private readonly type: ActivationType<T>,
    private readonly names: { input: string; output: string },
    private readonly inChannels: number,
    private readonly history: number,
    private readonly stepsPerFrame: number,
    private readonly empty: number,
    private readonly convolve: Convolve<T>,
  ) {
    this.past = type.make(history * inChannels);
    this.input = new RangeView(type);
    this.tail = new RangeView(type);
    this.work = type.make((history + stepsPerFrame) * inChannels);
    this.reset();
  }

  reset(): void {
    this.past.fill(this.empty);
  }

  run(buffers: Buffers, frames: number): void {
    const c = this.inChannels;
    const tIn = frames * this.stepsPerFrame;
    const steps = this.history + tIn;
    const x = this.type.view(buffers, this.names.input);
    const y = this.type.view(buffers, this.names.output);
    // Without history (pointwise layers) the input is convolved where it lies.
    if (this.history === 0) {
      this.convolve(x, steps, y);
      return;
    }
    if (this.work.length < steps * c) this.work = this.type.make(steps * c);
    const work = this.work;
    work.set(this.past, 0);
    work.set(this.input.get(x, 0, tIn * c), this.history * c);
    this.convolve(work, steps, y);
    this.past.set(this.tail.get(work, tIn * c, steps * c));
  }
}

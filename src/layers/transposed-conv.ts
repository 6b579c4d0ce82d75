import { packConv1dWeights } from '../kernels/conv1d-blocked.js';
import { packConv1dInt8Weights } from '../kernels/conv1d-int8-blocked.js';
import { dequantize } from '../kernels/dequantize.js';
import type { Requantization } from '../kernels/requantize.js';
import { prepareRequantization } from '../kernels/requantize-rows.js';
import { transposedConv1d } from '../kernels/transposed-conv1d.js';
import { transposedConv1dBlocked } from '../kernels/transposed-conv1d-blocked.js';
import { transposedConv1dFast } from '../kernels/transposed-conv1d-fast.js';
import { transposedConv1dInt8Blocked } from '../kernels/transposed-conv1d-int8-blocked.js';
import { transposedConv1dInt8 } from '../kernels/transposed-conv1d-int8.js';
import { transposedConv1dMono } from '../kernels/transposed-conv1d-mono.js';
import { type Activation, type ActivationType, type Buffers, FrameViews } from './buffers.js';
import { centred, widened } from './causal-conv.js';
import type { Affine, Layer } from './layer.js';

/** A transposed convolution's shape, computed once. */
export interface TransposedShape {
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  /** Input steps per call (one frame). */
  steps: number;
}

/** The chosen kernel: one frame of input -> its whole float output, [(steps - 1) * stride + kernel, Cout]. */
export type Transpose<T extends Activation> = (x: T, full: Float32Array) => void;

export function fullSteps(s: TransposedShape): number {
  return (s.steps - 1) * s.stride + s.kernel;
}

/**
 * Float, in float32 arithmetic; or, when `fast`, summed in float64 and rounded once. The exact
 * kernels read float64 copies of weights and input, or with `float32Operands` (KernelStyles
 * 'jit-float32' and 'jit-float32-pairs') the float32 values as they are.
 */
export function floatTransposed(
  s: TransposedShape,
  weight: Float32Array,
  bias: Float32Array | null,
  fast: boolean,
  float32Operands = false,
): Transpose<Float32Array> {
  const { inChannels: cIn, outChannels: cOut, kernel: k, stride, steps } = s;
  const blocked = cOut % 4 === 0 && (fast || cIn % 2 === 0);
  if (!fast && float32Operands && blocked) {
    // Packed here, not from `packed` below: the closures share one scope, which would keep the float64 copy alive.
    const narrow = Float32Array.from(packConv1dWeights(weight, cOut, k, cIn));
    return (x, full) => transposedConv1dBlocked(x, steps, cIn, narrow, bias, k, stride, full, cOut);
  }
  const packed = blocked ? packConv1dWeights(weight, cOut, k, cIn) : null;
  if (fast) {
    const run = widened(cIn, (x, _, full: Float32Array) =>
      transposedConv1dFast(x, steps, cIn, weight, packed, bias, k, stride, full, cOut),
    );
    return (x, full) => run(x, steps, full);
  }
  if (cOut === 1 && cIn % 2 === 0) {
    if (float32Operands) return (x, full) => transposedConv1dMono(x, steps, cIn, weight, bias, k, stride, full);
    const wide = Float64Array.from(weight);
    const run = widened(cIn, (x, _, full: Float32Array) =>
      transposedConv1dMono(x, steps, cIn, wide, bias, k, stride, full),
    );
    return (x, full) => run(x, steps, full);
  }
  if (packed) {
    const run = widened(cIn, (x, _, full: Float32Array) =>
      transposedConv1dBlocked(x, steps, cIn, packed, bias, k, stride, full, cOut),
    );
    return (x, full) => run(x, steps, full);
  }
  return (x, full) => transposedConv1d(x, steps, cIn, weight, bias, k, stride, full, cOut);
}

/** int8 in TFLite's integer arithmetic, then dequantized (the overlap-add is in float). */
export function int8Transposed(
  s: TransposedShape,
  weight: Int8Array,
  bias: Int32Array | null,
  zeroPoint: number,
  requant: Requantization,
  output: Affine,
): Transpose<Int8Array> {
  const { inChannels: cIn, outChannels: cOut, kernel: k, stride, steps } = s;
  // At most ceil(K / stride) input steps reach one output.
  const terms = Math.ceil(k / stride) * cIn;
  const packed = packConv1dInt8Weights(weight, cOut, k, cIn, 1, terms);
  const codes = new Int8Array(fullSteps(s) * cOut);
  if (packed) {
    const prepared = prepareRequantization(requant, cOut);
    const acc = new Float64Array(codes.length);
    const run = centred(cIn, zeroPoint, (x, _, full: Float32Array) => {
      transposedConv1dInt8Blocked(x, steps, cIn, packed, bias, k, stride, acc, codes, cOut, requant, prepared);
      dequantize(codes, codes.length, output.scale, output.zeroPoint, full);
    });
    return (x, full) => run(x, steps, full);
  }
  return (x, full) => {
    transposedConv1dInt8(x, steps, cIn, zeroPoint, weight, bias, k, stride, codes, cOut, requant);
    dequantize(codes, codes.length, output.scale, output.zeroPoint, full);
  };
}

/**
 * A streaming transposed convolution: each call emits stride * input steps, and the
 * kernel - stride steps that overlap the next call are carried over as a tail (with the
 * bias taken out, since the next call's output adds it again). Calls are made one frame at a
 * time even for many frames, because the carried tail is rounded to float32 between frames.
 */
export class StreamingTransposedConv<T extends Activation> implements Layer {
  private readonly tail: Float32Array;
  private readonly full: Float32Array;
  /** The part of `full` a frame emits; the rest overlaps the next frame. */
  private readonly emitted: Float32Array;
  private readonly frames: FrameViews<T>;

  constructor(
    private readonly type: ActivationType<T>,
    private readonly names: { input: string; output: string },
    private readonly shape: TransposedShape,
    private readonly tailBias: Float32Array | null,
    private readonly transpose: Transpose<T>,
  ) {
    this.full = new Float32Array(fullSteps(shape) * shape.outChannels);
    this.emitted = this.full.subarray(0, shape.steps * shape.stride * shape.outChannels);
    this.tail = new Float32Array((shape.kernel - shape.stride) * shape.outChannels);
    this.frames = new FrameViews(type, shape.steps * shape.inChannels);
  }

  reset(): void {
    this.tail.fill(0);
  }

  run(buffers: Buffers, frames: number): void {
    const { outChannels: cOut, stride, steps } = this.shape;
    const emitted = steps * stride * cOut;
    const { full, tail, tailBias } = this;
    const tailSize = tail.length;
    const x = this.type.view(buffers, this.names.input);
    const y = buffers.f32(this.names.output);
    for (let f = 0; f < frames; f++) {
      this.transpose(this.frames.get(x, f), full);
      for (let i = 0; i < tailSize; i++) full[i] += tail[i];
      y.set(this.emitted, f * emitted);
      for (let i = 0; i < tailSize; i++) {
        const v = full[emitted + i];
        tail[i] = tailBias ? v - tailBias[i % cOut] : v;
      }
    }
  }
}

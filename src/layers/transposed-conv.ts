import { dequantize } from '../kernels/dequantize.js';
import type { Requantization } from '../kernels/requantize.js';
import { transposedConv1d } from '../kernels/transposed-conv1d.js';
import { packConv1dWeights } from '../kernels/conv1d-blocked.js';
import { transposedConv1dBlocked } from '../kernels/transposed-conv1d-blocked.js';
import { transposedConv1dFast } from '../kernels/transposed-conv1d-fast.js';
import { transposedConv1dMono } from '../kernels/transposed-conv1d-mono.js';
import { transposedConv1dInt8 } from '../kernels/transposed-conv1d-int8.js';
import { packConv1dInt8Weights, type PackedInt8Weights } from '../kernels/conv1d-int8-blocked.js';
import { tapWeightSums, transposedConv1dInt8Blocked } from '../kernels/transposed-conv1d-int8-blocked.js';
import type { TransposedConv1dNode } from '../model/manifest.js';
import type { Buffers } from './buffers.js';
import type { FloatPrecision, Layer } from './layer.js';
import { channelRequantization } from './requantization.js';
import type { WeightStore } from './weights.js';

/**
 * A streaming transposed convolution: each call emits stride * input steps, and the
 * kernel - stride steps that overlap the next call are carried over as a tail (with the
 * bias taken out, since the next call's output adds it again). Calls are made one frame at a
 * time even for many frames, because the carried tail is rounded to float32 between frames.
 */
export class StreamingTransposedConv implements Layer {
  private readonly tail: Float32Array;
  private readonly full: Float32Array;
  private readonly fullInt8: Int8Array | null;
  private readonly weight: Float32Array | Int8Array;
  private readonly bias: Float32Array | Int32Array | null;
  private readonly tailBias: Float32Array | null;
  private readonly requant: Requantization | null;
  /** Float weights re-laid out for transposedConv1dBlocked, when the shape allows it. */
  private readonly packed: Float32Array | null = null;
  private readonly packedInt8: PackedInt8Weights | null = null;
  private readonly tapSums: Int32Array | null = null;
  private readonly fast: boolean;

  constructor(private readonly node: TransposedConv1dNode, weights: WeightStore, private readonly stepsPerFrame: number, precision: FloatPrecision = 'exact') {
    const fullSteps = (stepsPerFrame - 1) * node.stride + node.kernel;
    this.full = new Float32Array(fullSteps * node.outChannels);
    this.fullInt8 = node.int8 ? new Int8Array(fullSteps * node.outChannels) : null;
    this.tail = new Float32Array((node.kernel - node.stride) * node.outChannels);
    this.weight = node.int8 ? weights.i8(node.weight) : weights.f32(node.weight);
    this.bias = node.bias === null ? null : node.int8 ? weights.i32(node.bias) : weights.f32(node.bias);
    this.tailBias = node.tailBias === null ? null : weights.f32(node.tailBias);
    this.fast = precision === 'fast' && !node.int8;
    if (!node.int8 && node.outChannels % 4 === 0 && (this.fast || node.inChannels % 2 === 0)) {
      this.packed = packConv1dWeights(this.weight as Float32Array, node.outChannels, node.kernel, node.inChannels);
    }
    if (node.int8) {
      // At most ceil(K / stride) input steps reach one output.
      const terms = Math.ceil(node.kernel / node.stride) * node.inChannels;
      this.packedInt8 = packConv1dInt8Weights(this.weight as Int8Array, node.outChannels, node.kernel, node.inChannels, 1, terms);
      this.tapSums = tapWeightSums(this.weight as Int8Array, node.outChannels, node.kernel, node.inChannels);
    }
    this.requant = node.int8 ? channelRequantization(node.int8, weights.entry(node.weight).scales ?? [], node.outChannels) : null;
  }

  reset(): void {
    this.tail.fill(0);
  }

  run(buffers: Buffers, frames: number): void {
    const n = this.node;
    const cOut = n.outChannels;
    const emitted = this.stepsPerFrame * n.stride * cOut;
    const tailSize = this.tail.length;
    const y = buffers.f32(n.output);
    for (let f = 0; f < frames; f++) {
      const inputOffset = f * this.stepsPerFrame * n.inChannels;
      if (this.fullInt8) {
        const x = buffers.i8(n.input).subarray(inputOffset);
        if (this.packedInt8) transposedConv1dInt8Blocked(x, this.stepsPerFrame, n.inChannels, n.int8!.input.zeroPoint, this.packedInt8, this.tapSums!, this.bias as Int32Array | null, n.kernel, n.stride, this.fullInt8, cOut, this.requant!);
        else transposedConv1dInt8(x, this.stepsPerFrame, n.inChannels, n.int8!.input.zeroPoint, this.weight as Int8Array, this.bias as Int32Array | null, n.kernel, n.stride, this.fullInt8, cOut, this.requant!);
        dequantize(this.fullInt8, this.full.length, n.int8!.output.scale, n.int8!.output.zeroPoint, this.full);
      } else {
        const x = buffers.f32(n.input).subarray(inputOffset);
        if (this.fast) transposedConv1dFast(x, this.stepsPerFrame, n.inChannels, this.weight as Float32Array, this.packed, this.bias as Float32Array | null, n.kernel, n.stride, this.full, cOut);
        else if (n.outChannels === 1 && n.inChannels % 2 === 0) transposedConv1dMono(x, this.stepsPerFrame, n.inChannels, this.weight as Float32Array, this.bias as Float32Array | null, n.kernel, n.stride, this.full);
        else if (this.packed) transposedConv1dBlocked(x, this.stepsPerFrame, n.inChannels, this.packed, this.bias as Float32Array | null, n.kernel, n.stride, this.full, cOut);
        else transposedConv1d(x, this.stepsPerFrame, n.inChannels, this.weight as Float32Array, this.bias as Float32Array | null, n.kernel, n.stride, this.full, cOut);
      }
      const full = this.full;
      for (let i = 0; i < tailSize; i++) full[i] += this.tail[i];
      y.set(full.subarray(0, emitted), f * emitted);
      for (let i = 0; i < tailSize; i++) {
        const v = full[emitted + i];
        this.tail[i] = this.tailBias ? v - this.tailBias[i % cOut] : v;
      }
    }
  }
}

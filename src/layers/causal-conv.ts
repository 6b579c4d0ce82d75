import { conv1d } from '../kernels/conv1d.js';
import { CONV_BLOCK, conv1dBlocked, packConv1dWeights } from '../kernels/conv1d-blocked.js';
import { conv1dFast } from '../kernels/conv1d-fast.js';
import { conv1dInt8 } from '../kernels/conv1d-int8.js';
import { conv1dInt8Blocked, packConv1dInt8Weights, type PackedInt8Weights } from '../kernels/conv1d-int8-blocked.js';
import { depthwiseConv1d } from '../kernels/depthwise-conv1d.js';
import { depthwiseConv1dInt8 } from '../kernels/depthwise-conv1d-int8.js';
import type { Requantization } from '../kernels/requantize.js';
import type { Conv1dNode, DepthwiseConv1dNode } from '../model/manifest.js';
import type { Buffers } from './buffers.js';
import type { FloatPrecision, Layer } from './layer.js';
import { channelRequantization } from './requantization.js';
import type { WeightStore } from './weights.js';

/**
 * A causal convolution (full, grouped or depthwise; float or int8) that keeps the last
 * `history` input steps between calls, so that any chunking of the input gives the same output.
 */
export class CausalConv implements Layer {
  private readonly history: Float32Array | Int8Array;
  private work: Float32Array | Int8Array;
  private readonly int8: boolean;
  private readonly weight: Float32Array | Int8Array;
  private readonly bias: Float32Array | Int32Array | null;
  private readonly requant: Requantization | null;
  private readonly inChannels: number;
  private readonly outChannels: number;
  private readonly historyFill: number;
  /** Float weights re-laid out for conv1dBlocked or conv1dFast, when the shape allows it. */
  private readonly packed: Float32Array | null = null;
  /** precision 'fast' and a shape conv1dFast takes (Cout/groups a multiple of 4; else exact). */
  private readonly fast: boolean = false;
  private readonly packedInt8: PackedInt8Weights | null = null;

  constructor(private readonly node: Conv1dNode | DepthwiseConv1dNode, weights: WeightStore, private readonly stepsPerFrame: number, precision: FloatPrecision = 'exact') {
    this.int8 = node.int8 !== undefined;
    this.inChannels = node.op === 'conv1d' ? node.inChannels : node.channels;
    this.outChannels = node.op === 'conv1d' ? node.outChannels : node.channels;
    this.weight = this.int8 ? weights.i8(node.weight) : weights.f32(node.weight);
    this.bias = node.bias === null ? null : this.int8 ? weights.i32(node.bias) : weights.f32(node.bias);
    this.requant = node.int8 ? channelRequantization(node.int8, weights.entry(node.weight).scales ?? [], this.outChannels) : null;
    // An empty int8 history holds the code of 0.0, which is the zero point.
    this.historyFill = node.int8 ? node.int8.input.zeroPoint : 0;
    if (node.op === 'conv1d' && !node.int8) {
      const cInG = node.inChannels / node.groups;
      const blocks = (node.outChannels / node.groups) % CONV_BLOCK === 0;
      this.fast = precision === 'fast' && blocks;
      const blockable = blocks && (this.fast || node.accumulate === 'sequential' || cInG % 2 === 0 || cInG === 1);
      if (blockable) this.packed = packConv1dWeights(this.weight as Float32Array, node.outChannels, node.kernel, cInG);
    }
    if (node.op === 'conv1d' && node.int8) {
      this.packedInt8 = packConv1dInt8Weights(this.weight as Int8Array, node.outChannels, node.kernel, node.inChannels / node.groups, node.groups);
    }
    const size = node.history * this.inChannels;
    this.history = this.int8 ? new Int8Array(size) : new Float32Array(size);
    this.work = this.allocate(1);
    this.reset();
  }

  reset(): void {
    this.history.fill(this.historyFill);
  }

  private allocate(frames: number): Float32Array | Int8Array {
    const size = (this.node.history + frames * this.stepsPerFrame) * this.inChannels;
    return this.int8 ? new Int8Array(size) : new Float32Array(size);
  }

  run(buffers: Buffers, frames: number): void {
    const n = this.node;
    const tIn = frames * this.stepsPerFrame;
    const steps = n.history + tIn;
    const x = this.int8 ? buffers.i8(n.input) : buffers.f32(n.input);
    // Without history (pointwise layers) the input is convolved where it lies.
    let work = x;
    if (n.history > 0) {
      if (this.work.length < steps * this.inChannels) this.work = this.allocate(frames);
      work = this.work;
      work.set(this.history, 0);
      work.set(x.subarray(0, tIn * this.inChannels), n.history * this.inChannels);
    }
    if (this.int8) {
      const w = work as Int8Array;
      const y = buffers.i8(n.output);
      const zp = n.int8!.input.zeroPoint;
      if (n.op === 'conv1d' && this.packedInt8) conv1dInt8Blocked(w, steps, n.inChannels, zp, this.packedInt8, this.bias as Int32Array | null, n.kernel, n.stride, n.dilation, n.groups, y, n.outChannels, this.requant!);
      else if (n.op === 'conv1d') conv1dInt8(w, steps, n.inChannels, zp, this.weight as Int8Array, this.bias as Int32Array | null, n.kernel, n.stride, n.dilation, n.groups, y, n.outChannels, this.requant!);
      else depthwiseConv1dInt8(w, steps, n.channels, zp, this.weight as Int8Array, this.bias as Int32Array | null, n.kernel, n.dilation, y, this.requant!);
    } else {
      const w = work as Float32Array;
      const y = buffers.f32(n.output);
      if (n.op === 'conv1d' && this.fast) conv1dFast(w, steps, n.inChannels, this.packed!, this.bias as Float32Array | null, n.kernel, n.stride, n.dilation, n.groups, y, n.outChannels);
      else if (n.op === 'conv1d' && this.packed) conv1dBlocked(w, steps, n.inChannels, this.packed, this.bias as Float32Array | null, n.kernel, n.stride, n.dilation, n.groups, y, n.outChannels, n.accumulate === 'split2');
      else if (n.op === 'conv1d') conv1d(w, steps, n.inChannels, this.weight as Float32Array, this.bias as Float32Array | null, n.kernel, n.stride, n.dilation, n.groups, y, n.outChannels, n.accumulate === 'split2');
      else depthwiseConv1d(w, steps, n.channels, this.weight as Float32Array, this.bias as Float32Array | null, n.kernel, n.dilation, y);
    }
    if (n.history > 0) this.history.set(work.subarray(tIn * this.inChannels, steps * this.inChannels));
  }
}

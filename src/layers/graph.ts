import type { GraphSpec } from '../model/manifest.js';
import { type BufferInfo, Buffers } from './buffers.js';
import { CausalConv } from './causal-conv.js';
import {
  AddLayer, ChannelCopyLayer, DequantizeLayer, EluLayer, FilmLayer, LeakyReluLayer, QuantizeLayer,
} from './elementwise.js';
import type { FloatPrecision, Layer } from './layer.js';
import { StreamingTransposedConv } from './transposed-conv.js';
import { WeightError, type WeightStore } from './weights.js';

/**
 * A layer graph from a manifest, run on whole frames: `inputStepsPerFrame` input steps in
 * (320 samples for an encoder, 1 embedding for a decoder), any number of frames per call.
 * The spec has passed checkManifest (src/model/validate.ts): names resolve, shapes agree and
 * sizes are bounded, so building it only allocates.
 */
export class Graph {
  private readonly layers: Layer[] = [];
  private readonly buffers: Buffers;
  readonly outputStepsPerFrame: number;

  constructor(readonly spec: GraphSpec, weights: WeightStore, readonly inputStepsPerFrame: number, precision: FloatPrecision = 'exact') {
    const info = new Map<string, BufferInfo>();
    info.set(spec.input, { channels: spec.inputChannels, stepsPerFrame: inputStepsPerFrame, dtype: 'f32' });
    for (const [name, width] of Object.entries(spec.conditions ?? {})) info.set(name, { channels: width, stepsPerFrame: 1, dtype: 'f32' });
    const need = (name: string): BufferInfo => info.get(name)!;
    const produce = (name: string, i: BufferInfo) => info.set(name, i);
    for (const node of spec.nodes) {
      switch (node.op) {
        case 'conv1d':
        case 'depthwise_conv1d': {
          const x = need(node.input);
          const stride = node.op === 'conv1d' ? node.stride : 1;
          produce(node.output, { channels: node.op === 'conv1d' ? node.outChannels : node.channels, stepsPerFrame: x.stepsPerFrame / stride, dtype: node.int8 ? 'i8' : 'f32' });
          this.layers.push(new CausalConv(node, weights, x.stepsPerFrame, precision));
          break;
        }
        case 'transposed_conv1d': {
          const x = need(node.input);
          produce(node.output, { channels: node.outChannels, stepsPerFrame: x.stepsPerFrame * node.stride, dtype: 'f32' });
          this.layers.push(new StreamingTransposedConv(node, weights, x.stepsPerFrame, precision));
          break;
        }
        case 'leaky_relu':
        case 'elu':
        case 'quantize':
        case 'dequantize': {
          const x = need(node.input);
          const dtype = node.op === 'quantize' ? 'i8' : node.op === 'dequantize' ? 'f32' : x.dtype;
          produce(node.output, { ...x, dtype });
          const size = x.channels * x.stepsPerFrame;
          this.layers.push(
            node.op === 'leaky_relu' ? new LeakyReluLayer(node, size)
              : node.op === 'elu' ? new EluLayer(node, size)
                : node.op === 'quantize' ? new QuantizeLayer(node, size) : new DequantizeLayer(node, size),
          );
          break;
        }
        case 'add': {
          const a = need(node.inputs[0]);
          produce(node.output, { ...a });
          this.layers.push(new AddLayer(node, a.channels * a.stepsPerFrame));
          break;
        }
        case 'split_channels': {
          const x = need(node.input);
          const width = x.channels / node.outputs.length;
          for (const o of node.outputs) produce(o, { ...x, channels: width });
          this.layers.push(new ChannelCopyLayer(node, info, x.stepsPerFrame));
          break;
        }
        case 'concat_channels': {
          const parts = node.inputs.map(need);
          produce(node.output, { ...parts[0], channels: parts.reduce((s, p) => s + p.channels, 0) });
          this.layers.push(new ChannelCopyLayer(node, info, parts[0].stepsPerFrame));
          break;
        }
        case 'film': {
          const x = need(node.input);
          produce(node.output, { ...x });
          this.layers.push(new FilmLayer(node, weights, x.stepsPerFrame));
          break;
        }
        default:
          throw new WeightError(`unknown graph op "${(node as { op: string }).op}"`);
      }
    }
    this.outputStepsPerFrame = need(spec.output).stepsPerFrame;
    this.buffers = new Buffers(info);
    this.buffers.ensureFrames(1);
  }

  /** Runs `frames` frames; returns a view of the output valid until the next call. */
  run(input: Float32Array, frames: number, conditions?: Record<string, Float32Array>): Float32Array {
    this.buffers.ensureFrames(frames);
    this.buffers.f32(this.spec.input).set(input.subarray(0, frames * this.inputStepsPerFrame * this.spec.inputChannels));
    for (const [name, value] of Object.entries(conditions ?? {})) this.buffers.f32(name).set(value);
    for (const layer of this.layers) layer.run(this.buffers, frames);
    return this.buffers.f32(this.spec.output).subarray(0, frames * this.outputStepsPerFrame * this.spec.outputChannels);
  }

  /** A named activation of the last run, for parity probes. */
  activation(name: string): Float32Array | Int8Array {
    return this.buffers.info.get(name)?.dtype === 'i8' ? this.buffers.i8(name) : this.buffers.f32(name);
  }

  reset(): void {
    for (const layer of this.layers) layer.reset();
  }
}

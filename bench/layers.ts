// The graph of a manifest, layer by layer, for the benchmarks: the shape of every activation,
// the multiply-accumulates (MACs) of every node per 20 ms frame, and a layer-by-layer runner that
// builds the same layer classes as src/layers/graph.ts from the same nodes, so that each
// layer's time per frame can be measured inside the real pipeline (real weights, real data).
//
// The Graph class keeps its layers private, so this rebuilds them; if Graph ever fuses or
// reorders nodes, the per-layer times here stay per node, and the sum of the per-layer times
// (reported next to the whole graph's time) shows how far the two have drifted apart.
import { Buffers, type BufferInfo } from '../src/layers/buffers.js';
import { CausalConv } from '../src/layers/causal-conv.js';
import {
  AddLayer, ChannelCopyLayer, DequantizeLayer, EluLayer, FilmLayer, LeakyReluLayer, QuantizeLayer,
} from '../src/layers/elementwise.js';
import type { FloatPrecision, Layer } from '../src/layers/layer.js';
import { StreamingTransposedConv } from '../src/layers/transposed-conv.js';
import type { WeightStore } from '../src/layers/weights.js';
import { floatGraph } from '../src/model/float-mode.js';
import type { GraphNode, GraphSpec } from '../src/model/manifest.js';
import type { Model } from '../src/model/load.js';

/** A compute mode and, after it, the float precision when not 'exact' (see ComputeOptions). */
export type Mode = 'int8' | 'float' | 'int8 fast' | 'float fast';
export const MODES: Mode[] = ['int8', 'float', 'int8 fast', 'float fast'];

export function computeOptions(mode: Mode): { mode: 'int8' | 'float'; precision: FloatPrecision } {
  return { mode: mode.startsWith('float') ? 'float' : 'int8', precision: mode.endsWith('fast') ? 'fast' : 'exact' };
}

export interface Shape {
  channels: number;
  /** Time steps per 20 ms frame. */
  steps: number;
  dtype: 'f32' | 'i8';
}

export interface PlannedNode {
  index: number;
  node: GraphNode;
  /** Layer type: op, arithmetic and summation order, e.g. "conv1d int8 single-rounding". */
  type: string;
  input: Shape;
  output: Shape;
  /** Multiply-accumulates per 20 ms frame (0 for element-wise nodes). */
  macsPerFrame: number;
  /** Output values per 20 ms frame. */
  elementsPerFrame: number;
}

/** The graph of `which` in `mode` ('float': the all-float variant the Encoder/Decoder build in float mode). */
export function graphSpec(model: Model, which: 'encoder' | 'decoder', mode: Mode): GraphSpec {
  const spec = model.manifest[which];
  if (!spec) throw new Error(`model has no ${which} graph`);
  return computeOptions(mode).mode === 'float' ? floatGraph(spec, model.weights) : spec;
}

/** Input steps per frame: 320 samples for an encoder, 1 embedding for a decoder (as src/codec does). */
export function inputSteps(model: Model, which: 'encoder' | 'decoder'): number {
  return which === 'encoder' ? model.manifest.frameSize : 1;
}

export function layerType(node: GraphNode, precision: FloatPrecision = 'exact'): string {
  switch (node.op) {
    case 'conv1d':
      return node.int8 ? `conv1d int8 ${node.int8.rounding ?? 'double'}-rounding` : `conv1d f32 ${precision === 'fast' ? 'float64 sums' : node.accumulate}`;
    case 'transposed_conv1d':
      return `${node.op} ${node.int8 ? 'int8' : precision === 'fast' ? 'f32 float64 sums' : 'f32'}`;
    case 'depthwise_conv1d':
    case 'leaky_relu':
    case 'add':
      return `${node.op} ${node.int8 ? 'int8' : 'f32'}`;
    case 'split_channels':
    case 'concat_channels':
      return `split/concat ${node.dtype === 'i8' ? 'int8' : 'f32'}`;
    default:
      return node.op;
  }
}

/** Shapes and MACs of every node, in graph order. */
export function planGraph(spec: GraphSpec, inputStepsPerFrame: number, precision: FloatPrecision = 'exact'): { nodes: PlannedNode[]; info: Map<string, BufferInfo> } {
  const info = new Map<string, BufferInfo>();
  info.set(spec.input, { channels: spec.inputChannels, stepsPerFrame: inputStepsPerFrame, dtype: 'f32' });
  for (const [name, width] of Object.entries(spec.conditions ?? {})) info.set(name, { channels: width, stepsPerFrame: 1, dtype: 'f32' });
  const get = (name: string): BufferInfo => {
    const i = info.get(name);
    if (!i) throw new Error(`graph reads "${name}" before anything writes it`);
    return i;
  };
  const shape = (i: BufferInfo): Shape => ({ channels: i.channels, steps: i.stepsPerFrame, dtype: i.dtype });
  const nodes: PlannedNode[] = [];
  spec.nodes.forEach((node, index) => {
    let x: BufferInfo;
    let y: BufferInfo;
    let macs = 0;
    switch (node.op) {
      case 'conv1d': {
        x = get(node.input);
        y = { channels: node.outChannels, stepsPerFrame: x.stepsPerFrame / node.stride, dtype: node.int8 ? 'i8' : 'f32' };
        macs = (y.stepsPerFrame * node.outChannels * node.kernel * node.inChannels) / node.groups;
        info.set(node.output, y);
        break;
      }
      case 'depthwise_conv1d': {
        x = get(node.input);
        y = { channels: node.channels, stepsPerFrame: x.stepsPerFrame, dtype: node.int8 ? 'i8' : 'f32' };
        macs = y.stepsPerFrame * node.channels * node.kernel;
        info.set(node.output, y);
        break;
      }
      case 'transposed_conv1d': {
        x = get(node.input);
        y = { channels: node.outChannels, stepsPerFrame: x.stepsPerFrame * node.stride, dtype: 'f32' };
        macs = x.stepsPerFrame * node.outChannels * node.kernel * node.inChannels;
        info.set(node.output, y);
        break;
      }
      case 'leaky_relu':
      case 'elu':
      case 'quantize':
      case 'dequantize': {
        x = get(node.input);
        y = { ...x, dtype: node.op === 'quantize' ? 'i8' : node.op === 'dequantize' ? 'f32' : x.dtype };
        info.set(node.output, y);
        break;
      }
      case 'add': {
        x = get(node.inputs[0]);
        y = { ...x };
        info.set(node.output, y);
        break;
      }
      case 'split_channels': {
        x = get(node.input);
        y = { ...x, channels: x.channels / node.outputs.length };
        for (const o of node.outputs) info.set(o, { ...y });
        break;
      }
      case 'concat_channels': {
        const parts = node.inputs.map(get);
        x = parts[0];
        y = { ...x, channels: parts.reduce((s, p) => s + p.channels, 0) };
        info.set(node.output, y);
        break;
      }
      case 'film': {
        x = get(node.input);
        y = { ...x };
        macs = y.stepsPerFrame * node.channels * node.conditionDim * 2; // gamma and beta from the condition, at every step
        info.set(node.output, y);
        break;
      }
      default:
        throw new Error(`unknown graph op "${(node as { op: string }).op}"`);
    }
    const outputs = node.op === 'split_channels' ? node.outputs.length : 1;
    nodes.push({
      index, node, type: layerType(node, precision), input: shape(x), output: shape(y),
      macsPerFrame: macs, elementsPerFrame: y.channels * y.stepsPerFrame * outputs,
    });
  });
  if (!info.has(spec.output)) throw new Error(`graph output "${spec.output}" is never written`);
  return { nodes, info };
}

function makeLayer(node: GraphNode, weights: WeightStore, info: Map<string, BufferInfo>, precision: FloatPrecision): Layer {
  const steps = (name: string) => info.get(name)!.stepsPerFrame;
  const size = (name: string) => info.get(name)!.channels * info.get(name)!.stepsPerFrame;
  switch (node.op) {
    case 'conv1d':
    case 'depthwise_conv1d':
      return new CausalConv(node, weights, steps(node.input), precision);
    case 'transposed_conv1d':
      return new StreamingTransposedConv(node, weights, steps(node.input), precision);
    case 'leaky_relu':
      return new LeakyReluLayer(node, size(node.input));
    case 'elu':
      return new EluLayer(node, size(node.input));
    case 'quantize':
      return new QuantizeLayer(node, size(node.input));
    case 'dequantize':
      return new DequantizeLayer(node, size(node.input));
    case 'add':
      return new AddLayer(node, size(node.inputs[0]));
    case 'split_channels':
      return new ChannelCopyLayer(node, info, steps(node.input));
    case 'concat_channels':
      return new ChannelCopyLayer(node, info, steps(node.inputs[0]));
    case 'film':
      return new FilmLayer(node, weights, steps(node.input));
    default:
      throw new Error(`unknown graph op "${(node as { op: string }).op}"`);
  }
}

/** The graph's layers run one frame at a time, each layer timed on its own. */
export class LayerByLayer {
  readonly nodes: PlannedNode[];
  private readonly layers: Layer[];
  private readonly buffers: Buffers;

  constructor(private readonly spec: GraphSpec, weights: WeightStore, inputStepsPerFrame: number, precision: FloatPrecision = 'exact') {
    const { nodes, info } = planGraph(spec, inputStepsPerFrame, precision);
    this.nodes = nodes;
    this.layers = spec.nodes.map((n) => makeLayer(n, weights, info, precision));
    this.buffers = new Buffers(info);
    this.buffers.ensureFrames(1);
  }

  /** One frame through every layer; with `times`, layer i's milliseconds are written to times[i]. */
  runFrame(input: Float32Array, times?: Float64Array): Float32Array {
    this.buffers.f32(this.spec.input).set(input);
    const layers = this.layers;
    const buffers = this.buffers;
    if (times) {
      for (let i = 0; i < layers.length; i++) {
        const t0 = performance.now();
        layers[i].run(buffers, 1);
        times[i] = performance.now() - t0;
      }
    } else {
      for (let i = 0; i < layers.length; i++) layers[i].run(buffers, 1);
    }
    return this.buffers.f32(this.spec.output);
  }

  reset(): void {
    for (const layer of this.layers) layer.reset();
  }
}

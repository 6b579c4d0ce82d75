// The graph of a manifest, layer by layer, for the benchmarks: the shape of every activation,
// the multiply-accumulates (MACs) of every node per 20 ms frame, and a layer-by-layer runner that
// builds the same layers as src/model/graph.ts from the same nodes (through the op registry), so that each
// layer's time per frame can be measured inside the real pipeline (real weights, real data).
//
// The Graph class keeps its layers private, so this rebuilds them; if Graph ever fuses or
// reorders nodes, the per-layer times here stay per node, and the sum of the per-layer times
// (reported next to the whole graph's time) shows how far the two have drifted apart.
import { Buffers, type BufferInfo } from '../src/layers/buffers.js';
import type { Layer } from '../src/layers/layer.js';
import type { FloatPrecision } from '../src/model/compute.js';
import { floatGraph } from '../src/model/float-mode.js';
import type { Model } from '../src/model/load.js';
import type { GraphNode, GraphSpec } from '../src/model/manifest.js';
import { opFor } from '../src/model/ops/index.js';
import { graphActivations } from '../src/model/validate.js';
import type { WeightStore } from '../src/model/weights.js';

/** A compute mode and, after it, the float precision when not 'exact' (see ComputeOptions). */
export type Mode = 'int8' | 'float' | 'int8 fast' | 'float fast';
export const MODES: Mode[] = ['int8', 'float', 'int8 fast', 'float fast'];

export function computeOptions(mode: Mode): { mode: 'int8' | 'float'; precision: FloatPrecision } {
  return { mode: mode.startsWith('float') ? 'float' : 'int8', precision: mode.endsWith('fast') ? 'fast' : 'exact' };
}

/** Channels, time steps and arithmetic per 20 ms frame. */
export type Shape = BufferInfo;

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
      return node.int8
        ? `conv1d int8 ${node.int8.rounding ?? 'double'}-rounding`
        : `conv1d f32 ${precision === 'fast' ? 'float64 sums' : node.accumulate}`;
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

/** Shapes and MACs of every node, in graph order (the shapes from the ops' own shape rules). */
export function planGraph(
  spec: GraphSpec,
  inputStepsPerFrame: number,
  precision: FloatPrecision = 'exact',
): { nodes: PlannedNode[]; info: Map<string, BufferInfo> } {
  const shapes = graphActivations(spec, inputStepsPerFrame, (path, why) => {
    throw new Error(`${path} ${why}`);
  });
  const shape = (name: string): Shape => shapes.get(name)!;
  const nodes = spec.nodes.map((node, index): PlannedNode => {
    const x = shape('inputs' in node ? node.inputs[0] : node.input);
    const y = shape('outputs' in node ? node.outputs[0] : node.output);
    const outputs = 'outputs' in node ? node.outputs.length : 1;
    return {
      index,
      node,
      type: layerType(node, precision),
      input: x,
      output: y,
      macsPerFrame: macs(node, x, y),
      elementsPerFrame: y.channels * y.steps * outputs,
    };
  });
  return { nodes, info: shapes };
}

/** Multiply-accumulates per frame of a node that reads `x` and writes `y` (0 for element-wise nodes). */
function macs(node: GraphNode, x: Shape, y: Shape): number {
  switch (node.op) {
    case 'conv1d':
      return (y.steps * node.outChannels * node.kernel * node.inChannels) / node.groups;
    case 'depthwise_conv1d':
      return y.steps * node.channels * node.kernel;
    case 'transposed_conv1d':
      return x.steps * node.outChannels * node.kernel * node.inChannels;
    case 'film':
      return y.steps * node.channels * node.conditionDim * 2; // gamma and beta from the condition, at every step
    default:
      return 0;
  }
}

/** The graph's layers run one frame at a time, each layer timed on its own. */
export class LayerByLayer {
  readonly nodes: PlannedNode[];
  private readonly layers: Layer[];
  private readonly buffers: Buffers;

  constructor(
    private readonly spec: GraphSpec,
    weights: WeightStore,
    inputStepsPerFrame: number,
    precision: FloatPrecision = 'exact',
  ) {
    const { nodes, info } = planGraph(spec, inputStepsPerFrame, precision);
    this.nodes = nodes;
    const context = { weights, activation: (name: string) => info.get(name)!, fast: precision === 'fast' };
    this.layers = spec.nodes.map((n) => opFor(n.op).build(n, context));
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

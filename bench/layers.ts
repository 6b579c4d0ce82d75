// The graph of a manifest, layer by layer, for the benchmarks: the shape of every activation,
// the multiply-accumulates (MACs) of every node per 20 ms frame, and a layer-by-layer runner that
// builds the same layers as src/model/graph.ts from the same nodes (through the op registry), so that each
// layer's time per frame can be measured inside the real pipeline (real weights, real data).
//
// The Graph class keeps its layers private, so this rebuilds them; if Graph ever fuses or
// reorders nodes, the per-layer times here stay per node, and the sum of the per-layer times
// (reported next to the whole graph's time) shows how far the two have drifted apart.
//
// No Node import: bench/browser-page.ts runs the same measurement in every browser, and
// bench.ts and browser.ts print the same per-layer-type table from it.
import { Buffers, type BufferInfo } from '../src/layers/buffers.js';
import type { Layer } from '../src/layers/layer.js';
import { ENGINE_KERNELS, type FloatPrecision, type KernelStyle } from '../src/model/compute.js';
import { floatGraph } from '../src/model/float-mode.js';
import type { Model } from '../src/model/load.js';
import type { GraphNode, GraphSpec } from '../src/model/manifest.js';
import { opFor } from '../src/model/ops/index.js';
import { graphActivations } from '../src/model/validate.js';
import type { WeightStore } from '../src/model/weights.js';
import { fmt, markdownTable, median } from './numbers.js';

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
  /** Values of one frame's input (samples for an encoder, one embedding for a decoder). */
  readonly inputSize: number;
  private readonly layers: Layer[];
  private readonly buffers: Buffers;

  constructor(
    private readonly spec: GraphSpec,
    weights: WeightStore,
    inputStepsPerFrame: number,
    precision: FloatPrecision = 'exact',
    /** The kernels the engine's Encoder/Decoder take, so that each layer is timed as they run it. */
    kernels: KernelStyle = ENGINE_KERNELS,
  ) {
    const { nodes, info } = planGraph(spec, inputStepsPerFrame, precision);
    this.nodes = nodes;
    const context = { weights, activation: (name: string) => info.get(name)!, fast: precision === 'fast', kernels };
    this.layers = spec.nodes.map((n) => opFor(n.op).build(n, context));
    this.buffers = new Buffers(info);
    this.buffers.ensureFrames(1);
    const input = info.get(spec.input)!;
    this.inputSize = input.channels * input.steps;
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

export interface LayerTimingOptions {
  /** Timed passes over the frames. */
  passes: number;
  /** Untimed passes first (JIT tiers, buffers). */
  warmup: number;
  /** Before every pass, warm-up ones included (e.g. a forced GC, or timing the whole graph in the same conditions). */
  beforePass?: (pass: number) => void;
  /**
   * How a pass sums up a layer's times over the frames (default 'median'). Where performance.now()
   * is coarse (browsers clamp it to 5 to 100 µs), each reading is a multiple of the clock's step, so
   * the median of a layer shorter than a few steps is a multiple of the step too; the mean of many
   * such readings is not biased that way (each call starts at a random phase of the step).
   */
  statistic?: 'median' | 'mean';
}

const mean = (values: Float64Array) => values.reduce((a, v) => a + v, 0) / values.length;

/**
 * Every layer's time per frame, over `frames` frames of `input`: per layer, the median (or mean)
 * over the frames of a pass, and the lowest of those over the passes (a pass disturbed by the
 * machine drops out). Milliseconds, in graph order.
 */
export function timeLayers(
  graph: LayerByLayer,
  input: Float32Array,
  frames: number,
  options: LayerTimingOptions,
): Float64Array {
  const count = graph.nodes.length;
  const size = graph.inputSize;
  const times = new Float64Array(count);
  const perLayer = Array.from({ length: count }, () => new Float64Array(frames));
  const lowest = new Float64Array(count).fill(Infinity);
  const summary = options.statistic === 'mean' ? mean : median;
  for (let pass = 0; pass < options.warmup + options.passes; pass++) {
    options.beforePass?.(pass);
    graph.reset();
    for (let t = 0; t < frames; t++) {
      graph.runFrame(input.subarray(t * size, (t + 1) * size), times);
      for (let i = 0; i < count; i++) perLayer[i][t] = times[i];
    }
    if (pass >= options.warmup) for (let i = 0; i < count; i++) lowest[i] = Math.min(lowest[i], summary(perLayer[i]));
  }
  return lowest;
}

export interface LayerTypeResult {
  nodes: number;
  macsPerFrame?: number;
  msPerFrame: number;
  gmacPerS?: number;
  melemPerS: number;
  /** Share of the sum of all layers' time. */
  share: number;
}

export interface LayerReport {
  /** Median ms per frame of the whole Encoder/Decoder call, measured apart from the layers. */
  graphMsPerFrame: number;
  /** Sum over layers of each layer's ms per frame, measured layer by layer. */
  layersSumMsPerFrame: number;
  macsPerFrame: number;
  gmacPerS: number;
  types: Record<string, LayerTypeResult>;
  nodes: {
    node: string;
    op: string;
    type: string;
    shape: string;
    macsPerFrame?: number;
    medianMs: number;
    gmacPerS?: number;
  }[];
}

/** Per-node times (from timeLayers) summed by layer type, with MACs and rates. */
export function layerReport(nodes: PlannedNode[], nodeMs: ArrayLike<number>, graphMsPerFrame: number): LayerReport {
  let total = 0;
  for (let i = 0; i < nodes.length; i++) total += nodeMs[i];
  const types: Record<string, LayerTypeResult> = {};
  const elements: Record<string, number> = {};
  let macs = 0;
  nodes.forEach((n, i) => {
    types[n.type] ??= { nodes: 0, msPerFrame: 0, melemPerS: 0, share: 0 };
    const t = types[n.type];
    t.nodes++;
    t.msPerFrame += nodeMs[i];
    if (n.macsPerFrame > 0) t.macsPerFrame = (t.macsPerFrame ?? 0) + n.macsPerFrame;
    elements[n.type] = (elements[n.type] ?? 0) + n.elementsPerFrame;
    macs += n.macsPerFrame;
  });
  for (const [type, t] of Object.entries(types)) {
    if (t.macsPerFrame) t.gmacPerS = t.macsPerFrame / (t.msPerFrame * 1e6);
    t.melemPerS = elements[type] / (t.msPerFrame * 1e3);
    t.share = t.msPerFrame / total;
  }
  return {
    graphMsPerFrame,
    layersSumMsPerFrame: total,
    macsPerFrame: macs,
    gmacPerS: macs / (graphMsPerFrame * 1e6),
    types,
    nodes: nodes.map((n, i) => ({
      node: `#${n.index}`, // the position in the manifest graph (a string: the JSON holds only positive numbers)
      op: n.node.op,
      type: n.type,
      shape: `[${n.input.steps}x${n.input.channels} ${n.input.dtype}] -> [${n.output.steps}x${n.output.channels} ${n.output.dtype}]`,
      ...(n.macsPerFrame > 0 ? { macsPerFrame: n.macsPerFrame, gmacPerS: n.macsPerFrame / (nodeMs[i] * 1e6) } : {}),
      medianMs: nodeMs[i],
    })),
  };
}

/** The per-layer-type table of one graph (`key`: e.g. "encoder int8"), slowest type first, with its heading line. */
export function layerTypeTable(key: string, report: LayerReport): string {
  const rows = Object.entries(report.types)
    .sort((a, b) => b[1].msPerFrame - a[1].msPerFrame)
    .map(([type, t]) => [
      type,
      String(t.nodes),
      t.macsPerFrame ? fmt(t.macsPerFrame / 1e3, 4) : '—',
      fmt(t.msPerFrame),
      `${fmt(100 * t.share, 2)}%`,
      fmt(t.gmacPerS),
      fmt(t.melemPerS),
    ]);
  return (
    `**${key}**: ${fmt(report.macsPerFrame / 1e6)} MMAC/frame, ${fmt(report.graphMsPerFrame)} ms/frame through the ${key.split(' ')[0] === 'encoder' ? 'Encoder' : 'Decoder'} ` +
    `(${fmt(report.gmacPerS)} GMAC/s overall); layer by layer the layers add up to ${fmt(report.layersSumMsPerFrame)} ms/frame.\n\n` +
    markdownTable(['layer type', 'nodes', 'kMAC/frame', 'ms/frame', 'share', 'GMAC/s', 'Melem/s'], rows)
  );
}

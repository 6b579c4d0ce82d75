// What defines an op: one descriptor per op (src/model/ops/<op>.ts), looped over by the
// validator, the graph builder, the float rewrite and the TFLite importer.
import type { BufferInfo } from '../../layers/buffers.js';
import type { Layer } from '../../layers/layer.js';
import type { KernelStyle } from '../graph.js';
import type { ActivationQuant, DType, GraphNode, Int8Spec, TensorEntry, TransposedConv1dNode } from '../manifest.js';
import type { WeightStore } from '../weights.js';
import type { NodeOf, Schema } from './schema.js';

/** An activation as the shape rules see it: channels, steps and arithmetic per 20 ms frame. */
export type Activation = BufferInfo;

/**
 * What a shape rule works with. The validator runs every rule on untrusted manifests (a failure
 * names the field); the graph builder runs the same rules on a checked manifest to size its buffers.
 */
export interface ShapeContext {
  fail(key: string, why: string): never;
  /** The activation `name` an earlier node wrote (or the graph input, or a condition); `dtype` when the node needs one. */
  read(key: string, name: string, dtype?: 'f32' | 'i8'): Activation;
  /** Declares an activation this node writes. */
  write(key: string, name: string, a: Activation): void;
  /** The tensor the node's field `key` names (null for a null field), checked for dtype and number of values. */
  weight(key: string, dtype: DType, elements: number): TensorEntry | null;
  /** Checks a real requantization multiplier against the limit. */
  multiplier(real: number): void;
  /** Counts bytes of per-layer state or scratch against the graph's limit. */
  scratch(bytes: number): void;
}

/** What a layer factory gets: the weights, and the shape of every activation (from the shape rules). */
export interface BuildContext {
  weights: WeightStore;
  activation(name: string): Activation;
  /** precision 'fast': float layers may sum in float64 and round once. */
  fast: boolean;
  /** Which kernel variants (default 'jit'); 'interpreter': src/layers/interpreted.ts. */
  kernels?: KernelStyle;
}

/** Whether the exact float kernels of a style read float32 operands (else float64 copies). */
export const readsFloat32 = (style: KernelStyle | undefined): boolean =>
  style === 'jit-float32' || style === 'jit-float32-pairs';

/** Whether a style's split sums take two output steps at a time (all but JavaScriptCore's, which spills them). */
export const pairsSplitSteps = (style: KernelStyle | undefined): boolean => style !== 'jit-float32';

/** A TFLite operator as the importer reads it (src/import/tflite.ts), as far as op mappings need it. */
export interface TfliteOperator {
  op: string;
  index: number;
  inputs: number[];
  outputs: number[];
  options: {
    i8(slot: number, fallback?: number): number;
    i32(slot: number, fallback?: number): number;
    f32(slot: number, fallback?: number): number;
  } | null;
}

/** An activation of the graph being imported. */
export interface ImportedActivation {
  name: string;
  channels: number;
  dtype: 'f32' | 'i8';
  quant?: ActivationQuant;
}

/** What an op's TFLite mapping works with (implemented by src/import/map-graph.ts). */
export interface TfliteContext {
  /** Throws ImportError naming the operator (and tensor `index`). */
  fail(op: TfliteOperator, why: string, index?: number): never;
  /** The tensor's shape. */
  shape(index: number): number[];
  /** The tensor's name in the source model, for `source`. */
  source(index: number): string;
  /** An activation input. */
  activation(op: TfliteOperator, index: number): ImportedActivation;
  /** An activation input, or the history + frame concatenation of a streaming layer (history > 0). */
  streamed(op: TfliteOperator, index: number): { x: ImportedActivation; history: number };
  /** Declares the activation tensor `index` as this op's output. */
  output(index: number, dtype: 'f32' | 'i8'): ImportedActivation;
  /** A constant tensor, added to the model's tensors under `${prefix}/${node id}.${name}`; returns its name. */
  constant(op: TfliteOperator, index: number, name: string, dtype: DType): string;
  /** The int8 spec of a node reading `x` and writing tensor `output`. */
  int8(x: ImportedActivation, output: number): Int8Spec;
  /** Constant int32 values of at least `min` entries. */
  int32s(index: number, min: number): Int32Array;
  /** Appends a node to the graph. */
  emit(node: GraphNode): void;
  /** A transposed convolution whose overlap-add idiom the importer completes (src/import/map-graph.ts). */
  transposed(output: number, node: TransposedConv1dNode, dequantized: boolean): void;
}

/** A node the all-float graph leaves out: readers of `output` read `input` instead. */
export interface FloatAlias {
  alias: true;
  output: string;
  input: string;
}

export interface OpDescriptor<Op extends string = string, N = unknown, S extends Schema = Schema> {
  op: Op;
  fields: S;
  /** Checks the node against what it reads and declares what it writes. */
  shape(node: N, ctx: ShapeContext): void;
  /** The layer that runs the node, its kernel chosen here, once. */
  build(node: N, ctx: BuildContext): Layer;
  /**
   * The node in the all-float graph, or an alias that drops it (its output is then its input);
   * absent: the node as it is, without its int8 field.
   */
  toFloat?(node: N, weights: WeightStore): N | FloatAlias;
  /** The TFLite builtin ops this op is imported from, and how. */
  tflite?: { ops: readonly string[]; map(ctx: TfliteContext, op: TfliteOperator): void };
}

/** An op's descriptor from its schema and rules; the node type is inferred from the schema. */
export function defineOp<Op extends string, S extends Schema>(
  op: Op,
  fields: S,
  rules: Omit<OpDescriptor<Op, NodeOf<Op, S>, S>, 'op' | 'fields'>,
): OpDescriptor<Op, NodeOf<Op, S>, S> {
  return { op, fields, ...rules };
}

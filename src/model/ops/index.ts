// The op registry: every op a manifest's graph may hold, by name. Adding an op is one file
// beside this one (schema, shape rule, layer factory, float rewrite, TFLite mapping) plus its
// kernel, and one line here: GraphNode, the union of node types, follows from this list.
import { add } from './add.js';
import { concatChannels } from './concat-channels.js';
import { conv1d } from './conv1d.js';
import { depthwiseConv1d } from './depthwise-conv1d.js';
import { dequantize } from './dequantize.js';
import { elu } from './elu.js';
import { film } from './film.js';
import { leakyRelu } from './leaky-relu.js';
import type { OpDescriptor } from './op.js';
import type { NodeOf } from './schema.js';
import { quantize } from './quantize.js';
import { splitChannels } from './split-channels.js';
import { transposedConv1d } from './transposed-conv1d.js';

export const OPS = {
  conv1d,
  depthwise_conv1d: depthwiseConv1d,
  transposed_conv1d: transposedConv1d,
  leaky_relu: leakyRelu,
  elu,
  add,
  quantize,
  dequantize,
  split_channels: splitChannels,
  concat_channels: concatChannels,
  film,
} as const;

type Ops = typeof OPS;

/** A node of a graph: one type per op of the registry, derived from the op's schema. */
export type GraphNode = { [Op in keyof Ops]: NodeOf<Op, Ops[Op]['fields']> }[keyof Ops];

/** The descriptor of a checked op name, typed for any node. */
export function opFor(op: string): OpDescriptor<string, GraphNode> {
  return OPS[op as GraphNode['op']] as OpDescriptor<string, GraphNode>;
}

/** The op that imports a TFLite builtin, if any. */
export function opForTflite(builtin: string): OpDescriptor<string, GraphNode> | undefined {
  return Object.values(OPS).find((d) => d.tflite?.ops.includes(builtin)) as OpDescriptor<string, GraphNode> | undefined;
}

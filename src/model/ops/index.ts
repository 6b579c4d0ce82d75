// The op registry: every op a manifest's graph may hold, by name. Adding an op is one file
// beside this one (schema, shape rule, layer factory, float rewrite, TFLite mapping) plus its
// kernel, and one line here.
import type { GraphNode } from '../manifest.js';
import { add } from './add.js';
import { concatChannels } from './concat-channels.js';
import { conv1d } from './conv1d.js';
import { depthwiseConv1d } from './depthwise-conv1d.js';
import { dequantize } from './dequantize.js';
import { elu } from './elu.js';
import { film } from './film.js';
import { leakyRelu } from './leaky-relu.js';
import type { OpDescriptor } from './op.js';
import { quantize } from './quantize.js';
import { splitChannels } from './split-channels.js';
import { transposedConv1d } from './transposed-conv1d.js';

export const OPS: { readonly [Op in GraphNode['op']]: OpDescriptor<Op, Extract<GraphNode, { op: Op }>> } = {
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
};

/** The descriptor of a checked op name, typed for any node. */
export function opFor(op: string): OpDescriptor<string, GraphNode> {
  return OPS[op as GraphNode['op']] as OpDescriptor<string, GraphNode>;
}

/** The op that imports a TFLite builtin, if any. */
export function opForTflite(builtin: string): OpDescriptor<string, GraphNode> | undefined {
  return Object.values(OPS).find((d) => d.tflite?.ops.includes(builtin)) as OpDescriptor<string, GraphNode> | undefined;
}

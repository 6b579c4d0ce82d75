import type { GraphNode, GraphSpec } from './manifest.js';
import type { WeightStore } from '../layers/weights.js';

/**
 * The all-float variant of a graph: int8 weights dequantized (w = scale * q, bias = q * input
 * scale * weight scale), activations kept in float, quantize / dequantize nodes dropped.
 * It is what the model computes without int8 rounding, not what the reference runtime computes.
 */
export function floatGraph(spec: GraphSpec, weights: WeightStore): GraphSpec {
  const alias = new Map<string, string>();
  const resolve = (name: string) => alias.get(name) ?? name;
  const nodes: GraphNode[] = [];
  for (const original of spec.nodes) {
    if (original.op === 'quantize' || original.op === 'dequantize') {
      alias.set(original.output, resolve(original.input));
      continue;
    }
    const node = renameInputs(original, resolve);
    if ((node.op === 'conv1d' || node.op === 'depthwise_conv1d' || node.op === 'transposed_conv1d') && node.int8) {
      const channels = node.op === 'depthwise_conv1d' ? node.channels : node.outChannels;
      const entry = weights.entry(node.weight);
      const scales = entry.scales ?? [1];
      const q = weights.i8(node.weight);
      const w = new Float32Array(q.length);
      // Depthwise weights are [K, C] (channel last); the others are [Cout, ...] (channel first).
      const channelOf = node.op === 'depthwise_conv1d' ? (i: number) => i % channels : (i: number) => Math.floor(i / (q.length / channels));
      for (let i = 0; i < q.length; i++) w[i] = q[i] * scales[scales.length === 1 ? 0 : channelOf(i)];
      weights.addDerived(`${node.weight}#float`, w);
      node.weight = `${node.weight}#float`;
      if (node.bias !== null) {
        const bq = weights.i32(node.bias);
        const b = new Float32Array(bq.length);
        for (let c = 0; c < bq.length; c++) b[c] = bq[c] * node.int8.input.scale * scales[scales.length === 1 ? 0 : c];
        weights.addDerived(`${node.bias}#float`, b);
        node.bias = `${node.bias}#float`;
      }
    }
    if ('int8' in node) delete node.int8;
    nodes.push(node);
  }
  return { ...spec, output: resolve(spec.output), nodes };
}

function renameInputs(node: GraphNode, resolve: (name: string) => string): GraphNode {
  const copy = JSON.parse(JSON.stringify(node)) as GraphNode; // plain data; structuredClone is missing in Hermes
  if ('input' in copy) copy.input = resolve(copy.input);
  if (copy.op === 'add') copy.inputs = [resolve(copy.inputs[0]), resolve(copy.inputs[1])];
  if (copy.op === 'concat_channels') copy.inputs = copy.inputs.map(resolve);
  if (copy.op === 'concat_channels' || copy.op === 'split_channels') copy.dtype = 'f32';
  return copy;
}

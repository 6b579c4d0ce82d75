import type { GraphNode, GraphSpec } from './manifest.js';
import { opFor } from './ops/index.js';
import type { WeightStore } from './weights.js';

/**
 * The all-float variant of a graph: int8 weights dequantized, activations kept in float,
 * quantize / dequantize nodes dropped; each op says what it becomes (its descriptor's toFloat).
 * It is what the model computes without int8 rounding, not what the reference runtime computes.
 */
export function floatGraph(spec: GraphSpec, weights: WeightStore): GraphSpec {
  const alias = new Map<string, string>();
  const resolve = (name: string) => alias.get(name) ?? name;
  const nodes: GraphNode[] = [];
  for (const original of spec.nodes) {
    const op = opFor(original.op);
    const node = renameReads(original, op.fields, resolve);
    const float = op.toFloat ? op.toFloat(node, weights) : withoutInt8(node);
    if ('alias' in float) alias.set(float.output, float.input);
    else nodes.push(float);
  }
  return { ...spec, output: resolve(spec.output), nodes };
}

type Fields = ReturnType<typeof opFor>['fields'];

/** A copy of the node whose reads go through `resolve` (the schema says which fields are reads). */
function renameReads(node: GraphNode, fields: Fields, resolve: (name: string) => string): GraphNode {
  const copy: Record<string, unknown> = { ...node };
  for (const [key, field] of Object.entries(fields)) {
    if (field.kind === 'reads') copy[key] = resolve(copy[key] as string);
    if (field.kind === 'readsList') copy[key] = (copy[key] as string[]).map(resolve);
  }
  return copy as GraphNode;
}

function withoutInt8(node: GraphNode): GraphNode {
  const copy = { ...node };
  if ('int8' in copy) delete copy.int8;
  return copy;
}

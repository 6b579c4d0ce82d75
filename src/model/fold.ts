import type { GraphNode, GraphSpec } from './manifest.js';
import type { BuildContext } from './ops/op.js';
import { opFor } from './ops/index.js';

/** A node to build, with the leaky ReLU folded into its input (or null). */
export interface PlannedNode {
  /** Its place in the spec's nodes. */
  index: number;
  node: GraphNode;
  leakyInput: number | null;
}

/**
 * The nodes a graph builds, with each float leaky ReLU folded into the node that alone reads its
 * output, where that node's op can apply it to its input as it reads it (OpDescriptor
 * .foldsLeakyInput): the reader then reads the leaky ReLU's input. The same operation on the same
 * values, so the same bits, with one pass over the activation and one layer fewer. `folded` names
 * the activations no layer writes any more.
 */
export function foldLeakyRelus(spec: GraphSpec, context: BuildContext): { nodes: PlannedNode[]; folded: Set<string> } {
  const readers = new Map<string, number>();
  const read = (name: string) => readers.set(name, (readers.get(name) ?? 0) + 1);
  read(spec.output);
  for (const node of spec.nodes) {
    for (const [key, field] of Object.entries(opFor(node.op).fields)) {
      const value = (node as unknown as Record<string, unknown>)[key];
      if (field.kind === 'reads') read(value as string);
      if (field.kind === 'readsList') for (const name of value as string[]) read(name);
    }
  }
  const leaky = new Map<string, { input: string; alpha: number }>();
  for (const node of spec.nodes)
    if (node.op === 'leaky_relu' && !node.int8 && readers.get(node.output) === 1)
      leaky.set(node.output, { input: node.input, alpha: node.alpha });
  const folded = new Set<string>();
  const planned: PlannedNode[] = [];
  for (const [index, node] of spec.nodes.entries()) {
    const source = 'input' in node ? leaky.get(node.input) : undefined;
    const op = opFor(node.op);
    if (source && op.foldsLeakyInput?.(node, context)) {
      folded.add((node as { input: string }).input);
      planned.push({ index, node: { ...node, input: source.input } as GraphNode, leakyInput: source.alpha });
    } else planned.push({ index, node, leakyInput: null });
  }
  return {
    nodes: planned.filter(({ node }) => !(node.op === 'leaky_relu' && folded.has(node.output))),
    folded,
  };
}

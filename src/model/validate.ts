// The manifest's graphs and quantizer are data from someone else's machine: every field is
// checked here, against each op's schema and then by running each op's shape rule in graph
// order (src/model/ops), before any layer allocates a buffer or reaches a kernel. A failure
// names the path of the field (`encoder.nodes[3].groups`).
import type { GraphNode, GraphSpec, Manifest, TensorEntry } from './manifest.js';
import { opFor, OPS } from './ops/index.js';
import type { Activation, ShapeContext } from './ops/op.js';
import { checkField, checkInt, checkName, type Fail, isObject, LIMITS, show } from './ops/schema.js';

export { LIMITS, type Fail };

interface GraphFrame {
  inputSteps: number;
  inputChannels?: number;
  outputSteps?: number;
  outputChannels?: number;
}

interface Walk {
  activations: Map<string, Activation>;
  weightBytes: number;
}

/**
 * Runs the shape rule of every node in order. Every read must name the graph input, a condition
 * or an earlier node's output, so the order of the list is a topological order and no cycle can
 * be expressed. With `tensors`, weights are checked against the tensor table and counted.
 */
function walk(
  fail: Fail,
  where: string,
  g: GraphSpec,
  inputSteps: number,
  tensors: Map<string, TensorEntry> | null,
): Walk {
  const activations = new Map<string, Activation>();
  let activationBytes = 0;
  let weightBytes = 0;
  let at = where;
  const scratch = (bytes: number) => {
    activationBytes += bytes;
    if (activationBytes > LIMITS.activationBytes)
      fail(at, `takes the graph's activations past ${LIMITS.activationBytes / 2 ** 20} MiB per frame`);
  };
  const define = (path: string, name: string, a: Activation) => {
    if (activations.has(name)) fail(path, `writes "${name}", which already exists`);
    activations.set(name, a);
    scratch(a.channels * a.steps * (a.dtype === 'f32' ? 4 : 1));
  };
  define(`${where}.input`, g.input, { channels: g.inputChannels, steps: inputSteps, dtype: 'f32' });
  for (const [name, width] of Object.entries(g.conditions ?? {}))
    define(`${where}.conditions.${name}`, name, { channels: width, steps: 1, dtype: 'f32' });

  g.nodes.forEach((node: GraphNode, i) => {
    at = `${where}.nodes[${i}]`;
    const field = (key: string) => `${at}.${key}`;
    const ctx: ShapeContext = {
      fail: (key, why) => fail(field(key), why),
      read(key, name, dtype) {
        const a = activations.get(name);
        if (!a)
          return fail(
            field(key),
            `reads "${name}", which no earlier node writes (nor is it the graph input or a condition)`,
          );
        if (dtype && a.dtype !== dtype)
          fail(field(key), `reads "${name}", which is ${a.dtype}; this node needs ${dtype}`);
        return a;
      },
      write: (key, name, a) => define(field(key), name, a),
      weight(key, dtype, elements) {
        const name = (node as unknown as Record<string, string | null>)[key];
        if (name === null || tensors === null) return null;
        const t = tensors.get(name);
        if (!t) return fail(field(key), `names tensor "${name}", which is not in the tensor table`);
        if (t.dtype !== dtype) fail(field(key), `tensor "${name}" is ${t.dtype}; this node needs ${dtype}`);
        const count = t.shape.reduce((a, d) => a * d, 1);
        if (count !== elements)
          fail(field(key), `tensor "${name}" has ${count} values (shape [${t.shape}]); this node needs ${elements}`);
        weightBytes += elements * 4;
        if (weightBytes > LIMITS.weightBytes)
          fail(field(key), `takes the graph's weights past ${LIMITS.weightBytes / 2 ** 20} MiB`);
        return t;
      },
      multiplier(real) {
        if (!(real <= LIMITS.maxMultiplier))
          fail(field('int8'), `gives a requantization multiplier of ${real}, above ${LIMITS.maxMultiplier}`);
      },
      scratch,
    };
    opFor(node.op).shape(node, ctx);
  });

  const out = activations.get(g.output);
  if (!out) fail(`${where}.output`, `"${g.output}" is never written`);
  if (out!.dtype !== 'f32') fail(`${where}.output`, `"${g.output}" is int8; a graph's output must be float`);
  if (out!.channels !== g.outputChannels)
    fail(`${where}.outputChannels`, `is ${g.outputChannels}, but "${g.output}" has ${out!.channels} channels`);
  return { activations, weightBytes };
}

/** The shape of every activation of a graph that was checked (or derived from a checked one). */
export function graphActivations(spec: GraphSpec, inputSteps: number, fail: Fail): Map<string, Activation> {
  return walk(fail, 'graph', spec, inputSteps, null).activations;
}

/** Checks one graph: its fields, each node's schema, then the shape rules. Returns the float weight bytes its layers may hold. */
function checkGraph(
  fail: Fail,
  where: string,
  raw: unknown,
  tensors: Map<string, TensorEntry>,
  frame: GraphFrame,
): number {
  if (!isObject(raw)) fail(where, `must be an object, got ${show(raw)}`);
  const g = raw as Record<string, unknown>;
  checkName(fail, `${where}.input`, g.input);
  const inputChannels = checkInt(fail, `${where}.inputChannels`, g.inputChannels, 1, LIMITS.channels);
  checkName(fail, `${where}.output`, g.output);
  const outputChannels = checkInt(fail, `${where}.outputChannels`, g.outputChannels, 1, LIMITS.channels);
  if (frame.inputChannels !== undefined && inputChannels !== frame.inputChannels)
    fail(`${where}.inputChannels`, `is ${inputChannels}, expected ${frame.inputChannels}`);
  if (g.conditions !== undefined) {
    if (!isObject(g.conditions)) fail(`${where}.conditions`, 'must be an object of name -> width');
    for (const [name, width] of Object.entries(g.conditions as Record<string, unknown>)) {
      checkName(fail, `${where}.conditions`, name);
      checkInt(fail, `${where}.conditions.${name}`, width, 1, LIMITS.channels);
    }
  }
  if (!Array.isArray(g.nodes) || g.nodes.length > LIMITS.nodes)
    fail(`${where}.nodes`, `must be a list of at most ${LIMITS.nodes} nodes`);
  (g.nodes as unknown[]).forEach((raw, i) => {
    const at = `${where}.nodes[${i}]`;
    if (!isObject(raw)) fail(at, `must be an object, got ${show(raw)}`);
    const n = raw as Record<string, unknown>;
    if (typeof n.op !== 'string' || !Object.hasOwn(OPS, n.op))
      fail(`${at}.op`, `is ${show(n.op)}; known ops: ${Object.keys(OPS).join(', ')}`);
    for (const [key, field] of Object.entries(opFor(n.op as string).fields))
      checkField(fail, `${at}.${key}`, field, n[key]);
    if (n.source !== undefined && typeof n.source !== 'string') fail(`${at}.source`, 'must be a string when present');
  });

  // Every field now has its schema's type: the graph is a GraphSpec.
  const { activations, weightBytes } = walk(fail, where, raw as unknown as GraphSpec, frame.inputSteps, tensors);
  const out = activations.get(g.output as string)!;
  if (frame.outputChannels !== undefined && outputChannels !== frame.outputChannels)
    fail(`${where}.outputChannels`, `is ${outputChannels}, expected ${frame.outputChannels}`);
  if (frame.outputSteps !== undefined && out.steps !== frame.outputSteps)
    fail(`${where}.output`, `"${g.output}" has ${out.steps} steps per frame, expected ${frame.outputSteps}`);
  return weightBytes;
}

function checkQuantizer(fail: Fail, raw: unknown, embeddingDim: number, tensors: Map<string, TensorEntry>): void {
  const where = 'quantizer';
  if (!isObject(raw)) fail(where, `must be an object, got ${show(raw)}`);
  const q = raw as Record<string, unknown>;
  const stages = checkInt(fail, `${where}.numQuantizers`, q.numQuantizers, 1, LIMITS.quantizers);
  const bits = checkInt(fail, `${where}.bitsPerIndex`, q.bitsPerIndex, 1, 16);
  const size = checkInt(fail, `${where}.codebookSize`, q.codebookSize, 1, 2 ** bits);
  const dim = checkInt(fail, `${where}.dim`, q.dim, embeddingDim, embeddingDim);
  const name = checkName(fail, `${where}.codebooks`, q.codebooks);
  const t = tensors.get(name);
  if (!t) fail(`${where}.codebooks`, `names tensor "${name}", which is not in the tensor table`);
  const count = t!.shape.reduce((a, d) => a * d, 1);
  if (t!.dtype !== 'f32' || count !== stages * size * dim)
    fail(
      `${where}.codebooks`,
      `tensor "${name}" must be f32 with ${stages}x${size}x${dim} values, is ${t!.dtype} with ${count}`,
    );
  if (!isObject(q.bitrates) || Object.keys(q.bitrates).length === 0)
    fail(`${where}.bitrates`, 'must map at least one bitrate to a number of quantizers');
  for (const [bps, n] of Object.entries(q.bitrates as Record<string, unknown>)) {
    if (!/^[1-9][0-9]{0,6}$/.test(bps))
      fail(`${where}.bitrates`, `key ${show(bps)} is not a bitrate in bits per second`);
    checkInt(fail, `${where}.bitrates.${bps}`, n, 1, stages);
  }
}

/** Checks graphs, quantizer and the fields other code reads; `tensors` were checked already. */
export function checkModelFields(fail: Fail, m: Manifest): void {
  const tensors = new Map(m.tensors.map((t) => [t.name, t]));
  if (m.provenance !== undefined && !isObject(m.provenance)) fail('provenance', 'must be an object when present');
  if (typeof m.model !== 'string') fail('model', `must be a string, got ${show(m.model)}`);
  let weightBytes = 0;
  if (m.encoder !== undefined)
    weightBytes += checkGraph(fail, 'encoder', m.encoder, tensors, {
      inputSteps: m.frameSize,
      inputChannels: 1,
      outputSteps: 1,
      outputChannels: m.embeddingDim,
    });
  if (m.decoder !== undefined)
    weightBytes += checkGraph(fail, 'decoder', m.decoder, tensors, {
      inputSteps: 1,
      inputChannels: m.embeddingDim,
      outputSteps: m.frameSize,
      outputChannels: 1,
    });
  if (m.bottleneck !== undefined)
    weightBytes += checkGraph(fail, 'bottleneck', m.bottleneck, tensors, {
      inputSteps: 1,
      inputChannels: m.embeddingDim,
      outputSteps: 1,
      outputChannels: m.embeddingDim,
    });
  if (weightBytes > LIMITS.weightBytes)
    fail('(graphs)', `hold ${weightBytes} bytes of weights, above ${LIMITS.weightBytes / 2 ** 20} MiB`);
  if (m.quantizer !== undefined) checkQuantizer(fail, m.quantizer, m.embeddingDim, tensors);
  if (m.expects !== undefined) {
    const e = m.expects as unknown as Record<string, unknown>;
    if (!isObject(e) || typeof e.model !== 'string' || typeof e.encoderSha256 !== 'string')
      fail('expects', 'must be { model, encoderSha256 } strings');
  }
}

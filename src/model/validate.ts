// The manifest's graphs and quantizer are data from someone else's machine: every field is
// checked here, against a schema per op and then by walking each graph in order the way Graph
// will build it, before any layer allocates a buffer or reaches a kernel. A failure names the
// path of the field (`encoder.nodes[3].groups`).
import type { GraphSpec, Manifest, TensorEntry } from './manifest.js';

/** Throws the caller's typed error for the field at `path`. */
export type Fail = (path: string, why: string) => never;

/**
 * Upper bounds that keep a hostile manifest from reserving absurd memory or time. Lyra v2 uses
 * at most 512 channels, kernel 64, stride 16, 2.2 MB of activations and 12 MB of float weights.
 */
export const LIMITS = {
  sampleRate: 384_000,
  frameSize: 16_384,
  embeddingDim: 4096,
  channels: 8192,
  kernel: 1024,
  stride: 1024,
  dilation: 1024,
  nodes: 10_000,
  tensors: 100_000,
  splitParts: 1024,
  nameLength: 1024,
  quantizers: 256,
  /** Activations, streaming histories and per-layer scratch of one graph, for one frame. */
  activationBytes: 64 * 2 ** 20,
  /** Weights as the layers hold them (float mode dequantizes int8 to 4 bytes a value). */
  weightBytes: 1024 * 2 ** 20,
  /** Activation and weight scales; their ratios must stay far inside float64 and int32 shifts. */
  minScale: 2 ** -40,
  maxScale: 2 ** 40,
  /** Largest real multiplier of an int8 requantization (TFLite's shift stays small). */
  maxMultiplier: 2 ** 16,
  /** |alpha| of leaky ReLU and ELU. */
  maxAlpha: 1e6,
} as const;

// ---- field schema: what each op's node holds ------------------------------------------------

type Field =
  | { kind: 'reads' } // the name of an earlier activation
  | { kind: 'readsList'; min: number } // names of earlier activations
  | { kind: 'writes' } // a new activation name
  | { kind: 'writesList'; min: number }
  | { kind: 'tensor'; nullable: boolean }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'number'; maxAbs: number }
  | { kind: 'enum'; values: readonly string[]; optional?: boolean }
  | { kind: 'quant' } // { scale, zeroPoint }
  | { kind: 'int8'; add: boolean }; // optional int8 spec

const reads: Field = { kind: 'reads' };
const writes: Field = { kind: 'writes' };
const tensor: Field = { kind: 'tensor', nullable: false };
const optionalTensor: Field = { kind: 'tensor', nullable: true };
const channels: Field = { kind: 'int', min: 1, max: LIMITS.channels };
const kernel: Field = { kind: 'int', min: 1, max: LIMITS.kernel };
const stride: Field = { kind: 'int', min: 1, max: LIMITS.stride };
const dilation: Field = { kind: 'int', min: 1, max: LIMITS.dilation };
const history: Field = { kind: 'int', min: 0, max: LIMITS.dilation * (LIMITS.kernel - 1) };
const alpha: Field = { kind: 'number', maxAbs: LIMITS.maxAlpha };
const int8: Field = { kind: 'int8', add: false };
const dtype: Field = { kind: 'enum', values: ['f32', 'i8'] };

const NODE_SCHEMA: Record<string, Record<string, Field>> = {
  conv1d: {
    input: reads, output: writes, weight: tensor, bias: optionalTensor, inChannels: channels, outChannels: channels,
    kernel, stride, dilation, groups: channels, history, accumulate: { kind: 'enum', values: ['split2', 'sequential'] }, int8,
  },
  depthwise_conv1d: { input: reads, output: writes, weight: tensor, bias: optionalTensor, channels, kernel, dilation, history, int8 },
  transposed_conv1d: {
    input: reads, output: writes, weight: tensor, bias: optionalTensor, inChannels: channels, outChannels: channels,
    kernel, stride, tailBias: optionalTensor, int8,
  },
  leaky_relu: { input: reads, output: writes, alpha, int8 },
  elu: { input: reads, output: writes, alpha },
  add: { inputs: { kind: 'readsList', min: 2 }, output: writes, int8: { kind: 'int8', add: true } },
  quantize: { input: reads, output: writes, quant: { kind: 'quant' } },
  dequantize: { input: reads, output: writes, quant: { kind: 'quant' } },
  split_channels: { input: reads, outputs: { kind: 'writesList', min: 1 }, dtype },
  concat_channels: { inputs: { kind: 'readsList', min: 1 }, output: writes, dtype },
  film: { input: reads, condition: reads, output: writes, channels, conditionDim: channels, weight: tensor, bias: tensor },
};

// ---- small checks --------------------------------------------------------------------------

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => {
  const s = typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' || v === null ? JSON.stringify(v) : Array.isArray(v) ? 'an array' : typeof v;
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

function checkInt(fail: Fail, path: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(path, `must be an integer in ${min}..${max}, got ${show(v)}`);
  return v as number;
}

function checkName(fail: Fail, path: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > LIMITS.nameLength) fail(path, `must be a name (a non-empty string), got ${show(v)}`);
  return v as string;
}

function checkScale(fail: Fail, path: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= LIMITS.minScale && v <= LIMITS.maxScale)) {
    fail(path, `must be a finite scale in 2^-40..2^40 (> 0), got ${show(v)}`);
  }
  return v as number;
}

function checkQuant(fail: Fail, path: string, v: unknown): { scale: number; zeroPoint: number } {
  if (!isObject(v)) fail(path, `must be { scale, zeroPoint }, got ${show(v)}`);
  const q = v as Record<string, unknown>;
  return { scale: checkScale(fail, `${path}.scale`, q.scale), zeroPoint: checkInt(fail, `${path}.zeroPoint`, q.zeroPoint, -128, 127) };
}

function checkMultiplier(fail: Fail, path: string, real: number): void {
  if (!(real <= LIMITS.maxMultiplier)) fail(path, `gives a requantization multiplier of ${real}, above ${LIMITS.maxMultiplier}`);
}

function checkField(fail: Fail, path: string, field: Field, v: unknown): void {
  switch (field.kind) {
    case 'reads':
    case 'writes':
      checkName(fail, path, v);
      break;
    case 'readsList':
    case 'writesList':
      if (!Array.isArray(v) || v.length < field.min || v.length > LIMITS.splitParts) fail(path, `must be a list of ${field.min}..${LIMITS.splitParts} names, got ${show(v)}`);
      (v as unknown[]).forEach((name, i) => checkName(fail, `${path}[${i}]`, name));
      break;
    case 'tensor':
      if (!(field.nullable && v === null)) checkName(fail, path, v);
      break;
    case 'int':
      checkInt(fail, path, v, field.min, field.max);
      break;
    case 'number':
      if (typeof v !== 'number' || !(Math.abs(v) <= field.maxAbs)) fail(path, `must be a finite number with |value| <= ${field.maxAbs}, got ${show(v)}`);
      break;
    case 'enum':
      if (field.optional && v === undefined) break;
      if (typeof v !== 'string' || !field.values.includes(v)) fail(path, `must be one of ${field.values.join(', ')}, got ${show(v)}`);
      break;
    case 'quant':
      checkQuant(fail, path, v);
      break;
    case 'int8': {
      if (v === undefined) break;
      if (!isObject(v)) fail(path, `must be an object when present, got ${show(v)}`);
      const q = v as Record<string, unknown>;
      for (const side of field.add ? ['a', 'b', 'output'] : ['input', 'output']) checkQuant(fail, `${path}.${side}`, q[side]);
      if (!field.add && q.rounding !== undefined && q.rounding !== 'double' && q.rounding !== 'single') {
        fail(`${path}.rounding`, `must be "double" or "single", got ${show(q.rounding)}`);
      }
      break;
    }
  }
}

// ---- walking a graph -----------------------------------------------------------------------

interface Activation { channels: number; steps: number; dtype: 'f32' | 'i8' }

interface GraphFrame { inputSteps: number; inputChannels?: number; outputSteps?: number; outputChannels?: number }

/**
 * Checks one graph: the schema of every node, then its shapes in order as Graph builds them.
 * Every read must name the graph input, a condition or an earlier node's output, so the order
 * of the list is a topological order and no cycle can be expressed. Returns the float weight
 * bytes the graph's layers may hold.
 */
function checkGraph(fail: Fail, where: string, raw: unknown, tensors: Map<string, TensorEntry>, frame: GraphFrame): number {
  if (!isObject(raw)) fail(where, `must be an object, got ${show(raw)}`);
  const g = raw as Record<string, unknown> & Partial<GraphSpec>;
  const input = checkName(fail, `${where}.input`, g.input);
  const inputChannels = checkInt(fail, `${where}.inputChannels`, g.inputChannels, 1, LIMITS.channels);
  const output = checkName(fail, `${where}.output`, g.output);
  const outputChannels = checkInt(fail, `${where}.outputChannels`, g.outputChannels, 1, LIMITS.channels);
  if (frame.inputChannels !== undefined && inputChannels !== frame.inputChannels) fail(`${where}.inputChannels`, `is ${inputChannels}, expected ${frame.inputChannels}`);
  if (!Array.isArray(g.nodes) || g.nodes.length > LIMITS.nodes) fail(`${where}.nodes`, `must be a list of at most ${LIMITS.nodes} nodes`);

  const live = new Map<string, Activation>();
  let activationBytes = 0;
  let weightBytes = 0;
  const define = (path: string, name: string, a: Activation) => {
    if (live.has(name)) fail(path, `writes "${name}", which already exists`);
    live.set(name, a);
    activationBytes += a.channels * a.steps * (a.dtype === 'f32' ? 4 : 1);
  };
  const scratch = (path: string, bytes: number) => {
    activationBytes += bytes;
    if (activationBytes > LIMITS.activationBytes) fail(path, `takes the graph's activations past ${LIMITS.activationBytes / 2 ** 20} MiB per frame`);
  };
  define(`${where}.input`, input, { channels: inputChannels, steps: frame.inputSteps, dtype: 'f32' });
  if (g.conditions !== undefined) {
    if (!isObject(g.conditions)) fail(`${where}.conditions`, 'must be an object of name -> width');
    for (const [name, width] of Object.entries(g.conditions as Record<string, unknown>)) {
      checkName(fail, `${where}.conditions`, name);
      define(`${where}.conditions.${name}`, name, { channels: checkInt(fail, `${where}.conditions.${name}`, width, 1, LIMITS.channels), steps: 1, dtype: 'f32' });
    }
  }

  (g.nodes as unknown[]).forEach((rawNode, i) => {
    const at = `${where}.nodes[${i}]`;
    if (!isObject(rawNode)) fail(at, `must be an object, got ${show(rawNode)}`);
    const n = rawNode as Record<string, unknown>;
    const schema = typeof n.op === 'string' ? NODE_SCHEMA[n.op] : undefined;
    if (!schema || !Object.hasOwn(NODE_SCHEMA, n.op as string)) fail(`${at}.op`, `is ${show(n.op)}; known ops: ${Object.keys(NODE_SCHEMA).join(', ')}`);
    for (const [key, field] of Object.entries(schema!)) checkField(fail, `${at}.${key}`, field, n[key]);
    if (n.source !== undefined && typeof n.source !== 'string') fail(`${at}.source`, 'must be a string when present');

    const read = (key: string, name: string, dtype?: 'f32' | 'i8'): Activation => {
      const a = live.get(name);
      if (!a) fail(`${at}.${key}`, `reads "${name}", which no earlier node writes (nor is it the graph input or a condition)`);
      if (dtype && a!.dtype !== dtype) fail(`${at}.${key}`, `reads "${name}", which is ${a!.dtype}; this node needs ${dtype}`);
      return a!;
    };
    const weight = (key: string, dtype: TensorEntry['dtype'], elements: number): TensorEntry | null => {
      const name = n[key] as string | null;
      if (name === null) return null;
      const t = tensors.get(name);
      if (!t) fail(`${at}.${key}`, `names tensor "${name}", which is not in the tensor table`);
      if (t!.dtype !== dtype) fail(`${at}.${key}`, `tensor "${name}" is ${t!.dtype}; this node needs ${dtype}`);
      const count = t!.shape.reduce((a, d) => a * d, 1);
      if (count !== elements) fail(`${at}.${key}`, `tensor "${name}" has ${count} values (shape [${t!.shape}]); this node needs ${elements}`);
      weightBytes += elements * 4;
      if (weightBytes > LIMITS.weightBytes) fail(`${at}.${key}`, `takes the graph's weights past ${LIMITS.weightBytes / 2 ** 20} MiB`);
      return t!;
    };
    const int8 = n.int8 as { input: { scale: number }; output: { scale: number } } | undefined;
    /** int8 weights: a scale per output channel or one for all; every multiplier in range. */
    const weightScales = (t: TensorEntry | null, outChannels: number) => {
      if (!int8 || !t) return;
      const scales = t.scales ?? [];
      if (scales.length !== 1 && scales.length !== outChannels) fail(`${at}.weight`, `tensor "${t.name}" has ${scales.length} scales; this node needs 1 or ${outChannels}`);
      for (const s of scales) checkMultiplier(fail, `${at}.int8`, (int8.input.scale * s) / int8.output.scale);
    };
    const q = int8 ? 'i8' : 'f32';

    switch (n.op) {
      case 'conv1d':
      case 'depthwise_conv1d': {
        const conv = n.op === 'conv1d';
        const cIn = (conv ? n.inChannels : n.channels) as number;
        const cOut = (conv ? n.outChannels : n.channels) as number;
        const groups = conv ? (n.groups as number) : cIn;
        const s = conv ? (n.stride as number) : 1;
        const k = n.kernel as number;
        const x = read('input', n.input as string, q);
        if (x.channels !== cIn) fail(`${at}.${conv ? 'inChannels' : 'channels'}`, `is ${cIn}, but "${n.input}" has ${x.channels} channels`);
        if (conv && (cIn % groups !== 0 || cOut % groups !== 0)) fail(`${at}.groups`, `${groups} does not divide inChannels ${cIn} and outChannels ${cOut}`);
        if (x.steps % s !== 0) fail(`${at}.stride`, `${s} does not divide the ${x.steps} steps per frame of "${n.input}"`);
        const reach = (n.dilation as number) * (k - 1) + 1;
        if (n.history !== reach - s) fail(`${at}.history`, `is ${n.history}; kernel ${k}, dilation ${n.dilation} and stride ${s} need ${reach - s}`);
        const w = weight('weight', q, conv ? cOut * k * (cIn / groups) : k * cIn);
        weight('bias', int8 ? 'i32' : 'f32', cOut);
        weightScales(w, cOut);
        // History, and the work buffer holding history plus one frame of input.
        scratch(at, ((n.history as number) * 2 + x.steps) * cIn * 4);
        define(`${at}.output`, n.output as string, { channels: cOut, steps: x.steps / s, dtype: x.dtype });
        break;
      }
      case 'transposed_conv1d': {
        const cIn = n.inChannels as number;
        const cOut = n.outChannels as number;
        const k = n.kernel as number;
        const s = n.stride as number;
        const x = read('input', n.input as string, q);
        if (x.channels !== cIn) fail(`${at}.inChannels`, `is ${cIn}, but "${n.input}" has ${x.channels} channels`);
        if (k < s) fail(`${at}.kernel`, `${k} is shorter than the stride ${s}`);
        const w = weight('weight', q, cOut * k * cIn);
        weight('bias', int8 ? 'i32' : 'f32', cOut);
        weight('tailBias', 'f32', cOut);
        weightScales(w, cOut);
        scratch(at, ((x.steps - 1) * s + k) * cOut * 5 + (k - s) * cOut * 4);
        define(`${at}.output`, n.output as string, { channels: cOut, steps: x.steps * s, dtype: 'f32' });
        break;
      }
      case 'leaky_relu':
      case 'elu': {
        const x = read('input', n.input as string, n.op === 'elu' ? 'f32' : q);
        if (int8) {
          checkMultiplier(fail, `${at}.int8`, int8.input.scale / int8.output.scale);
          checkMultiplier(fail, `${at}.int8`, (int8.input.scale * Math.abs(n.alpha as number)) / int8.output.scale);
        }
        define(`${at}.output`, n.output as string, { ...x });
        break;
      }
      case 'quantize':
      case 'dequantize': {
        const x = read('input', n.input as string, n.op === 'quantize' ? 'f32' : 'i8');
        define(`${at}.output`, n.output as string, { ...x, dtype: n.op === 'quantize' ? 'i8' : 'f32' });
        break;
      }
      case 'add': {
        const names = n.inputs as string[];
        if (names.length !== 2) fail(`${at}.inputs`, `must name exactly 2 activations, got ${names.length}`);
        const a = read('inputs[0]', names[0], q);
        const b = read('inputs[1]', names[1], q);
        if (a.channels !== b.channels || a.steps !== b.steps) fail(`${at}.inputs`, `"${names[0]}" is ${a.channels}x${a.steps} per frame, "${names[1]}" ${b.channels}x${b.steps}`);
        if (n.int8) {
          const s = n.int8 as { a: { scale: number }; b: { scale: number }; output: { scale: number } };
          checkMultiplier(fail, `${at}.int8`, (2 * Math.max(s.a.scale, s.b.scale)) / (2 ** 20 * s.output.scale));
        }
        define(`${at}.output`, n.output as string, { ...a });
        break;
      }
      case 'split_channels': {
        const outputs = n.outputs as string[];
        const x = read('input', n.input as string, n.dtype as 'f32' | 'i8');
        if (x.channels % outputs.length !== 0) fail(`${at}.outputs`, `${outputs.length} parts do not divide the ${x.channels} channels of "${n.input}"`);
        outputs.forEach((o, j) => define(`${at}.outputs[${j}]`, o, { ...x, channels: x.channels / outputs.length }));
        break;
      }
      case 'concat_channels': {
        const parts = (n.inputs as string[]).map((name, j) => read(`inputs[${j}]`, name, n.dtype as 'f32' | 'i8'));
        if (parts.some((p) => p.steps !== parts[0].steps)) fail(`${at}.inputs`, 'have different steps per frame');
        const total = parts.reduce((sum, p) => sum + p.channels, 0);
        if (total > LIMITS.channels) fail(`${at}.inputs`, `add up to ${total} channels, above ${LIMITS.channels}`);
        define(`${at}.output`, n.output as string, { ...parts[0], channels: total });
        break;
      }
      case 'film': {
        const c = n.channels as number;
        const x = read('input', n.input as string, 'f32');
        const cond = read('condition', n.condition as string, 'f32');
        if (x.channels !== c) fail(`${at}.channels`, `is ${c}, but "${n.input}" has ${x.channels} channels`);
        if (cond.channels !== n.conditionDim || cond.steps !== x.steps) fail(`${at}.condition`, `"${n.condition}" must give ${n.conditionDim} values per step of "${n.input}"`);
        weight('weight', 'f32', (n.conditionDim as number) * 2 * c);
        weight('bias', 'f32', 2 * c);
        define(`${at}.output`, n.output as string, { ...x });
        break;
      }
    }
    scratch(at, 0);
  });

  const out = live.get(output);
  if (!out) fail(`${where}.output`, `"${output}" is never written`);
  if (out!.dtype !== 'f32') fail(`${where}.output`, `"${output}" is int8; a graph's output must be float`);
  if (out!.channels !== outputChannels) fail(`${where}.outputChannels`, `is ${outputChannels}, but "${output}" has ${out!.channels} channels`);
  if (frame.outputChannels !== undefined && outputChannels !== frame.outputChannels) fail(`${where}.outputChannels`, `is ${outputChannels}, expected ${frame.outputChannels}`);
  if (frame.outputSteps !== undefined && out!.steps !== frame.outputSteps) fail(`${where}.output`, `"${output}" has ${out!.steps} steps per frame, expected ${frame.outputSteps}`);
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
  if (t!.dtype !== 'f32' || count !== stages * size * dim) fail(`${where}.codebooks`, `tensor "${name}" must be f32 with ${stages}x${size}x${dim} values, is ${t!.dtype} with ${count}`);
  if (!isObject(q.bitrates) || Object.keys(q.bitrates).length === 0) fail(`${where}.bitrates`, 'must map at least one bitrate to a number of quantizers');
  for (const [bps, n] of Object.entries(q.bitrates as Record<string, unknown>)) {
    if (!/^[1-9][0-9]{0,6}$/.test(bps)) fail(`${where}.bitrates`, `key ${show(bps)} is not a bitrate in bits per second`);
    checkInt(fail, `${where}.bitrates.${bps}`, n, 1, stages);
  }
}

/** Checks graphs, quantizer and the fields other code reads; `tensors` were checked already. */
export function checkModelFields(fail: Fail, m: Manifest): void {
  const tensors = new Map(m.tensors.map((t) => [t.name, t]));
  if (m.provenance !== undefined && !isObject(m.provenance)) fail('provenance', 'must be an object when present');
  if (typeof m.model !== 'string') fail('model', `must be a string, got ${show(m.model)}`);
  let weightBytes = 0;
  if (m.encoder !== undefined) weightBytes += checkGraph(fail, 'encoder', m.encoder, tensors, { inputSteps: m.frameSize, inputChannels: 1, outputSteps: 1, outputChannels: m.embeddingDim });
  if (m.decoder !== undefined) weightBytes += checkGraph(fail, 'decoder', m.decoder, tensors, { inputSteps: 1, inputChannels: m.embeddingDim, outputSteps: m.frameSize, outputChannels: 1 });
  if (m.bottleneck !== undefined) weightBytes += checkGraph(fail, 'bottleneck', m.bottleneck, tensors, { inputSteps: 1, inputChannels: m.embeddingDim, outputSteps: 1, outputChannels: m.embeddingDim });
  if (weightBytes > LIMITS.weightBytes) fail('(graphs)', `hold ${weightBytes} bytes of weights, above ${LIMITS.weightBytes / 2 ** 20} MiB`);
  if (m.quantizer !== undefined) checkQuantizer(fail, m.quantizer, m.embeddingDim, tensors);
  if (m.expects !== undefined) {
    const e = m.expects as unknown as Record<string, unknown>;
    if (!isObject(e) || typeof e.model !== 'string' || typeof e.encoderSha256 !== 'string') fail('expects', 'must be { model, encoderSha256 } strings');
  }
}

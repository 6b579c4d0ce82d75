// Maps a streaming SoundStream TFLite graph (Lyra v2's encoder or decoder) onto our layer graph.
//
// TFLite expresses streaming with resource variables: a causal conv reads its history from a
// variable, concatenates the new frame along time, stores the tail back, and convolves the
// concatenation without padding; a transposed conv adds the stored overlap tail to its output
// and stores the new tail minus the bias. Those idioms become layers that own their state
// (history / tail), here; every other op maps one to one, by the mapping in its descriptor
// (src/model/ops). Anything else stops with an ImportError naming the op and tensor, so a
// changed model never imports silently wrong.
import type { ActivationQuant, GraphNode, GraphSpec, Int8Spec, TransposedConv1dNode } from '../model/manifest.js';
import { opForTflite } from '../model/ops/index.js';
import type { ImportedActivation, TfliteContext, TfliteOperator } from '../model/ops/op.js';
import { ImportError } from './errors.js';
import type { TFLiteModel, TFLiteOperator, TFLiteSubgraph, TFLiteTensor } from './tflite.js';

export interface MappedTensor {
  name: string;
  dtype: 'f32' | 'i8' | 'i32';
  shape: number[];
  data: Uint8Array;
  scales?: number[];
  zeroPoints?: number[];
}

type Activation = ImportedActivation & { kind: 'act' };

type Value =
  | Activation
  | { kind: 'var'; variable: string }
  | { kind: 'state'; variable: string; length: number }
  | { kind: 'stream'; history: number; x: Activation }
  | { kind: 'tail-buffer'; length: number }
  | { kind: 'tconv'; node: TransposedConv1dNode; dequantized: boolean }
  | { kind: 'tconv-sum'; node: TransposedConv1dNode }
  | { kind: 'state-update' };

export function mapStreamingGraph(model: TFLiteModel, prefix: string): { graph: GraphSpec; tensors: MappedTensor[] } {
  const sg = model.subgraphs[0];
  if (!sg) throw new ImportError('model has no subgraph');
  checkInitialStatesAreZero(model);
  const values = new Map<number, Value>();
  const nodes: GraphNode[] = [];
  const tensors: MappedTensor[] = [];
  const tensorOf = (i: number) => {
    const t = sg.tensors[i];
    if (!t)
      throw new ImportError(`a tensor index ${i} is missing or outside the subgraph's ${sg.tensors.length} tensors`);
    return t;
  };
  const where = (op: TfliteOperator, i?: number) =>
    `${op.op} #${op.index}${i === undefined ? '' : ` (tensor ${sg.tensors[i]?.name ?? i})`}`;
  const fail = (op: TfliteOperator, why: string, i?: number): never => {
    throw new ImportError(`${where(op, i)}: ${why}`);
  };

  const inputIndex = sg.inputs[0];
  const inputShape = tensorOf(inputIndex).shape;
  let inputChannels = inputShape[inputShape.length - 1];
  values.set(inputIndex, { kind: 'act', name: 'input', channels: inputChannels, dtype: 'f32' });

  const act = (op: TfliteOperator, i: number): Activation => {
    const v = values.get(i);
    if (v?.kind !== 'act')
      return fail(op, `expected an activation input, found ${v ? v.kind : 'an unknown tensor'}`, i);
    return v;
  };
  /** The node id of the op being mapped: constants are named after it. */
  let id = '';
  const ctx: TfliteContext = {
    fail,
    shape: (i) => tensorOf(i).shape,
    source: (i) => tensorOf(i).name,
    activation: act,
    streamed(op, i) {
      const src = values.get(i);
      return src?.kind === 'stream' ? { x: src.x, history: src.history } : { x: act(op, i), history: 0 };
    },
    output(i, dtype) {
      const t = tensorOf(i);
      const v: Activation = { kind: 'act', name: `t${i}`, channels: t.shape[t.shape.length - 1], dtype };
      if (dtype === 'i8') v.quant = activationQuant(t);
      values.set(i, v);
      return v;
    },
    constant(op, i, name, expected) {
      const t = tensorOf(i);
      if (!t?.data) return fail(op, `expected a constant ${id}.${name}`, i);
      const dtype = ({ float32: 'f32', int8: 'i8', int32: 'i32' } as const)[t.type as 'float32' | 'int8' | 'int32'];
      if (dtype !== expected) fail(op, `${id}.${name} has type ${t.type}, expected ${expected}`, i);
      const entry: MappedTensor = { name: `${prefix}/${id}.${name}`, dtype, shape: t.shape, data: t.data };
      if (dtype === 'i8') {
        const q = t.quantization;
        if (!q) return fail(op, `int8 ${id}.${name} has no quantization`, i);
        if (q.zeroPoint.some((z) => z !== 0)) fail(op, `int8 ${id}.${name} is not symmetric`, i);
        entry.scales = q.scale;
        entry.zeroPoints = q.zeroPoint;
      }
      tensors.push(entry);
      return entry.name;
    },
    int8: (x, out) => int8Spec(x, tensorOf(out)),
    int32s: (i, min) => readI32(tensorOf(i), min),
    emit: (node) => nodes.push(node),
    transposed: (out, node, dequantized) => values.set(out, { kind: 'tconv', node, dequantized }),
  };

  for (const op of sg.operators) {
    id = `n${nodes.length}`;
    if (mapStreamingIdiom(op)) continue;
    const descriptor = opForTflite(op.op);
    if (!descriptor?.tflite) fail(op, `op ${op.op} is not supported by the importer`, op.outputs[0]);
    descriptor!.tflite!.map(ctx, op);
  }

  /**
   * TFLite expresses a layer's streaming state with resource variables; these ops are that idiom
   * (and nothing else), recognised here and folded into the layers that own their state.
   * Returns false for an op that is an op of the graph, mapped by its descriptor.
   */
  function mapStreamingIdiom(op: TFLiteOperator): boolean {
    const [in0, in1] = op.inputs;
    const out0 = op.outputs[0];
    switch (op.op) {
      case 'CALL_ONCE':
        return true;
      case 'VAR_HANDLE':
        values.set(out0, { kind: 'var', variable: tensorOf(out0).name });
        return true;
      case 'READ_VARIABLE': {
        const v = values.get(in0);
        if (v?.kind !== 'var') fail(op, 'reads something that is not a variable', in0);
        values.set(out0, {
          kind: 'state',
          variable: (v as { variable: string }).variable,
          length: tensorOf(out0).shape[1],
        });
        return true;
      }
      case 'ASSIGN_VARIABLE':
        if (values.get(in1)?.kind !== 'state-update') fail(op, 'stores a state this importer does not recognise', in1);
        return true;
      case 'RESHAPE': {
        // [1, T] or [1, C] -> [1, T, 1, C] at the input, and the reverse at the output.
        const v = act(op, in0);
        const shape = tensorOf(out0).shape;
        if (shape.length === 4) {
          values.set(out0, { ...v, channels: shape[3] });
          if (v.name === 'input') inputChannels = shape[3];
        } else values.set(out0, v);
        return true;
      }
      case 'CONCATENATION': {
        const first = values.get(in0);
        if ((op.options?.i32(0) ?? 0) !== 1 || first?.kind !== 'state') return false;
        if (op.inputs.length !== 2) fail(op, 'a streaming concatenation must have two inputs', out0);
        const second = tensorOf(in1);
        if (second.data) {
          if (!isAllZero(second.data)) fail(op, 'overlap buffer is not zeros', in1);
          values.set(out0, { kind: 'tail-buffer', length: first.length });
        } else {
          values.set(out0, { kind: 'stream', history: first.length, x: act(op, in1) });
        }
        return true;
      }
      case 'STRIDED_SLICE': {
        const src = values.get(in0);
        if (src?.kind === 'stream') values.set(out0, { kind: 'state-update' });
        else if (src?.kind === 'tconv-sum') {
          const begin = readI32(tensorOf(op.inputs[1]), 2);
          if (begin[1] === 0)
            values.set(out0, { kind: 'act', name: src.node.output, channels: src.node.outChannels, dtype: 'f32' });
          else values.set(out0, { kind: 'tconv-sum', node: src.node });
        } else fail(op, 'slicing is supported only for streaming state', in0);
        return true;
      }
      case 'SUB': {
        const src = values.get(in0);
        if (src?.kind !== 'tconv-sum')
          return fail(op, "subtraction is supported only on a transposed conv's overlap tail", in0);
        src.node.tailBias = ctx.constant(op, in1, 'tail_bias', 'f32');
        values.set(out0, { kind: 'state-update' });
        return true;
      }
      case 'QUANTIZE': {
        const src = values.get(in0);
        if (src?.kind !== 'stream') return false;
        // Quantizing history + frame == keeping an int8 history and quantizing the frame.
        const quant = activationQuant(tensorOf(out0));
        const q: Activation = { kind: 'act', name: `t${out0}.frame`, channels: src.x.channels, dtype: 'i8', quant };
        nodes.push({ op: 'quantize', input: src.x.name, output: q.name, quant, source: tensorOf(out0).name });
        values.set(out0, { kind: 'stream', history: src.history, x: q });
        return true;
      }
      case 'DEQUANTIZE': {
        const src = values.get(in0);
        if (src?.kind === 'state-update') values.set(out0, src);
        else if (src?.kind === 'tconv') values.set(out0, { ...src, dequantized: true });
        else return false;
        return true;
      }
      case 'ADD': {
        const a = values.get(in0);
        const b = values.get(in1);
        // A fused activation is refused by the add op's own mapping.
        if (a?.kind !== 'tconv' || b?.kind !== 'tail-buffer' || (op.options?.i8(0) ?? 0) !== 0) return false;
        if (!a.dequantized) fail(op, 'int8 transposed conv output must be dequantized before the overlap add', in0);
        if (b.length !== a.node.kernel - a.node.stride)
          fail(
            op,
            `overlap tail of ${b.length} steps, expected kernel - stride = ${a.node.kernel - a.node.stride}`,
            in1,
          );
        a.node.source = tensorOf(out0).name;
        nodes.push(a.node);
        values.set(out0, { kind: 'tconv-sum', node: a.node });
        return true;
      }
      default:
        return false;
    }
  }

  const outputIndex = sg.outputs[0];
  const out = values.get(outputIndex);
  if (out?.kind !== 'act' || out.dtype !== 'f32')
    throw new ImportError(`graph output ${tensorOf(outputIndex)?.name} is not a float activation`);
  return {
    graph: { input: 'input', inputChannels, output: out.name, outputChannels: out.channels, nodes },
    tensors,
  };
}

function activationQuant(t: TFLiteTensor): ActivationQuant {
  const q = t.quantization;
  if (q?.scale.length !== 1) throw new ImportError(`tensor ${t.name}: expected per-tensor int8 quantization`);
  return { scale: q.scale[0], zeroPoint: q.zeroPoint[0] ?? 0 };
}

function int8Spec(x: { quant?: ActivationQuant; name: string }, out: TFLiteTensor): Int8Spec {
  if (!x.quant) throw new ImportError(`activation ${x.name} has no quantization`);
  return { input: x.quant, output: activationQuant(out) };
}

/** A constant int32 tensor of at least `minLength` values. */
function readI32(t: TFLiteTensor, minLength: number): Int32Array {
  if (!t.data) throw new ImportError(`tensor ${t.name}: expected a constant`);
  if (t.data.byteLength % 4 !== 0 || t.data.byteLength < 4 * minLength) {
    throw new ImportError(
      `tensor ${t.name}: expected at least ${minLength} int32 values, got ${t.data.byteLength} bytes`,
    );
  }
  return new Int32Array(t.data.slice().buffer);
}

function isAllZero(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0);
}

/** Streaming state starts from the constants the model's init subgraph assigns: they must be zeros. */
function checkInitialStatesAreZero(model: TFLiteModel): void {
  for (const sg of model.subgraphs.slice(1)) checkSubgraph(sg);
}

function checkSubgraph(sg: TFLiteSubgraph): void {
  for (const op of sg.operators) {
    if (op.op !== 'ASSIGN_VARIABLE') continue;
    const t = sg.tensors[op.inputs[1]];
    if (!t) throw new ImportError(`ASSIGN_VARIABLE #${op.index} assigns no tensor`);
    if (t.data && !isAllZero(t.data)) throw new ImportError(`initial state ${t.name} is not zero: not supported`);
  }
}

// Maps a streaming SoundStream TFLite graph (Lyra v2's encoder or decoder) onto our layer graph.
//
// TFLite expresses streaming with resource variables: a causal conv reads its history from a
// variable, concatenates the new frame along time, stores the tail back, and convolves the
// concatenation without padding; a transposed conv adds the stored overlap tail to its output
// and stores the new tail minus the bias. Those idioms become layers that own their state
// (history / tail); every other op maps one to one. Anything else stops with an ImportError
// naming the op and tensor, so a changed model never imports silently wrong.
import type { GraphNode, GraphSpec, Int8Spec, ActivationQuant, TransposedConv1dNode } from '../model/manifest.js';
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

type Value =
  | { kind: 'act'; name: string; channels: number; dtype: 'f32' | 'i8'; quant?: ActivationQuant }
  | { kind: 'var'; variable: string }
  | { kind: 'state'; variable: string; length: number }
  | { kind: 'stream'; history: number; x: Value & { kind: 'act' } }
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
    if (!t) throw new ImportError(`a tensor index ${i} is missing or outside the subgraph's ${sg.tensors.length} tensors`);
    return t;
  };
  const where = (op: TFLiteOperator, i?: number) => `${op.op} #${op.index}${i === undefined ? '' : ` (tensor ${sg.tensors[i]?.name ?? i})`}`;

  const inputIndex = sg.inputs[0];
  const inputShape = tensorOf(inputIndex).shape;
  let inputChannels = inputShape[inputShape.length - 1];
  values.set(inputIndex, { kind: 'act', name: 'input', channels: inputChannels, dtype: 'f32' });

  const act = (op: TFLiteOperator, i: number): Value & { kind: 'act' } => {
    const v = values.get(i);
    if (!v || v.kind !== 'act') throw new ImportError(`${where(op, i)}: expected an activation input, found ${v ? v.kind : 'an unknown tensor'}`);
    return v;
  };
  const newAct = (i: number, dtype: 'f32' | 'i8'): Value & { kind: 'act' } => {
    const t = tensorOf(i);
    const v: Value & { kind: 'act' } = { kind: 'act', name: `t${i}`, channels: t.shape[t.shape.length - 1], dtype };
    if (dtype === 'i8') v.quant = activationQuant(t);
    values.set(i, v);
    return v;
  };
  const constant = (op: TFLiteOperator, i: number, name: string, expected: 'f32' | 'i8' | 'i32'): string => {
    const t = tensorOf(i);
    if (!t?.data) throw new ImportError(`${where(op, i)}: expected a constant ${name}`);
    const dtype = ({ float32: 'f32', int8: 'i8', int32: 'i32' } as const)[t.type as 'float32' | 'int8' | 'int32'];
    if (dtype !== expected) throw new ImportError(`${where(op, i)}: ${name} has type ${t.type}, expected ${expected}`);
    const entry: MappedTensor = { name: `${prefix}/${name}`, dtype, shape: t.shape, data: t.data };
    if (dtype === 'i8') {
      const q = t.quantization;
      if (!q) throw new ImportError(`${where(op, i)}: int8 ${name} has no quantization`);
      if (q.zeroPoint.some((z) => z !== 0)) throw new ImportError(`${where(op, i)}: int8 ${name} is not symmetric`);
      entry.scales = q.scale;
      entry.zeroPoints = q.zeroPoint;
    }
    tensors.push(entry);
    return entry.name;
  };

  for (const op of sg.operators) {
    const [in0, in1] = op.inputs;
    const out0 = op.outputs[0];
    const id = `n${nodes.length}`;
    switch (op.op) {
      case 'CALL_ONCE':
        break;
      case 'VAR_HANDLE':
        values.set(out0, { kind: 'var', variable: tensorOf(out0).name });
        break;
      case 'READ_VARIABLE': {
        const v = values.get(in0);
        if (v?.kind !== 'var') throw new ImportError(`${where(op, in0)}: reads something that is not a variable`);
        values.set(out0, { kind: 'state', variable: v.variable, length: tensorOf(out0).shape[1] });
        break;
      }
      case 'ASSIGN_VARIABLE':
        if (values.get(in1)?.kind !== 'state-update') throw new ImportError(`${where(op, in1)}: stores a state this importer does not recognise`);
        break;
      case 'RESHAPE': {
        // [1, T] or [1, C] -> [1, T, 1, C] at the input, and the reverse at the output.
        const v = act(op, in0);
        const shape = tensorOf(out0).shape;
        if (shape.length === 4) {
          values.set(out0, { ...v, channels: shape[3] });
          if (v.name === 'input') inputChannels = shape[3];
        } else values.set(out0, v);
        break;
      }
      case 'CONCATENATION': {
        const axis = op.options?.i32(0) ?? 0;
        const first = values.get(in0);
        if (axis === 1 && first?.kind === 'state') {
          if (op.inputs.length !== 2) throw new ImportError(`${where(op, out0)}: a streaming concatenation must have two inputs`);
          const second = tensorOf(in1);
          if (second.data) {
            if (!isAllZero(second.data)) throw new ImportError(`${where(op, in1)}: overlap buffer is not zeros`);
            values.set(out0, { kind: 'tail-buffer', length: first.length });
          } else {
            values.set(out0, { kind: 'stream', history: first.length, x: act(op, in1) });
          }
        } else if (axis === 3 || axis === -1) {
          const inputs = op.inputs.map((i) => act(op, i));
          const dtype = inputs[0].dtype;
          const o = newAct(out0, dtype);
          nodes.push({ op: 'concat_channels', inputs: inputs.map((v) => v.name), output: o.name, dtype, source: tensorOf(out0).name });
        } else throw new ImportError(`${where(op, out0)}: concatenation on axis ${axis} is not supported`);
        break;
      }
      case 'STRIDED_SLICE': {
        const src = values.get(in0);
        if (src?.kind === 'stream') values.set(out0, { kind: 'state-update' });
        else if (src?.kind === 'tconv-sum') {
          const begin = readI32(tensorOf(op.inputs[1]), 2);
          if (begin[1] === 0) values.set(out0, { kind: 'act', name: src.node.output, channels: src.node.outChannels, dtype: 'f32' });
          else values.set(out0, { kind: 'tconv-sum', node: src.node });
        } else throw new ImportError(`${where(op, in0)}: slicing is supported only for streaming state`);
        break;
      }
      case 'SUB': {
        const src = values.get(in0);
        if (src?.kind !== 'tconv-sum') throw new ImportError(`${where(op, in0)}: subtraction is supported only on a transposed conv's overlap tail`);
        src.node.tailBias = constant(op, in1, `${id}.tail_bias`, 'f32');
        values.set(out0, { kind: 'state-update' });
        break;
      }
      case 'QUANTIZE': {
        const src = values.get(in0);
        const quant = activationQuant(tensorOf(out0));
        if (src?.kind === 'stream') {
          // Quantizing history + frame == keeping an int8 history and quantizing the frame.
          const q: Value & { kind: 'act' } = { kind: 'act', name: `t${out0}.frame`, channels: src.x.channels, dtype: 'i8', quant };
          nodes.push({ op: 'quantize', input: src.x.name, output: q.name, quant, source: tensorOf(out0).name });
          values.set(out0, { kind: 'stream', history: src.history, x: q });
        } else {
          const x = act(op, in0);
          const o = newAct(out0, 'i8');
          nodes.push({ op: 'quantize', input: x.name, output: o.name, quant, source: tensorOf(out0).name });
        }
        break;
      }
      case 'DEQUANTIZE': {
        const src = values.get(in0);
        if (src?.kind === 'state-update') values.set(out0, src);
        else if (src?.kind === 'tconv') values.set(out0, { ...src, dequantized: true });
        else {
          const x = act(op, in0);
          const o = newAct(out0, 'f32');
          nodes.push({ op: 'dequantize', input: x.name, output: o.name, quant: x.quant!, source: tensorOf(out0).name });
        }
        break;
      }
      case 'CONV_2D':
      case 'DEPTHWISE_CONV_2D': {
        const src = values.get(in0);
        const history = src?.kind === 'stream' ? src.history : 0;
        const x = src?.kind === 'stream' ? src.x : act(op, in0);
        const opts = op.options;
        if (!opts) throw new ImportError(`${where(op, out0)}: missing options`);
        const depthwise = op.op === 'DEPTHWISE_CONV_2D';
        if (opts.i8(0) !== 1) throw new ImportError(`${where(op, out0)}: only VALID padding is supported`);
        const fused = opts.i8(depthwise ? 4 : 3);
        if (fused !== 0) throw new ImportError(`${where(op, out0)}: fused activation ${fused} is not supported`);
        const stride = opts.i32(2, 1);
        const dilation = opts.i32(depthwise ? 6 : 5, 1);
        const w = tensorOf(op.inputs[1]);
        const int8 = x.dtype === 'i8';
        const weight = constant(op, op.inputs[1], `${id}.weight`, int8 ? 'i8' : 'f32');
        const bias = op.inputs[2] >= 0 ? constant(op, op.inputs[2], `${id}.bias`, int8 ? 'i32' : 'f32') : null;
        const o = newAct(out0, int8 ? 'i8' : 'f32');
        const spec = int8 ? int8Spec(x, tensorOf(out0)) : undefined;
        if (depthwise) {
          if (w.shape[3] !== x.channels) throw new ImportError(`${where(op, out0)}: depth multiplier other than 1 is not supported`);
          if (spec) spec.rounding = 'double';
          nodes.push({ op: 'depthwise_conv1d', input: x.name, output: o.name, weight, bias, channels: x.channels, kernel: w.shape[1], dilation, history, ...(spec ? { int8: spec } : {}), source: tensorOf(out0).name });
        } else {
          const groups = x.channels / w.shape[3];
          if (!Number.isInteger(groups)) throw new ImportError(`${where(op, out0)}: ${x.channels} input channels do not split into groups of ${w.shape[3]}`);
          // TFLite runs ungrouped convolutions through its GEMM (one integer rounding) and grouped
          // ones through the reference kernel (plain order, two roundings).
          if (spec) spec.rounding = groups === 1 ? 'single' : 'double';
          nodes.push({
            op: 'conv1d', input: x.name, output: o.name, weight, bias, inChannels: x.channels, outChannels: w.shape[0],
            kernel: w.shape[1], stride, dilation, groups, history, accumulate: groups === 1 ? gemmOrder(op, tensorOf(out0)) : 'sequential',
            ...(spec ? { int8: spec } : {}), source: tensorOf(out0).name,
          });
        }
        break;
      }
      case 'TRANSPOSE_CONV': {
        const x = act(op, op.inputs[2]);
        const opts = op.options;
        if (!opts || opts.i8(0) !== 1) throw new ImportError(`${where(op, out0)}: only VALID padding is supported`);
        const w = tensorOf(op.inputs[1]);
        const int8 = x.dtype === 'i8';
        const weight = constant(op, op.inputs[1], `${id}.weight`, int8 ? 'i8' : 'f32');
        const bias = op.inputs[3] !== undefined && op.inputs[3] >= 0 ? constant(op, op.inputs[3], `${id}.bias`, int8 ? 'i32' : 'f32') : null;
        if (w.shape[3] !== x.channels) throw new ImportError(`${where(op, out0)}: grouped transposed convolution must be split into ops`);
        const node: TransposedConv1dNode = {
          op: 'transposed_conv1d', input: x.name, output: `t${out0}`, weight, bias, inChannels: x.channels, outChannels: w.shape[0],
          kernel: w.shape[1], stride: opts.i32(2, 1), tailBias: null, source: tensorOf(out0).name,
          ...(int8 ? { int8: { ...int8Spec(x, tensorOf(out0)), rounding: 'double' as const } } : {}),
        };
        values.set(out0, { kind: 'tconv', node, dequantized: !int8 });
        break;
      }
      case 'ADD': {
        if ((op.options?.i8(0) ?? 0) !== 0) throw new ImportError(`${where(op, out0)}: fused activation on ADD is not supported`);
        const a = values.get(in0);
        const b = values.get(in1);
        if (a?.kind === 'tconv' && b?.kind === 'tail-buffer') {
          if (!a.dequantized) throw new ImportError(`${where(op, in0)}: int8 transposed conv output must be dequantized before the overlap add`);
          if (b.length !== a.node.kernel - a.node.stride) throw new ImportError(`${where(op, in1)}: overlap tail of ${b.length} steps, expected kernel - stride = ${a.node.kernel - a.node.stride}`);
          a.node.source = tensorOf(out0).name;
          nodes.push(a.node);
          values.set(out0, { kind: 'tconv-sum', node: a.node });
          break;
        }
        const x = act(op, in0);
        const y = act(op, in1);
        const o = newAct(out0, x.dtype);
        nodes.push({
          op: 'add', inputs: [x.name, y.name], output: o.name, source: tensorOf(out0).name,
          ...(x.dtype === 'i8' ? { int8: { a: x.quant!, b: y.quant!, output: o.quant! } } : {}),
        });
        break;
      }
      case 'LEAKY_RELU': {
        const x = act(op, in0);
        const o = newAct(out0, x.dtype);
        const alpha = op.options?.f32(0) ?? 0;
        nodes.push({ op: 'leaky_relu', input: x.name, output: o.name, alpha, ...(x.dtype === 'i8' ? { int8: int8Spec(x, tensorOf(out0)) } : {}), source: tensorOf(out0).name });
        break;
      }
      case 'SPLIT': {
        const axis = readI32(tensorOf(in0), 1)[0];
        if (axis !== 3 && axis !== -1) throw new ImportError(`${where(op, in0)}: split on axis ${axis} is not supported`);
        const x = act(op, in1);
        const outs = op.outputs.map((i) => newAct(i, x.dtype));
        nodes.push({ op: 'split_channels', input: x.name, outputs: outs.map((v) => v.name), dtype: x.dtype, source: tensorOf(out0).name });
        break;
      }
      default:
        throw new ImportError(`${where(op, out0)}: op ${op.op} is not supported by the importer`);
    }
  }

  const outputIndex = sg.outputs[0];
  const out = values.get(outputIndex);
  if (out?.kind !== 'act' || out.dtype !== 'f32') throw new ImportError(`graph output ${tensorOf(outputIndex)?.name} is not a float activation`);
  return {
    graph: { input: 'input', inputChannels, output: out.name, outputChannels: out.channels, nodes },
    tensors,
  };
}

function activationQuant(t: TFLiteTensor): ActivationQuant {
  const q = t.quantization;
  if (!q || q.scale.length !== 1) throw new ImportError(`tensor ${t.name}: expected per-tensor int8 quantization`);
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
    throw new ImportError(`tensor ${t.name}: expected at least ${minLength} int32 values, got ${t.data.byteLength} bytes`);
  }
  return new Int32Array(t.data.slice().buffer);
}

function isAllZero(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0);
}

/** Streaming state starts from the constants the model's init subgraph assigns: they must be zeros. */
/**
 * The float GEMM's order of summation for `steps` output steps per invocation, as measured
 * against the reference runtime: whole blocks of 4 steps sum even and odd terms in two
 * accumulators; fewer than 4 steps sum in plain order (Lyra's 2-step 256->256 pointwise convs).
 * Blocks of 4 plus a remainder never occur in Lyra v2 and were never measured: null.
 */
export function floatGemmOrder(steps: number): 'split2' | 'sequential' | null {
  if (steps % 4 === 0) return 'split2';
  return steps < 4 ? 'sequential' : null;
}

function gemmOrder(op: TFLiteOperator, output: TFLiteTensor): 'split2' | 'sequential' {
  const steps = output.shape.slice(1, -1).reduce((a, d) => a * d, 1); // [1, T, 1, C]
  const order = floatGemmOrder(steps);
  if (order === null) throw new ImportError(`${op.op} #${op.index} (tensor ${output.name}): ${steps} output steps per invocation; the float summation order for a remainder after blocks of 4 was never measured`);
  return order;
}

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

// Reads a TFLite model (FlatBuffer, file identifier "TFL3") into plain objects.
// Written from the public schema (tensorflow/lite/schema/schema.fbs); field numbers
// below are the schema's field order.
import { TFLiteFormatError } from './errors.js';
import { FlatBuffer, type FlatTable } from './flatbuffer.js';

export { TFLiteFormatError };

const OP_NAMES: Record<number, string> = {
  0: 'ADD',
  2: 'CONCATENATION',
  3: 'CONV_2D',
  4: 'DEPTHWISE_CONV_2D',
  6: 'DEQUANTIZE',
  9: 'FULLY_CONNECTED',
  14: 'LOGISTIC',
  18: 'MUL',
  19: 'RELU',
  22: 'RESHAPE',
  28: 'TANH',
  34: 'PAD',
  36: 'GATHER',
  39: 'TRANSPOSE',
  41: 'SUB',
  43: 'SQUEEZE',
  45: 'STRIDED_SLICE',
  47: 'EXP',
  49: 'SPLIT',
  53: 'CAST',
  56: 'ARG_MAX',
  57: 'MINIMUM',
  55: 'MAXIMUM',
  65: 'SLICE',
  67: 'TRANSPOSE_CONV',
  70: 'EXPAND_DIMS',
  74: 'SUM',
  77: 'SHAPE',
  79: 'ARG_MIN',
  83: 'PACK',
  88: 'UNPACK',
  92: 'SQUARE',
  94: 'FILL',
  98: 'LEAKY_RELU',
  99: 'SQUARED_DIFFERENCE',
  102: 'SPLIT_V',
  111: 'ELU',
  114: 'QUANTIZE',
  118: 'IF',
  119: 'WHILE',
  123: 'SELECT_V2',
  126: 'BATCH_MATMUL',
  129: 'CALL_ONCE',
  130: 'BROADCAST_TO',
  142: 'VAR_HANDLE',
  143: 'READ_VARIABLE',
  144: 'ASSIGN_VARIABLE',
  151: 'DYNAMIC_UPDATE_SLICE',
};

export const TENSOR_TYPES = [
  'float32',
  'float16',
  'int32',
  'uint8',
  'int64',
  'string',
  'bool',
  'int16',
  'complex64',
  'int8',
  'float64',
  'complex128',
  'uint64',
  'resource',
  'variant',
  'uint32',
  'uint16',
  'int4',
] as const;
export type TensorType = (typeof TENSOR_TYPES)[number];

export interface TFLiteQuantization {
  scale: number[];
  zeroPoint: number[];
  quantizedDimension: number;
}

export interface TFLiteTensor {
  index: number;
  name: string;
  type: TensorType;
  shape: number[];
  /** Constant contents, or null for activations and variables. */
  data: Uint8Array | null;
  quantization: TFLiteQuantization | null;
  isVariable: boolean;
}

export interface TFLiteOperator {
  index: number;
  op: string;
  inputs: number[];
  outputs: number[];
  /** The op's builtin options table, read lazily by the mapper that knows its layout. */
  options: FlatTable | null;
}

export interface TFLiteSubgraph {
  name: string;
  tensors: TFLiteTensor[];
  inputs: number[];
  outputs: number[];
  operators: TFLiteOperator[];
}

export interface TFLiteSignature {
  key: string;
  subgraphIndex: number;
  inputs: Record<string, number>;
  outputs: Record<string, number>;
}

export interface TFLiteModel {
  version: number;
  description: string;
  subgraphs: TFLiteSubgraph[];
  signatures: TFLiteSignature[];
}

export function readTFLite(bytes: Uint8Array): TFLiteModel {
  if (bytes.byteLength < 8) throw new TFLiteFormatError(`not a TFLite model: only ${bytes.byteLength} bytes`);
  const fb = new FlatBuffer(bytes);
  const ident = fb.identifier();
  if (ident !== 'TFL3')
    throw new TFLiteFormatError(`not a TFLite model: file identifier is ${JSON.stringify(ident)}, expected "TFL3"`);
  const model = fb.root();

  const opNames = model.tableVector(1).map((code) => {
    const builtin = Math.max(code.i8(0), code.i32(3));
    if (builtin === 32) return `CUSTOM:${code.string(1) ?? ''}`;
    return OP_NAMES[builtin] ?? `BUILTIN_${builtin}`;
  });

  const buffers = model.tableVector(4).map((buf) => {
    const data = buf.bytes(0);
    if (data && data.byteLength > 0) return data;
    const offset = buf.u64(1);
    const size = buf.u64(2);
    if (offset > 1 && size > 0) {
      fb.check(offset, size);
      return bytes.subarray(offset, offset + size);
    }
    return null;
  });

  const subgraphs = model.tableVector(2).map((sg): TFLiteSubgraph => {
    const tensors = sg.tableVector(0).map((t, index): TFLiteTensor => {
      const typeCode = t.i8(1);
      const type = TENSOR_TYPES[typeCode];
      if (!type) throw new TFLiteFormatError(`tensor ${index} has unknown type code ${typeCode}`);
      const bufferIndex = t.u32(2);
      if (bufferIndex >= buffers.length && bufferIndex !== 0) {
        throw new TFLiteFormatError(
          `tensor ${index} refers to buffer ${bufferIndex} but the model has ${buffers.length}`,
        );
      }
      const q = t.table(4);
      const scale = q ? q.f32Vector(2) : [];
      return {
        index,
        name: t.string(3) ?? `tensor_${index}`,
        type,
        shape: t.i32Vector(0),
        data: buffers[bufferIndex] ?? null,
        quantization: q && scale.length > 0 ? { scale, zeroPoint: q.i64Vector(3), quantizedDimension: q.i32(6) } : null,
        isVariable: t.bool(5),
      };
    });
    const operators = sg.tableVector(3).map((op, index): TFLiteOperator => {
      const code = op.u32(0);
      const name = opNames[code];
      if (name === undefined)
        throw new TFLiteFormatError(
          `operator ${index} uses opcode index ${code}, but the model lists ${opNames.length}`,
        );
      const inputs = op.i32Vector(1);
      const outputs = op.i32Vector(2);
      for (const t of [...inputs, ...outputs]) {
        if (t < -1 || t >= tensors.length)
          throw new TFLiteFormatError(
            `operator ${index} (${name}) refers to tensor ${t} but the subgraph has ${tensors.length}`,
          );
      }
      return { index, op: name, inputs, outputs, options: op.table(4) };
    });
    const inputs = sg.i32Vector(1);
    const outputs = sg.i32Vector(2);
    for (const t of [...inputs, ...outputs]) {
      if (t < 0 || t >= tensors.length)
        throw new TFLiteFormatError(
          `a subgraph input or output refers to tensor ${t} but the subgraph has ${tensors.length}`,
        );
    }
    return { name: sg.string(4) ?? '', tensors, inputs, outputs, operators };
  });

  const tensorMap = (maps: FlatTable[]) => Object.fromEntries(maps.map((m) => [m.string(0) ?? '', m.u32(1)]));
  const signatures = model.tableVector(7).map(
    (s): TFLiteSignature => ({
      key: s.string(2) ?? '',
      subgraphIndex: s.u32(4),
      inputs: tensorMap(s.tableVector(0)),
      outputs: tensorMap(s.tableVector(1)),
    }),
  );

  return { version: model.u32(0), description: model.string(3) ?? '', subgraphs, signatures };
}

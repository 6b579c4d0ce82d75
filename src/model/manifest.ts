// The weight format: weights/<model>/manifest.json + one little-endian .bin blob.
// The manifest carries the whole layer graph as data, so models we train ourselves load
// through the same code as the imported Lyra v2 model.

export const MANIFEST_FORMAT = 'soundstream-ts/weights';
export const MANIFEST_VERSION = 1;

export type DType = 'f32' | 'i8' | 'i32';

export interface TensorEntry {
  name: string;
  dtype: DType;
  shape: number[];
  /** Byte offset into the blob; a multiple of 4 so typed-array views need no copy. */
  offset: number;
  byteLength: number;
  /** int8 weights: one scale per output channel (or a single one) and their zero points. */
  scales?: number[];
  zeroPoints?: number[];
}

/** Affine quantization of an int8 activation: real = scale * (q - zeroPoint). */
export interface ActivationQuant {
  scale: number;
  zeroPoint: number;
}

/** Present on a node that computes in int8: its input and output activation quantization. */
export interface Int8Spec {
  input: ActivationQuant;
  output: ActivationQuant;
  /** 'double': TFLite's reference kernels (high multiply, then rounding shift); 'single': its GEMM path. */
  rounding?: 'double' | 'single';
}

interface NodeBase {
  /** Name of the tensor in the source model this node's output reproduces (for parity probes). */
  source?: string;
}

export interface Conv1dNode extends NodeBase {
  op: 'conv1d';
  input: string;
  output: string;
  weight: string;
  bias: string | null;
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  dilation: number;
  groups: number;
  /** Past input steps the layer keeps between calls (causal streaming history). */
  history: number;
  /** Float order of summation: 'split2' (even/odd accumulators) or 'sequential'. */
  accumulate: 'split2' | 'sequential';
  int8?: Int8Spec;
}

export interface DepthwiseConv1dNode extends NodeBase {
  op: 'depthwise_conv1d';
  input: string;
  output: string;
  weight: string;
  bias: string | null;
  channels: number;
  kernel: number;
  dilation: number;
  history: number;
  int8?: Int8Spec;
}

export interface TransposedConv1dNode extends NodeBase {
  op: 'transposed_conv1d';
  input: string;
  output: string;
  weight: string;
  bias: string | null;
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  /** The overlap tail carried to the next call has this bias subtracted (the bias is added again there). */
  tailBias: string | null;
  int8?: Int8Spec;
}

export interface LeakyReluNode extends NodeBase {
  op: 'leaky_relu';
  input: string;
  output: string;
  alpha: number;
  int8?: Int8Spec;
}

export interface EluNode extends NodeBase {
  op: 'elu';
  input: string;
  output: string;
  alpha: number;
}

export interface AddNode extends NodeBase {
  op: 'add';
  inputs: [string, string];
  output: string;
  /** int8 add: each input's quantization, then the output's. */
  int8?: { a: ActivationQuant; b: ActivationQuant; output: ActivationQuant };
}

export interface QuantizeNode extends NodeBase {
  op: 'quantize';
  input: string;
  output: string;
  quant: ActivationQuant;
}

export interface DequantizeNode extends NodeBase {
  op: 'dequantize';
  input: string;
  output: string;
  quant: ActivationQuant;
}

export interface SplitChannelsNode extends NodeBase {
  op: 'split_channels';
  input: string;
  outputs: string[];
  dtype: 'f32' | 'i8';
}

export interface ConcatChannelsNode extends NodeBase {
  op: 'concat_channels';
  inputs: string[];
  output: string;
  dtype: 'f32' | 'i8';
}

/** gamma, beta = linear(condition); y = gamma * x + beta. The condition is a per-frame input of the graph. */
export interface FilmNode extends NodeBase {
  op: 'film';
  input: string;
  condition: string;
  output: string;
  channels: number;
  conditionDim: number;
  weight: string;
  bias: string;
}

export type GraphNode =
  | Conv1dNode | DepthwiseConv1dNode | TransposedConv1dNode | LeakyReluNode | EluNode | AddNode
  | QuantizeNode | DequantizeNode | SplitChannelsNode | ConcatChannelsNode | FilmNode;

export interface GraphSpec {
  input: string;
  inputChannels: number;
  output: string;
  outputChannels: number;
  /** Extra per-frame inputs (e.g. a FiLM condition), by name and width. */
  conditions?: Record<string, number>;
  nodes: GraphNode[];
}

export interface QuantizerSpec {
  numQuantizers: number;
  codebookSize: number;
  dim: number;
  /** f32 [numQuantizers, codebookSize, dim] */
  codebooks: string;
  bitsPerIndex: number;
  /** bitrate (bits/s) -> quantizers used */
  bitrates: Record<string, number>;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  version: number;
  model: string;
  sampleRate: number;
  frameSize: number;
  embeddingDim: number;
  blob: { file: string; byteLength: number; sha256: string };
  provenance: Record<string, unknown>;
  tensors: TensorEntry[];
  encoder?: GraphSpec;
  quantizer?: QuantizerSpec;
  decoder?: GraphSpec;
  /** A graph applied to embeddings (e.g. a denoiser placed between encoder and quantizer). */
  bottleneck?: GraphSpec;
  /** For a bottleneck model: the codec whose embeddings it was trained on (sha256 of Lyra's encoder file). */
  expects?: { model: string; encoderSha256: string };
}

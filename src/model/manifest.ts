// The weight format: weights/<model>/manifest.json + one little-endian .bin blob.
// The manifest carries the whole layer graph as data, so models we train ourselves load
// through the same code as the imported Lyra v2 model.

import type { Conv1dNode } from './ops/conv1d.js';
import type { DepthwiseConv1dNode } from './ops/depthwise-conv1d.js';
import type { TransposedConv1dNode } from './ops/transposed-conv1d.js';
import type { LeakyReluNode } from './ops/leaky-relu.js';
import type { EluNode } from './ops/elu.js';
import type { AddNode } from './ops/add.js';
import type { QuantizeNode } from './ops/quantize.js';
import type { DequantizeNode } from './ops/dequantize.js';
import type { SplitChannelsNode } from './ops/split-channels.js';
import type { ConcatChannelsNode } from './ops/concat-channels.js';
import type { FilmNode } from './ops/film.js';
import type { GraphNode } from './ops/index.js';

export type {
  Conv1dNode,
  DepthwiseConv1dNode,
  TransposedConv1dNode,
  LeakyReluNode,
  EluNode,
  AddNode,
  QuantizeNode,
  DequantizeNode,
  SplitChannelsNode,
  ConcatChannelsNode,
  FilmNode,
};

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

export type { GraphNode };

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

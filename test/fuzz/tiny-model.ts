// A model small enough to load, build and run thousands of times a second, using every graph op
// in float and int8, plus a quantizer and a FiLM bottleneck: the seed the manifest fuzzer mutates.
import type { MappedTensor } from '../../src/import/map-graph.js';
import { packWeights } from '../../src/import/write-weights.js';
import type { GraphNode, Manifest } from '../../src/model/manifest.js';
import { mulberry32 } from '../../src/util/prng.js';

export async function tinyModel(): Promise<{ manifest: Manifest; blob: Uint8Array }> {
  const random = mulberry32(12);
  const tensors: MappedTensor[] = [];
  const bytes = (a: Float32Array | Int8Array | Int32Array) => new Uint8Array(a.buffer.slice(0));
  const f32 = (name: string, shape: number[]) => {
    const n = shape.reduce((a, d) => a * d, 1);
    tensors.push({ name, dtype: 'f32', shape, data: bytes(Float32Array.from({ length: n }, () => random() - 0.5)) });
    return name;
  };
  const i8 = (name: string, shape: number[], scales: number) => {
    const n = shape.reduce((a, d) => a * d, 1);
    const s = Array.from({ length: scales }, () => 0.01 + 0.01 * random());
    tensors.push({
      name,
      dtype: 'i8',
      shape,
      data: bytes(Int8Array.from({ length: n }, () => Math.floor(random() * 255) - 127)),
      scales: s,
      zeroPoints: s.map(() => 0),
    });
    return name;
  };
  const i32 = (name: string, n: number) => {
    tensors.push({
      name,
      dtype: 'i32',
      shape: [n],
      data: bytes(Int32Array.from({ length: n }, () => Math.floor(random() * 200) - 100)),
    });
    return name;
  };
  const q = (scale: number, zeroPoint: number) => ({ scale, zeroPoint });

  const encoder: GraphNode[] = [
    {
      op: 'conv1d',
      input: 'x',
      output: 'a',
      weight: f32('e.w0', [4, 4, 1]),
      bias: f32('e.b0', [4]),
      inChannels: 1,
      outChannels: 4,
      kernel: 4,
      stride: 2,
      dilation: 1,
      groups: 1,
      history: 2,
      accumulate: 'split2',
    },
    { op: 'leaky_relu', input: 'a', output: 'b', alpha: 0.3 },
    {
      op: 'depthwise_conv1d',
      input: 'b',
      output: 'c',
      weight: f32('e.w2', [3, 4]),
      bias: null,
      channels: 4,
      kernel: 3,
      dilation: 1,
      history: 2,
    },
    { op: 'quantize', input: 'c', output: 'cq', quant: q(0.05, 0) },
    {
      op: 'conv1d',
      input: 'cq',
      output: 'd',
      weight: i8('e.w4', [4, 1, 2], 4),
      bias: i32('e.b4', 4),
      inChannels: 4,
      outChannels: 4,
      kernel: 1,
      stride: 1,
      dilation: 1,
      groups: 2,
      history: 0,
      accumulate: 'split2',
      int8: { input: q(0.05, 0), output: q(0.05, 3), rounding: 'single' },
    },
    { op: 'leaky_relu', input: 'd', output: 'e', alpha: 0.2, int8: { input: q(0.05, 3), output: q(0.04, -2) } },
    { op: 'add', inputs: ['e', 'd'], output: 'f', int8: { a: q(0.04, -2), b: q(0.05, 3), output: q(0.06, 1) } },
    {
      op: 'depthwise_conv1d',
      input: 'f',
      output: 'g',
      weight: i8('e.w7', [2, 4], 4),
      bias: i32('e.b7', 4),
      channels: 4,
      kernel: 2,
      dilation: 2,
      history: 2,
      int8: { input: q(0.06, 1), output: q(0.05, 0), rounding: 'double' },
    },
    { op: 'dequantize', input: 'g', output: 'h', quant: q(0.05, 0) },
    { op: 'split_channels', input: 'h', outputs: ['h1', 'h2'], dtype: 'f32' },
    { op: 'elu', input: 'h1', output: 'h1e', alpha: 1 },
    { op: 'concat_channels', inputs: ['h1e', 'h2'], output: 'i', dtype: 'f32' },
    {
      op: 'conv1d',
      input: 'i',
      output: 'emb',
      weight: f32('e.w12', [4, 4, 4]),
      bias: f32('e.b12', [4]),
      inChannels: 4,
      outChannels: 4,
      kernel: 4,
      stride: 4,
      dilation: 1,
      groups: 1,
      history: 0,
      accumulate: 'sequential',
    },
  ];
  const decoder: GraphNode[] = [
    { op: 'quantize', input: 'z', output: 'zq', quant: q(0.05, 0) },
    {
      op: 'transposed_conv1d',
      input: 'zq',
      output: 'p',
      weight: i8('d.w1', [4, 4, 4], 1),
      bias: i32('d.b1', 4),
      inChannels: 4,
      outChannels: 4,
      kernel: 4,
      stride: 2,
      tailBias: f32('d.t1', [4]),
      int8: { input: q(0.05, 0), output: q(0.1, 2) },
    },
    {
      op: 'transposed_conv1d',
      input: 'p',
      output: 'r',
      weight: f32('d.w2', [4, 4, 4]),
      bias: f32('d.b2', [4]),
      inChannels: 4,
      outChannels: 4,
      kernel: 4,
      stride: 4,
      tailBias: null,
    },
    {
      op: 'conv1d',
      input: 'r',
      output: 'out',
      weight: f32('d.w3', [1, 3, 4]),
      bias: f32('d.b3', [1]),
      inChannels: 4,
      outChannels: 1,
      kernel: 3,
      stride: 1,
      dilation: 1,
      groups: 1,
      history: 2,
      accumulate: 'split2',
    },
  ];
  const bottleneck: GraphNode[] = [
    {
      op: 'conv1d',
      input: 'y',
      output: 'u',
      weight: f32('b.w0', [4, 1, 4]),
      bias: f32('b.b0', [4]),
      inChannels: 4,
      outChannels: 4,
      kernel: 1,
      stride: 1,
      dilation: 1,
      groups: 1,
      history: 0,
      accumulate: 'sequential',
    },
    {
      op: 'film',
      input: 'u',
      condition: 'denoise',
      output: 'v',
      channels: 4,
      conditionDim: 1,
      weight: f32('b.fw', [1, 8]),
      bias: f32('b.fb', [8]),
    },
    { op: 'add', inputs: ['v', 'y'], output: 'w' },
  ];
  f32('codebooks', [3, 16, 4]);
  return packWeights(tensors, {
    model: 'tiny',
    sampleRate: 1000,
    frameSize: 8,
    embeddingDim: 4,
    provenance: { sha256: {} },
    encoder: { input: 'x', inputChannels: 1, output: 'emb', outputChannels: 4, nodes: encoder },
    quantizer: {
      numQuantizers: 3,
      codebookSize: 16,
      dim: 4,
      codebooks: 'codebooks',
      bitsPerIndex: 4,
      bitrates: { 400: 2, 800: 3 },
    },
    decoder: { input: 'z', inputChannels: 4, output: 'out', outputChannels: 1, nodes: decoder },
    bottleneck: {
      input: 'y',
      inputChannels: 4,
      output: 'w',
      outputChannels: 4,
      conditions: { denoise: 1 },
      nodes: bottleneck,
    },
  });
}

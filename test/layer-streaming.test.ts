// Streaming, layer by layer: for every op of the graph, in float and in int8 and at both float
// precisions, feeding 12 frames in random chunks (1 to 4 frames a call, after reset()) gives the
// same bits as feeding them in one call. A layer that mishandles its history or overlap tail
// between calls, or that reset() does not clear, fails here on its own, named, rather than as a
// small drift somewhere in a whole codec.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Graph } from '../src/model/graph.js';
import type { MappedTensor } from '../src/import/map-graph.js';
import { packWeights } from '../src/import/write-weights.js';
import { loadModelFromBytes } from '../src/model/load.js';
import type { ActivationQuant, GraphNode, GraphSpec } from '../src/model/manifest.js';
import { tinyModel } from './fuzz/tiny-model.js';
import { mulberry32 } from '../src/util/prng.js';

const FRAMES = 12;
const RUNS = 25;
const PRECISIONS = ['exact', 'fast'] as const;
/** The quantization of int8 copies (split/concat move codes, so any scale will do). */
const COPY_QUANT: ActivationQuant = { scale: 0.05, zeroPoint: -3 };

const { manifest, blob } = await tinyModel();
const random = mulberry32(5);

/**
 * Shapes the tiny model lacks, whose streaming state is harder to get right: an int8 conv1d
 * with history, a grouped and dilated float conv1d, a dilated depthwise conv, and transposed
 * convolutions whose kernel overlaps the next call (float, one output channel, int8).
 */
const extraTensors: MappedTensor[] = [];
const tensor = (name: string, dtype: 'f32' | 'i8' | 'i32', shape: number[], scales = 0) => {
  const n = shape.reduce((a, d) => a * d, 1);
  const values = Array.from({ length: n }, () => random());
  const data =
    dtype === 'f32'
      ? Float32Array.from(values, (v) => v - 0.5)
      : dtype === 'i8'
        ? Int8Array.from(values, (v) => Math.floor(v * 255) - 127)
        : Int32Array.from(values, (v) => Math.floor(v * 200) - 100);
  const s = Array.from({ length: scales }, () => 0.01 + 0.01 * random());
  extraTensors.push({
    name,
    dtype,
    shape,
    data: new Uint8Array(data.buffer),
    ...(scales ? { scales: s, zeroPoints: s.map(() => 0) } : {}),
  });
  return name;
};
const q = (scale: number, zeroPoint: number): ActivationQuant => ({ scale, zeroPoint });
const extraNodes: GraphNode[] = [
  {
    op: 'conv1d',
    input: 'x',
    output: 'y',
    weight: tensor('s.w0', 'i8', [4, 3, 4], 4),
    bias: tensor('s.b0', 'i32', [4]),
    inChannels: 4,
    outChannels: 4,
    kernel: 3,
    stride: 2,
    dilation: 2,
    groups: 1,
    history: 3,
    accumulate: 'split2',
    int8: { input: q(0.05, 3), output: q(0.08, -1), rounding: 'double' },
  },
  {
    op: 'conv1d',
    input: 'x',
    output: 'y',
    weight: tensor('s.w1', 'f32', [4, 3, 2]),
    bias: tensor('s.b1', 'f32', [4]),
    inChannels: 4,
    outChannels: 4,
    kernel: 3,
    stride: 1,
    dilation: 2,
    groups: 2,
    history: 4,
    accumulate: 'split2',
  },
  {
    op: 'depthwise_conv1d',
    input: 'x',
    output: 'y',
    weight: tensor('s.w2', 'f32', [3, 4]),
    bias: tensor('s.b2', 'f32', [4]),
    channels: 4,
    kernel: 3,
    dilation: 2,
    history: 4,
  },
  {
    op: 'transposed_conv1d',
    input: 'x',
    output: 'y',
    weight: tensor('s.w3', 'f32', [4, 6, 4]),
    bias: tensor('s.b3', 'f32', [4]),
    inChannels: 4,
    outChannels: 4,
    kernel: 6,
    stride: 2,
    tailBias: 's.b3',
  },
  {
    op: 'transposed_conv1d',
    input: 'x',
    output: 'y',
    weight: tensor('s.w4', 'f32', [1, 5, 4]),
    bias: tensor('s.b4', 'f32', [1]),
    inChannels: 4,
    outChannels: 1,
    kernel: 5,
    stride: 2,
    tailBias: 's.b4',
  },
  {
    op: 'transposed_conv1d',
    input: 'x',
    output: 'y',
    weight: tensor('s.w5', 'i8', [4, 5, 4], 4),
    bias: tensor('s.b5', 'i32', [4]),
    inChannels: 4,
    outChannels: 4,
    kernel: 5,
    stride: 3,
    tailBias: tensor('s.t5', 'f32', [4]),
    int8: { input: q(0.05, -2), output: q(0.1, 1) },
  },
];

// One weight blob: the tiny model's tensors and these, loaded (and so checked) like any model.
const tinyTensors: MappedTensor[] = manifest.tensors.map((t) => ({
  ...t,
  data: blob.slice(t.offset, t.offset + t.byteLength),
}));
const both = await packWeights([...tinyTensors, ...extraTensors], manifest);
const { weights } = await loadModelFromBytes(JSON.stringify(both.manifest), both.blob);

interface Case {
  name: string;
  spec: GraphSpec;
  inputStepsPerFrame: number;
}

/** The int8 quantization a node reads its (single) input in, or null for a float input. */
function inputQuant(node: GraphNode): ActivationQuant | null {
  if (node.op === 'dequantize') return node.quant;
  if (node.op === 'split_channels' || node.op === 'concat_channels') return node.dtype === 'i8' ? COPY_QUANT : null;
  if ('int8' in node && node.int8 && 'input' in node.int8) return node.int8.input;
  return null;
}

/** The int8 quantization of a node's output, or null when it writes floats. */
function outputQuant(node: GraphNode): ActivationQuant | null {
  if (node.op === 'quantize') return node.quant;
  if (node.op === 'transposed_conv1d') return null; // dequantizes its own output
  if (node.op === 'split_channels' || node.op === 'concat_channels') return node.dtype === 'i8' ? COPY_QUANT : null;
  if ('int8' in node && node.int8) return node.int8.output;
  return null;
}

/**
 * A graph of one node fed from the graph's float input: quantized first when the node reads
 * int8, dequantized after when it writes int8; an add gets its two inputs, and a concatenation
 * its parts, from a split of that input.
 */
function around(node: GraphNode, label: string): Case {
  const nodes: GraphNode[] = [];
  const toInt8 = (name: string, quant: ActivationQuant | null) => {
    if (!quant) return name;
    nodes.push({ op: 'quantize', input: name, output: `${name}.q`, quant });
    return `${name}.q`;
  };
  let inputChannels = 4;
  let outputChannels = 4;
  let inputStepsPerFrame = 1;
  let conditions: Record<string, number> | undefined;
  switch (node.op) {
    case 'add': {
      inputChannels = 8;
      nodes.push({ op: 'split_channels', input: 'x', outputs: ['a', 'b'], dtype: 'f32' });
      const a = toInt8('a', node.int8?.a ?? null);
      const b = toInt8('b', node.int8?.b ?? null);
      nodes.push({ ...node, inputs: [a, b], output: 'y' });
      break;
    }
    case 'concat_channels': {
      const x = toInt8('x', inputQuant(node));
      nodes.push({ op: 'split_channels', input: x, outputs: ['p1', 'p2'], dtype: node.dtype });
      // Swapped, so that a concatenation that ignored its inputs' order would show.
      nodes.push({ ...node, inputs: ['p2', 'p1'], output: 'y' });
      break;
    }
    case 'split_channels': {
      const x = toInt8('x', inputQuant(node));
      nodes.push({ ...node, input: x, outputs: ['p1', 'p2'] });
      nodes.push({ op: 'concat_channels', inputs: ['p2', 'p1'], output: 'y', dtype: node.dtype });
      break;
    }
    default: {
      if (node.op === 'conv1d' || node.op === 'transposed_conv1d')
        [inputChannels, outputChannels] = [node.inChannels, node.outChannels];
      if (node.op === 'depthwise_conv1d' || node.op === 'film') inputChannels = outputChannels = node.channels;
      // One output step per frame: a chunk of one frame is then shorter than a long history.
      if (node.op === 'conv1d') inputStepsPerFrame = node.stride;
      // Several input steps per frame: the layer works frame by frame, carrying its tail between.
      if (node.op === 'transposed_conv1d') inputStepsPerFrame = 2;
      if (node.op === 'film') conditions = { [node.condition]: node.conditionDim };
      nodes.push({ ...node, input: toInt8('x', inputQuant(node)), output: 'y' } as GraphNode);
    }
  }
  const outQ = outputQuant(node);
  if (outQ) nodes.push({ op: 'dequantize', input: 'y', output: 'y.f', quant: outQ });
  const spec: GraphSpec = { input: 'x', inputChannels, output: outQ ? 'y.f' : 'y', outputChannels, nodes, conditions };
  return { name: label, spec, inputStepsPerFrame };
}

const variant = (node: GraphNode) =>
  'dtype' in node
    ? node.dtype
    : node.op === 'quantize' || node.op === 'dequantize' || 'int8' in node
      ? 'int8'
      : 'float';

const tinyNodes: [string, GraphNode][] = (['encoder', 'decoder', 'bottleneck'] as const).flatMap((stage) =>
  manifest[stage]!.nodes.map((node, i): [string, GraphNode] => [`${stage}[${i}]`, node]),
);
// The tiny model moves channels only as floats: the int8 copies are made here.
const int8Copies: [string, GraphNode][] = tinyNodes
  .filter(([, n]) => n.op === 'split_channels' || n.op === 'concat_channels')
  .map(([at, n]): [string, GraphNode] => [`${at} as i8`, { ...n, dtype: 'i8' } as GraphNode]);

const extras = extraNodes.map((n, i): [string, GraphNode] => [`extra[${i}]`, n]);
const nodeCases = [...tinyNodes, ...int8Copies, ...extras].map(([at, node]) =>
  around(node, `${node.op} ${variant(node)} (${at})`),
);
// And the tiny model's whole graphs, where streaming state passes from layer to layer.
const cases: Case[] = [
  ...nodeCases,
  { name: 'whole encoder', spec: manifest.encoder!, inputStepsPerFrame: manifest.frameSize },
  { name: 'whole decoder', spec: manifest.decoder!, inputStepsPerFrame: 1 },
  { name: 'whole bottleneck', spec: manifest.bottleneck!, inputStepsPerFrame: 1 },
];

/** Runs `frames` frames in calls of the given sizes (the last one cut to fit); a copy of all output. */
function runChunked(
  graph: Graph,
  c: Case,
  input: Float32Array,
  conditions: Record<string, Float32Array>,
  chunks: number[],
): Float32Array {
  const inPerFrame = c.inputStepsPerFrame * c.spec.inputChannels;
  const outPerFrame = graph.outputStepsPerFrame * c.spec.outputChannels;
  const out = new Float32Array(FRAMES * outPerFrame);
  let frame = 0;
  for (const size of [...chunks, FRAMES]) {
    const n = Math.min(size, FRAMES - frame);
    if (n === 0) break;
    const chunkConditions = Object.fromEntries(
      Object.entries(conditions).map(([name, v]) => {
        const width = c.spec.conditions![name];
        return [name, v.subarray(frame * width, (frame + n) * width)];
      }),
    );
    out.set(
      graph.run(input.subarray(frame * inPerFrame, (frame + n) * inPerFrame), n, chunkConditions),
      frame * outPerFrame,
    );
    frame += n;
  }
  return out;
}

/** The first element whose bits differ (NaN payloads and the sign of zero included), or -1. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  if (x.length !== y.length) return Math.min(x.length, y.length);
  return x.findIndex((v, i) => v !== y[i]);
}

describe('every layer streams: any chunking of the frames gives the bits of one call', () => {
  it('covers every op of the graph, in float and int8 where it has both', () => {
    const covered = new Set(nodeCases.map((c) => c.name.split(' (')[0]));
    const expected = [
      'conv1d float',
      'conv1d int8',
      'depthwise_conv1d float',
      'depthwise_conv1d int8',
      'transposed_conv1d float',
      'transposed_conv1d int8',
      'leaky_relu float',
      'leaky_relu int8',
      'add float',
      'add int8',
      'elu float',
      'quantize int8',
      'dequantize int8',
      'split_channels f32',
      'split_channels i8',
      'concat_channels f32',
      'concat_channels i8',
      'film float',
    ];
    expect([...covered].sort()).toEqual(expected.sort());
  });

  for (const precision of PRECISIONS) {
    for (const c of cases) {
      it(`${c.name}, ${precision}`, () => {
        const random = mulberry32(c.spec.nodes.length * 1000 + c.name.length);
        // About ±2.5: past the int8 range of the tightest quantization, so clamping is exercised too.
        const input = Float32Array.from(
          { length: FRAMES * c.inputStepsPerFrame * c.spec.inputChannels },
          () => 5 * random() - 2.5,
        );
        const conditions = Object.fromEntries(
          Object.entries(c.spec.conditions ?? {}).map(([name, width]) => [
            name,
            Float32Array.from({ length: FRAMES * width }, () => random()),
          ]),
        );
        const whole = new Graph(c.spec, weights, c.inputStepsPerFrame, precision)
          .run(input, FRAMES, conditions)
          .slice();
        expect(whole.some((v) => v !== 0)).toBe(true);
        // One graph for every chunking: each starts from reset(), so leftover state would show too.
        const streaming = new Graph(c.spec, weights, c.inputStepsPerFrame, precision);
        fc.assert(
          fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: FRAMES }), (chunks) => {
            streaming.reset();
            const chunked = runChunked(streaming, c, input, conditions, chunks);
            const at = firstDifference(whole, chunked);
            expect(at, `chunks [${chunks}]: element ${at} is ${chunked[at]}, in one call ${whole[at]}`).toBe(-1);
          }),
          { numRuns: RUNS, seed: 18 },
        );
      });
    }
  }
});

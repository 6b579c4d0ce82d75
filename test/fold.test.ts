// Folding a float leaky ReLU into the convolution that alone reads it (src/model/fold.ts): which
// leaky ReLUs fold, and that a folded graph gives the bits of the unfolded one, streamed in any
// chunking. The unfolded run is the interpreter kernels' (KernelStyle 'interpreter'), which never
// fold and are pinned bit for bit to the plain kernels elsewhere.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MappedTensor } from '../src/import/map-graph.js';
import { packWeights } from '../src/import/write-weights.js';
import { foldLeakyRelus } from '../src/model/fold.js';
import { Graph } from '../src/model/graph.js';
import { loadModelFromBytes } from '../src/model/load.js';
import type { GraphNode, GraphSpec } from '../src/model/manifest.js';
import { mulberry32 } from '../src/util/prng.js';
import { tinyModel } from './fuzz/tiny-model.js';

const random = mulberry32(41);
const tensors: MappedTensor[] = [];
function f32(name: string, shape: number[]): string {
  const n = shape.reduce((a, d) => a * d, 1);
  const data = Float32Array.from({ length: n }, () => random() - 0.5);
  tensors.push({ name, dtype: 'f32', shape, data: new Uint8Array(data.buffer) });
  return name;
}
const leaky = (input: string, output: string, alpha = Math.fround(0.3)): GraphNode => ({
  op: 'leaky_relu',
  input,
  output,
  alpha,
});
const conv = (
  name: string,
  input: string,
  output: string,
  [cIn, cOut, kernel, dilation, groups, history]: number[],
  accumulate: 'split2' | 'sequential',
): GraphNode => ({
  op: 'conv1d',
  input,
  output,
  weight: f32(`${name}.w`, [cOut, kernel, cIn / groups]),
  bias: f32(`${name}.b`, [cOut]),
  inChannels: cIn,
  outChannels: cOut,
  kernel,
  stride: 1,
  dilation,
  groups,
  history,
  accumulate,
});

/**
 * Every reader that folds: conv1d with and without history, split2 and sequential, grouped;
 * depthwise; transposed with 4 outputs and with 1. And two that must not fold: a leaky ReLU read
 * twice (by a convolution and an add), and one that is the graph's output.
 */
const nodes: GraphNode[] = [
  conv('c0', 'x', 'a0', [2, 8, 3, 1, 1, 2], 'split2'),
  leaky('a0', 'r0'),
  conv('c1', 'r0', 'a1', [8, 8, 1, 1, 1, 0], 'split2'),
  leaky('a1', 'r1', Math.fround(0.01)),
  conv('c2', 'r1', 'a2', [8, 8, 3, 2, 2, 4], 'sequential'),
  leaky('a2', 'r2'),
  {
    op: 'depthwise_conv1d',
    input: 'r2',
    output: 'a3',
    weight: f32('d3.w', [3, 8]),
    bias: f32('d3.b', [8]),
    channels: 8,
    kernel: 3,
    dilation: 3,
    history: 6,
  },
  leaky('a3', 'r3'),
  conv('c4', 'r3', 'a4', [8, 8, 1, 1, 1, 0], 'sequential'),
  { op: 'add', inputs: ['a4', 'r3'], output: 'a5' },
  leaky('a5', 'r5'),
  {
    op: 'transposed_conv1d',
    input: 'r5',
    output: 'a6',
    weight: f32('t6.w', [4, 4, 8]),
    bias: f32('t6.b', [4]),
    inChannels: 8,
    outChannels: 4,
    kernel: 4,
    stride: 2,
    tailBias: null,
  },
  leaky('a6', 'r6'),
  {
    op: 'transposed_conv1d',
    input: 'r6',
    output: 'a7',
    weight: f32('t7.w', [1, 6, 4]),
    bias: f32('t7.b', [1]),
    inChannels: 4,
    outChannels: 1,
    kernel: 6,
    stride: 3,
    tailBias: null,
  },
  leaky('a7', 'y'),
];

const spec: GraphSpec = { input: 'x', inputChannels: 2, output: 'y', outputChannels: 1, nodes };
const STEPS_PER_FRAME = 6;
const FRAMES = 10;

const { manifest, blob } = await tinyModel();
const tinyTensors: MappedTensor[] = manifest.tensors.map((t) => ({
  ...t,
  data: blob.slice(t.offset, t.offset + t.byteLength),
}));
const packed = await packWeights([...tinyTensors, ...tensors], manifest);
const { weights } = await loadModelFromBytes(JSON.stringify(packed.manifest), packed.blob);

function input(): Float32Array {
  const r = mulberry32(7);
  const x = Float32Array.from({ length: FRAMES * STEPS_PER_FRAME * 2 }, () => 4 * r() - 2);
  x[3] = -0;
  x[4] = 0;
  return x;
}

function sameBits(a: Float32Array, b: Float32Array): number {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  if (x.length !== y.length) return Math.min(x.length, y.length);
  return x.findIndex((v, i) => v !== y[i]);
}

describe('foldLeakyRelus', () => {
  const context = { weights, activation: () => ({ channels: 1, steps: 1, dtype: 'f32' as const }), fast: false };

  it('folds each float leaky ReLU read by one convolution alone, and no other', () => {
    const { nodes: planned, folded } = foldLeakyRelus(spec, context);
    expect([...folded].sort()).toEqual(['r0', 'r1', 'r2', 'r5', 'r6']);
    // r3 is read twice (c4 and the add), y is the graph's output.
    expect(planned.flatMap((p) => (p.node.op === 'leaky_relu' ? [p.node.output] : []))).toEqual(['r3', 'y']);
    const c1 = planned.find((p) => p.node.op === 'conv1d' && p.node.output === 'a1')!;
    expect(c1.node).toMatchObject({ input: 'a0' });
    expect(c1.leakyInput).toBe(Math.fround(0.3));
    expect(planned.find((p) => p.node.op === 'conv1d' && p.node.output === 'a2')!.leakyInput).toBe(Math.fround(0.01));
  });

  it('folds nothing for the interpreter kernels, nor an int8 leaky ReLU (the tiny model)', () => {
    expect(foldLeakyRelus(spec, { ...context, interpreter: true }).folded.size).toBe(0);
    const tiny = foldLeakyRelus(manifest.encoder!, context);
    const int8Leaky = manifest.encoder!.nodes.find((n) => n.op === 'leaky_relu' && n.int8)!;
    expect(tiny.nodes.map((p) => p.node)).toContainEqual(int8Leaky);
  });
});

describe('a folded graph computes what the unfolded one does', () => {
  for (const precision of ['exact', 'fast'] as const) {
    it(`bit for bit, in one call and in any chunking (${precision})`, () => {
      const x = input();
      const unfolded = new Graph(spec, weights, STEPS_PER_FRAME, precision, 'interpreter').run(x, FRAMES).slice();
      const graph = new Graph(spec, weights, STEPS_PER_FRAME, precision);
      const whole = graph.run(x, FRAMES).slice();
      // The folded activations do something: their inputs have negative values.
      for (const name of ['a0', 'a1', 'a2', 'a5', 'a6'])
        expect(
          graph.activation(name)!.some((v) => v < 0),
          name,
        ).toBe(true);
      expect(sameBits(whole, unfolded)).toBe(-1);
      expect(graph.activation('r0')).toBeNull();
      expect(graph.activation('r3')).not.toBeNull();
      const perFrame = STEPS_PER_FRAME * 2;
      const outPerFrame = graph.outputStepsPerFrame;
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: FRAMES }), (chunks) => {
          graph.reset();
          const out = new Float32Array(FRAMES * outPerFrame);
          let frame = 0;
          for (const size of [...chunks, FRAMES]) {
            const n = Math.min(size, FRAMES - frame);
            if (n === 0) break;
            out.set(graph.run(x.subarray(frame * perFrame, (frame + n) * perFrame), n), frame * outPerFrame);
            frame += n;
          }
          expect(sameBits(out, whole), `chunks [${chunks}]`).toBe(-1);
        }),
        { numRuns: 20, seed: 3 },
      );
    });
  }
});

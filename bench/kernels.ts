// npm run bench:kernels [-- --quick] [-- --filter <text>] [-- --out <file.json>]
//
// Micro-benchmarks of the kernels in src/kernels with Benchmark.js, one call per operation, at
// the shapes the Lyra v2 graphs call them with in streaming (one 20 ms frame per call; a causal
// convolution sees its history plus the new frame): every distinct (kernel, shape) of the
// manifest's nodes, in int8 mode and in the all-float mode, with the real weights of the first
// node of each shape and random activations. Reports ops/s, ±% and GMAC/s (or Melem/s).
//
// These are the plain kernels. The layers may dispatch some shapes to other, specialised
// kernels (e.g. blocked convolutions with packed weights); `npm run bench` times the layers as
// the engine really runs them.
import Benchmark from 'benchmark';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { addInt8, addInt8Params } from '../src/kernels/add-int8.js';
import { conv1d } from '../src/kernels/conv1d.js';
import { conv1dInt8 } from '../src/kernels/conv1d-int8.js';
import { depthwiseConv1d } from '../src/kernels/depthwise-conv1d.js';
import { depthwiseConv1dInt8 } from '../src/kernels/depthwise-conv1d-int8.js';
import { dequantize } from '../src/kernels/dequantize.js';
import { quantizeMultiplier } from '../src/kernels/fixed-point.js';
import { leakyRelu } from '../src/kernels/leaky-relu.js';
import { leakyReluInt8 } from '../src/kernels/leaky-relu-int8.js';
import { quantize } from '../src/kernels/quantize.js';
import { rvqEncode } from '../src/kernels/rvq-encode.js';
import { transposedConv1d } from '../src/kernels/transposed-conv1d.js';
import { transposedConv1dInt8 } from '../src/kernels/transposed-conv1d-int8.js';
import { requantization } from '../src/model/ops/conv-common.js';
import { xorshift32 } from '../src/util/prng.js';
import type { Model } from '../src/model/load.js';
import {
  flag,
  fmt,
  haveShared,
  importInMemory,
  machineInfo,
  markdownTable,
  option,
  readLyraFiles,
  repoRoot,
} from './common.js';
import { graphSpec, inputSteps, type Mode, planGraph } from './layers.js';

const args = process.argv.slice(2);
const quick = flag(args, '--quick');
const filter = option(args, '--filter');
const outJson =
  option(args, '--out') ??
  (quick
    ? join(repoRoot(), 'dist', 'bench', 'kernel-results-quick.json')
    : join(repoRoot(), 'bench', 'kernel-results.json'));
const benchOptions = quick ? { maxTime: 0.05, minSamples: 2 } : { maxTime: 0.4, minSamples: 10 };

if (!haveShared()) {
  console.error('bench:kernels: ../shared/lyra-v2 is missing; the shapes and weights come from it.');
  process.exit(2);
}

const rng = xorshift32(20261124); // reproducible inputs
const floats = (n: number, scale = 1) => Float32Array.from({ length: n }, () => scale * (2 * rng() - 1));
const int8s = (n: number) => Int8Array.from({ length: n }, () => Math.floor(256 * rng()) - 128);

interface KernelCase {
  kernel: string;
  shape: string;
  /** The graph nodes with this shape, e.g. "encoder#44, decoder#14". */
  nodes: string[];
  macs?: number;
  elements: number;
  fn: () => void;
}

const cases = new Map<string, KernelCase>();
function addCase(
  kernel: string,
  shape: string,
  node: string,
  make: () => Omit<KernelCase, 'kernel' | 'shape' | 'nodes'>,
): void {
  const key = `${kernel} ${shape}`;
  const existing = cases.get(key);
  if (existing) {
    if (!existing.nodes.includes(node)) existing.nodes.push(node);
    return;
  }
  cases.set(key, { kernel, shape, nodes: [node], ...make() });
}

function collectCases(model: Model): void {
  const w = model.weights;
  for (const which of ['encoder', 'decoder'] as const) {
    for (const mode of ['int8', 'float'] as Mode[]) {
      const spec = graphSpec(model, which, mode);
      const { nodes } = planGraph(spec, inputSteps(model, which));
      for (const p of nodes) {
        const n = p.node;
        const where = `${which}#${p.index}`;
        switch (n.op) {
          case 'conv1d': {
            const tIn = n.history + p.input.steps;
            const tOut = p.output.steps;
            const shape = `x[${tIn}x${n.inChannels}] k${n.kernel} s${n.stride} d${n.dilation} g${n.groups} -> [${tOut}x${n.outChannels}]`;
            const macs = (tOut * n.outChannels * n.kernel * n.inChannels) / n.groups;
            if (n.int8) {
              const q = n.int8;
              addCase(`conv1d-int8 ${q.rounding ?? 'double'}-rounding`, shape, where, () => {
                const x = int8s(tIn * n.inChannels);
                const y = new Int8Array(tOut * n.outChannels);
                const weight = w.i8(n.weight);
                const bias = n.bias === null ? null : w.i32(n.bias);
                const requant = requantization(q, w, n.weight, n.outChannels);
                return {
                  macs,
                  elements: y.length,
                  fn: () =>
                    conv1dInt8(
                      x,
                      tIn,
                      n.inChannels,
                      q.input.zeroPoint,
                      weight,
                      bias,
                      n.kernel,
                      n.stride,
                      n.dilation,
                      n.groups,
                      y,
                      n.outChannels,
                      requant,
                    ),
                };
              });
            } else {
              addCase(`conv1d ${n.accumulate}`, shape, where, () => {
                const x = floats(tIn * n.inChannels);
                const y = new Float32Array(tOut * n.outChannels);
                const weight = w.f32(n.weight);
                const bias = n.bias === null ? null : w.f32(n.bias);
                const split = n.accumulate === 'split2';
                return {
                  macs,
                  elements: y.length,
                  fn: () =>
                    conv1d(
                      x,
                      tIn,
                      n.inChannels,
                      weight,
                      bias,
                      n.kernel,
                      n.stride,
                      n.dilation,
                      n.groups,
                      y,
                      n.outChannels,
                      split,
                    ),
                };
              });
            }
            break;
          }
          case 'depthwise_conv1d': {
            const tIn = n.history + p.input.steps;
            const tOut = p.output.steps;
            const shape = `x[${tIn}x${n.channels}] k${n.kernel} d${n.dilation} -> [${tOut}x${n.channels}]`;
            const macs = tOut * n.channels * n.kernel;
            if (n.int8) {
              const q = n.int8;
              addCase('depthwise-conv1d-int8', shape, where, () => {
                const x = int8s(tIn * n.channels);
                const y = new Int8Array(tOut * n.channels);
                const weight = w.i8(n.weight);
                const bias = n.bias === null ? null : w.i32(n.bias);
                const requant = requantization(q, w, n.weight, n.channels);
                return {
                  macs,
                  elements: y.length,
                  fn: () =>
                    depthwiseConv1dInt8(
                      x,
                      tIn,
                      n.channels,
                      q.input.zeroPoint,
                      weight,
                      bias,
                      n.kernel,
                      n.dilation,
                      y,
                      requant,
                    ),
                };
              });
            } else {
              addCase('depthwise-conv1d', shape, where, () => {
                const x = floats(tIn * n.channels);
                const y = new Float32Array(tOut * n.channels);
                const weight = w.f32(n.weight);
                const bias = n.bias === null ? null : w.f32(n.bias);
                return {
                  macs,
                  elements: y.length,
                  fn: () => depthwiseConv1d(x, tIn, n.channels, weight, bias, n.kernel, n.dilation, y),
                };
              });
            }
            break;
          }
          case 'transposed_conv1d': {
            const tIn = p.input.steps;
            const tOut = (tIn - 1) * n.stride + n.kernel;
            const shape = `x[${tIn}x${n.inChannels}] k${n.kernel} s${n.stride} -> [${tOut}x${n.outChannels}]`;
            const macs = tIn * n.outChannels * n.kernel * n.inChannels;
            if (n.int8) {
              const q = n.int8;
              addCase('transposed-conv1d-int8', shape, where, () => {
                const x = int8s(tIn * n.inChannels);
                const y = new Int8Array(tOut * n.outChannels);
                const weight = w.i8(n.weight);
                const bias = n.bias === null ? null : w.i32(n.bias);
                const requant = requantization(q, w, n.weight, n.outChannels);
                return {
                  macs,
                  elements: y.length,
                  fn: () =>
                    transposedConv1dInt8(
                      x,
                      tIn,
                      n.inChannels,
                      q.input.zeroPoint,
                      weight,
                      bias,
                      n.kernel,
                      n.stride,
                      y,
                      n.outChannels,
                      requant,
                    ),
                };
              });
            } else {
              addCase('transposed-conv1d', shape, where, () => {
                const x = floats(tIn * n.inChannels);
                const y = new Float32Array(tOut * n.outChannels);
                const weight = w.f32(n.weight);
                const bias = n.bias === null ? null : w.f32(n.bias);
                return {
                  macs,
                  elements: y.length,
                  fn: () => transposedConv1d(x, tIn, n.inChannels, weight, bias, n.kernel, n.stride, y, n.outChannels),
                };
              });
            }
            break;
          }
          case 'leaky_relu': {
            const size = p.input.channels * p.input.steps;
            const shape = `n=${size}`;
            if (n.int8) {
              const q = n.int8;
              addCase('leaky-relu-int8', shape, where, () => {
                // The multipliers as LeakyReluLayer derives them (float32 arithmetic, as TFLite).
                const fr = Math.fround;
                const identity = quantizeMultiplier(fr(q.input.scale / q.output.scale));
                const negative = quantizeMultiplier(fr(fr(q.input.scale * fr(n.alpha)) / q.output.scale));
                const x = int8s(size);
                const y = new Int8Array(size);
                return {
                  elements: size,
                  fn: () => leakyReluInt8(x, size, q.input.zeroPoint, q.output.zeroPoint, identity, negative, y),
                };
              });
            } else {
              addCase('leaky-relu', shape, where, () => {
                const x = floats(size);
                const y = new Float32Array(size);
                return { elements: size, fn: () => leakyRelu(x, size, n.alpha, y) };
              });
            }
            break;
          }
          case 'add': {
            if (!n.int8) break;
            const q = n.int8;
            const size = p.output.channels * p.output.steps;
            addCase('add-int8', `n=${size}`, where, () => {
              const params = addInt8Params(q.a, q.b, q.output);
              const a = int8s(size);
              const b = int8s(size);
              const y = new Int8Array(size);
              return { elements: size, fn: () => addInt8(a, b, size, params, y) };
            });
            break;
          }
          case 'quantize': {
            const size = p.input.channels * p.input.steps;
            addCase('quantize', `n=${size}`, where, () => {
              const x = floats(size, 4 * n.quant.scale * 128);
              const y = new Int8Array(size);
              return { elements: size, fn: () => quantize(x, size, n.quant.scale, n.quant.zeroPoint, y) };
            });
            break;
          }
          case 'dequantize': {
            const size = p.input.channels * p.input.steps;
            addCase('dequantize', `n=${size}`, where, () => {
              const x = int8s(size);
              const y = new Float32Array(size);
              return { elements: size, fn: () => dequantize(x, size, n.quant.scale, n.quant.zeroPoint, y) };
            });
            break;
          }
          default:
            break;
        }
      }
    }
  }
  const spec = model.manifest.quantizer;
  if (spec) {
    const codebooks = w.f32(spec.codebooks);
    for (const stages of [16, 30, 46]) {
      addCase(
        'rvq-encode',
        `1 frame x ${spec.dim}, ${stages} stages x ${spec.codebookSize} codewords`,
        'quantizer',
        () => {
          const x = floats(spec.dim, 3);
          const indices = new Int32Array(stages);
          const residual = new Float32Array(spec.dim);
          // A distance is dim subtract-multiply-adds per codeword.
          return {
            macs: stages * spec.codebookSize * spec.dim,
            elements: stages,
            fn: () => rvqEncode(x, 1, spec.dim, codebooks, spec.codebookSize, stages, indices, residual),
          };
        },
      );
    }
  }
}

const machine = machineInfo();
console.log(`soundstream-ts kernel micro-benchmarks (Benchmark.js ${Benchmark.version})${quick ? ' --quick' : ''}`);
console.log(`CPU: ${machine.cpu} (${machine.logicalCpus} logical), Node ${machine.node}, ${machine.date}`);
const { model } = await importInMemory(readLyraFiles());
collectCases(model);
const ORDER = [
  'conv1d split2',
  'conv1d sequential',
  'depthwise-conv1d',
  'transposed-conv1d',
  'conv1d-int8 single-rounding',
  'conv1d-int8 double-rounding',
  'depthwise-conv1d-int8',
  'transposed-conv1d-int8',
  'leaky-relu',
  'leaky-relu-int8',
  'add-int8',
  'quantize',
  'dequantize',
  'rvq-encode',
];
const rank = (kernel: string) => (ORDER.indexOf(kernel) + ORDER.length + 1) % (ORDER.length + 1);
const selected = [...cases.values()]
  .filter((c) => !filter || `${c.kernel} ${c.shape}`.includes(filter))
  .sort((a, b) => rank(a.kernel) - rank(b.kernel)); // stable: graph order within a kernel
console.log(
  `${selected.length} (kernel, shape) cases from the manifest's nodes; maxTime ${benchOptions.maxTime} s each`,
);

interface KernelResult {
  kernel: string;
  shape: string;
  nodes: string[];
  opsPerS: number;
  rmePercent: number;
  usPerOp: number;
  macs?: number;
  gmacPerS?: number;
  melemPerS: number;
}
const results: KernelResult[] = [];
for (const c of selected) {
  c.fn(); // fail fast, outside Benchmark.js
  const b = new Benchmark(`${c.kernel} ${c.shape}`, c.fn, benchOptions).run({ async: false });
  if (b.error) throw b.error;
  const r: KernelResult = {
    kernel: c.kernel,
    shape: c.shape,
    nodes: c.nodes,
    opsPerS: b.hz,
    rmePercent: b.stats.rme,
    usPerOp: 1e6 / b.hz,
    ...(c.macs ? { macs: c.macs, gmacPerS: (c.macs * b.hz) / 1e9 } : {}),
    melemPerS: (c.elements * b.hz) / 1e6,
  };
  results.push(r);
  console.log(
    `  ${r.kernel} ${r.shape}: ${fmt(r.opsPerS)} ops/s ±${r.rmePercent.toFixed(1)}%${r.gmacPerS ? `, ${fmt(r.gmacPerS)} GMAC/s` : `, ${fmt(r.melemPerS)} Melem/s`}`,
  );
}

const table = markdownTable(
  ['kernel', 'shape (one streaming call)', 'nodes', 'ops/s', '±%', 'µs/op', 'MACs', 'GMAC/s', 'Melem/s'],
  results.map((r) => [
    r.kernel,
    r.shape,
    String(r.nodes.length),
    fmt(r.opsPerS),
    r.rmePercent.toFixed(1),
    fmt(r.usPerOp),
    r.macs ? String(r.macs) : '—',
    fmt(r.gmacPerS),
    fmt(r.melemPerS),
  ]),
  ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
);
console.log('');
console.log(table);
mkdirSync(dirname(outJson), { recursive: true });
writeFileSync(
  outJson,
  `${JSON.stringify({ schema: 'soundstream-ts/kernel-results', version: 1, machine, quick, benchmarkOptions: benchOptions, results }, null, 2)}\n`,
);
writeFileSync(
  `${outJson.replace(/\.json$/i, '')}.md`,
  `Kernel micro-benchmarks, ${machine.date.slice(0, 10)}, ${machine.cpu}, Node ${machine.node} (Benchmark.js, one streaming call per op):\n\n${table}\n`,
);
console.log(`wrote ${outJson}`);

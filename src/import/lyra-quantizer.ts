/**
 * Lyra v2's residual vector quantizer (quantizer.tflite): what its two signatures compute, and the
 * codebooks they share. Every claim below is checked against Google's reference runtime in
 * test/parity/quantizer.test.ts (bit-exact); extractRvqCodebooks checks the graph structure.
 *
 * Codebooks: Q = 46 stages of K = 16 codewords (4 bits) of D = 64 float32 values, not quantized.
 * Each stage's codebook is stored on its own, three times: in `decode` as a [16, 64] constant read by
 * GATHER, in `encode` as [1, 16, 64] for SQUARED_DIFFERENCE and [16, 64] for GATHER. The three are
 * bit-identical. Stage numbers come from the graph (decode's STRIDED_SLICE begins, encode's residual
 * chain), never from tensor names. fl(.) below is rounding to float32; every op is float32.
 *
 * encode(num_quantizers: int32 [], input_frames: f32 [1, 1, 64]) -> (output_0: int32 [46, 1, 1]
 * indices, output_1: int32 [] = 4, a constant, the bits per index):
 *   r = x
 *   for s = 0 .. 45 (always all 46, whatever num_quantizers is):
 *     dist[k] = SUM over d = 0..63 of SQUARED_DIFFERENCE(r[d], C[s][k][d]), in float32, summed
 *               sequentially in dimension order: acc = 0; acc = fl(acc + fl(t * t)), t = fl(r[d] - c[d]).
 *               (Probed SUM outputs match this for 6400/6400 distances; 4-, 8-, 16-lane or pairwise
 *               sums matched about 27%.)
 *     i[s]  = ARG_MIN over k of dist: strict <, starting from k = 0, so the first of equal minima wins
 *             (all-infinite or all-NaN distances give 0).
 *     r     = fl(r - fl(r + fl(C[s][i[s]] - r)))  (the straight-through estimator as exported: SUB, ADD,
 *             SUB; skipped after the last stage; never seen to differ from fl(r - c), but kept as is).
 *   Masking only touches the indices, never the residual chain: with active = CAST(LESS(range(46), n)),
 *   output[s] = ARG_MAX(ONE_HOT(i[s], 16, 1, 0) * active[s]) + CAST_int(active[s] - 1), that is i[s]
 *   for s < n and 0 + -1 = -1 for s >= n (n <= 0: all -1; n >= 46: all 46 stages). So the first n
 *   indices are exactly those of an n-stage encoder: rvqEncode(..., stages = n, ...).
 *
 * decode(encoding_indices: int32 [46, 1, 1]) -> f32 [1, 1, 64]:
 *   m[s] = GATHER(C[s], MAXIMUM(i[s], 0)) * CAST(i[s] != -1)
 *   y    = (((m[0] + m[1]) + m[2]) + ...) + m[45], one ADD at a time, stage 0 first.
 *   -1 marks a stage that was not sent: fewer quantizers are asked for by passing -1 for stages
 *   n .. 45 (encode's own output for num_quantizers = n). Other negative indices read codeword 0;
 *   16 and above make the reference fail (GATHER out of range); rvqDecode expects valid indices. rvqDecode skips -1 stages and starts from +0 instead of adding
 *   codeword * 0 terms: the same bits, because x + (+-0) = x for x != 0, no codebook value is zero,
 *   and an all-absent frame comes out +0 in both (some of its codeword * 0 terms are +0).
 */
import { ImportError } from './errors.js';
import type { TFLiteModel, TFLiteOperator, TFLiteSubgraph, TFLiteTensor } from './tflite.js';

export interface RvqCodebooks {
  numQuantizers: number;
  codebookSize: number;
  dim: number;
  /** [numQuantizers, codebookSize, dim], row-major. */
  codebooks: Float32Array;
}

export function extractRvqCodebooks(model: TFLiteModel): RvqCodebooks {
  const decode = new Graph(model, 'decode');
  const books = decodeCodebooks(decode);
  const codebookSize = books[0].shape[0];
  const dim = books[0].shape[1];
  const codebooks = new Float32Array(books.length * codebookSize * dim);
  books.forEach((t, s) => {
    if (t.shape[0] !== codebookSize || t.shape[1] !== dim) {
      throw new ImportError(
        `decode: codebook ${describe(t)} of stage ${s} differs in shape from stage 0's [${codebookSize},${dim}]`,
      );
    }
    codebooks.set(floats(t), s * codebookSize * dim);
  });
  checkEncode(new Graph(model, 'encode'), books);
  return { numQuantizers: books.length, codebookSize, dim, codebooks };
}

/** Walks `decode`'s chain of ADDs back from its output: one codebook tensor per stage, in stage order. */
function decodeCodebooks(g: Graph): TFLiteTensor[] {
  const [indicesInput] = g.signatureTensors('inputs', 1);
  const [output] = g.signatureTensors('outputs', 1);
  const terms: number[] = [];
  let sum = output;
  const visited = new Set<TFLiteOperator>();
  for (let add = g.producer(sum); add?.op === 'ADD'; add = g.producer(sum)) {
    if (visited.has(add))
      throw new ImportError(`decode: the chain of ADDs from the output loops back to operator ${add.index}`);
    visited.add(add);
    g.expectNoActivation(add);
    terms.push(add.inputs[1]);
    sum = add.inputs[0];
  }
  terms.push(sum);
  terms.reverse();

  return terms.map((term, position) => {
    // term = GATHER(codebook, index of stage s) * (stage s is present ? 1 : 0)
    const mul = g.expectOp(term, 'MUL', `decode: term ${position} of the output sum`);
    g.expectNoActivation(mul);
    const gatherAt = mul.inputs.findIndex((t) => g.producer(t)?.op === 'GATHER');
    if (gatherAt < 0) throw new ImportError(`decode: operator ${mul.index} (MUL) multiplies no GATHER`);
    const gather = g.producer(mul.inputs[gatherAt])!;
    g.expectGatherAxis0(gather);
    const stage = g.sliceStart(gather.inputs[1], `decode: index of GATHER operator ${gather.index}`);
    const maskStage = g.sliceStart(mul.inputs[1 - gatherAt], `decode: mask of MUL operator ${mul.index}`);
    if (stage !== position || maskStage !== position) {
      throw new ImportError(
        `decode: term ${position} of the output sum gathers stage ${stage} with the mask of stage ${maskStage}; ` +
          'expected stages summed in order 0, 1, 2, ...',
      );
    }
    // The index reaches the GATHER through MAXIMUM(indices, 0); the mask is CAST(indices != -1).
    const maximum = g.producer(g.producer(gather.inputs[1])!.inputs[0]);
    if (maximum?.op !== 'MAXIMUM' || maximum.inputs[0] !== indicesInput || g.scalar(maximum.inputs[1]) !== 0) {
      throw new ImportError(
        `decode: index of GATHER operator ${gather.index} is not sliced from MAXIMUM(encoding_indices, 0)`,
      );
    }
    const table = g.tensor(gather.inputs[0]);
    g.expectFloatConst(table, 2, `decode: GATHER operator ${gather.index}`);
    return table;
  });
}

/**
 * Follows `encode`'s residual chain from its input frame and checks, stage by stage, that it is the
 * computation rvqEncode reproduces, over the same codebooks that `decode` uses.
 */
function checkEncode(g: Graph, books: TFLiteTensor[]): void {
  const input = g.signatureTensor('inputs', 'input_frames');
  let residual = input;
  books.forEach((book, s) => {
    const where = `encode stage ${s}`;
    // distances = SUM(SQUARED_DIFFERENCE(residual, codebook[1,K,D]), -1); index = ARG_MIN(distances, -1)
    const sqdiff = g.only(g.consumers(residual, 'SQUARED_DIFFERENCE'), `${where}: SQUARED_DIFFERENCE of the residual`);
    const table = g.tensor(sqdiff.inputs[1]);
    g.expectFloatConst(table, 3, `${where}: SQUARED_DIFFERENCE operator ${sqdiff.index}`);
    g.expectSameValues(table, book, where);
    const sum = g.only(g.consumers(sqdiff.outputs[0], 'SUM'), `${where}: SUM of the squared differences`);
    if (g.scalar(sum.inputs[1]) !== -1)
      throw new ImportError(`${where}: SUM operator ${sum.index} does not reduce the last axis`);
    const argmin = g.only(g.consumers(sum.outputs[0], 'ARG_MIN'), `${where}: ARG_MIN of the distances`);
    if (s === books.length - 1) return;

    // next residual = residual - (residual + (codeword - residual))
    const gather = g.only(g.consumers(argmin.outputs[0], 'GATHER'), `${where}: GATHER of the chosen codeword`);
    g.expectGatherAxis0(gather);
    g.expectSameValues(g.tensor(gather.inputs[0]), book, `${where}: GATHER operator ${gather.index}`);
    const reshape = g.only(g.consumers(gather.outputs[0], 'RESHAPE'), `${where}: RESHAPE of the codeword`);
    const codeword = reshape.outputs[0];
    const diff = g.only(g.consumers(codeword, 'SUB'), `${where}: codeword - residual`);
    const sum2 = g.only(g.consumers(diff.outputs[0], 'ADD'), `${where}: residual + (codeword - residual)`);
    const next = g.only(g.consumers(sum2.outputs[0], 'SUB'), `${where}: residual - (residual + (codeword - residual))`);
    const ok =
      diff.inputs[0] === codeword &&
      diff.inputs[1] === residual &&
      sum2.inputs[0] === residual &&
      sum2.inputs[1] === diff.outputs[0] &&
      next.inputs[0] === residual &&
      next.inputs[1] === sum2.outputs[0];
    if (!ok)
      throw new ImportError(
        `${where}: operators ${diff.index}, ${sum2.index}, ${next.index} do not compute r - (r + (c - r))`,
      );
    for (const op of [diff, sum2, next]) g.expectNoActivation(op);
    residual = next.outputs[0];
  });
}

class Graph {
  readonly sg: TFLiteSubgraph;
  private readonly producers = new Map<number, TFLiteOperator>();

  constructor(
    private readonly model: TFLiteModel,
    private readonly key: string,
  ) {
    const sig = model.signatures.find((s) => s.key === key);
    if (!sig)
      throw new ImportError(
        `model has no "${key}" signature (has: ${model.signatures.map((s) => s.key).join(', ') || 'none'})`,
      );
    this.sg = model.subgraphs[sig.subgraphIndex];
    if (!this.sg) throw new ImportError(`signature "${key}" names subgraph ${sig.subgraphIndex}, which does not exist`);
    for (const op of this.sg.operators) for (const t of op.outputs) this.producers.set(t, op);
  }

  tensor(index: number): TFLiteTensor {
    const t = this.sg.tensors[index];
    if (!t)
      throw new ImportError(
        `signature "${this.key}": tensor index ${index} is outside the subgraph's ${this.sg.tensors.length} tensors`,
      );
    return t;
  }
  producer(tensor: number): TFLiteOperator | undefined {
    return this.producers.get(tensor);
  }
  consumers(tensor: number, op: string): TFLiteOperator[] {
    return this.sg.operators.filter((o) => o.op === op && o.inputs.includes(tensor));
  }

  signatureTensors(side: 'inputs' | 'outputs', count: number): number[] {
    const sig = this.model.signatures.find((s) => s.key === this.key)!;
    const tensors = Object.values(sig[side]);
    if (tensors.length !== count)
      throw new ImportError(`signature "${this.key}" has ${tensors.length} ${side}, expected ${count}`);
    return tensors;
  }
  signatureTensor(side: 'inputs' | 'outputs', name: string): number {
    const sig = this.model.signatures.find((s) => s.key === this.key)!;
    const t = sig[side][name];
    if (t === undefined) throw new ImportError(`signature "${this.key}" has no ${side.slice(0, -1)} "${name}"`);
    return t;
  }

  expectOp(tensor: number, op: string, what: string): TFLiteOperator {
    const p = this.producer(tensor);
    if (p?.op !== op)
      throw new ImportError(
        `${what}: tensor ${describe(this.tensor(tensor))} comes from ${p ? `operator ${p.index} (${p.op})` : 'no operator'}, expected ${op}`,
      );
    return p;
  }
  only(ops: TFLiteOperator[], what: string): TFLiteOperator {
    if (ops.length !== 1)
      throw new ImportError(
        `${what}: expected one operator, found ${ops.length} (${ops.map((o) => o.index).join(', ')})`,
      );
    return ops[0];
  }

  /** Element 0 of a constant int32 scalar or vector. */
  scalar(tensor: number): number | undefined {
    const t = this.tensor(tensor);
    if (t.type !== 'int32' || !t.data || t.data.byteLength < 4) return undefined;
    return new DataView(t.data.buffer, t.data.byteOffset).getInt32(0, true);
  }
  /** The stage a STRIDED_SLICE picks: its begin along axis 0. */
  sliceStart(tensor: number, what: string): number {
    const slice = this.expectOp(tensor, 'STRIDED_SLICE', what);
    const begin = this.scalar(slice.inputs[1]);
    if (begin === undefined)
      throw new ImportError(`${what}: STRIDED_SLICE operator ${slice.index} has no constant begin`);
    return begin;
  }

  expectNoActivation(op: TFLiteOperator): void {
    // Field 0 of AddOptions/SubOptions/MulOptions is the fused activation (0 = NONE).
    if (op.options && op.options.i8(0) !== 0)
      throw new ImportError(`${this.key}: operator ${op.index} (${op.op}) has a fused activation`);
  }
  expectGatherAxis0(op: TFLiteOperator): void {
    if (op.options && (op.options.i32(0) !== 0 || op.options.i32(1) !== 0)) {
      throw new ImportError(`${this.key}: GATHER operator ${op.index} is not along axis 0`);
    }
  }
  expectFloatConst(t: TFLiteTensor, rank: number, what: string): void {
    if (!t.data) throw new ImportError(`${what}: codebook ${describe(t)} is not a constant`);
    if (t.type !== 'float32' || t.quantization) {
      throw new ImportError(
        `${what}: codebook ${describe(t)} is ${t.quantization ? 'quantized ' : ''}${t.type}; only float32 is supported`,
      );
    }
    if (t.shape.length !== rank || (rank === 3 && t.shape[0] !== 1)) {
      throw new ImportError(
        `${what}: codebook ${describe(t)} has shape [${t.shape}], expected ${rank === 2 ? '[K, D]' : '[1, K, D]'}`,
      );
    }
    if (t.data.byteLength !== 4 * t.shape.reduce((a, b) => a * b, 1))
      throw new ImportError(`${what}: codebook ${describe(t)} has ${t.data.byteLength} bytes for shape [${t.shape}]`);
  }
  expectSameValues(t: TFLiteTensor, book: TFLiteTensor, what: string): void {
    const a = t.data;
    const b = book.data!;
    if (!a || a.byteLength !== b.byteLength || a.some((v, i) => v !== b[i])) {
      throw new ImportError(`${what}: tensor ${describe(t)} differs from decode's codebook ${describe(book)}`);
    }
  }
}

function describe(t: TFLiteTensor): string {
  return `${t.index} "${t.name}"`;
}

function floats(t: TFLiteTensor): Float32Array {
  const data = t.data!;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out = new Float32Array(data.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

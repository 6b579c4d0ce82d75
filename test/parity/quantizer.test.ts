// The RVQ kernels against Google's reference runtime running Lyra v2's quantizer.tflite, on
// embeddings that the reference runtime computes with soundstream_encoder.tflite.
import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTFLite } from '../../src/import/tflite.js';
import { extractRvqCodebooks, type RvqCodebooks } from '../../src/import/lyra-quantizer.js';
import { rvqDecode } from '../../src/kernels/rvq-decode.js';
import { rvqEncode } from '../../src/kernels/rvq-encode.js';
import { readPcm16Wav } from '../reference/audio.js';
import { swapSubgraphs } from '../reference/reorder-subgraphs.js';
import { ReferenceRunner } from '../reference/runtime.js';
import type { TfliteWebRunner } from '../reference/tflite-web.js';
import { gaussianNoise } from '../reference/lyra.js';

const quantizerPath = new URL('../../../shared/lyra-v2/quantizer.tflite', import.meta.url);
const encoderPath = new URL('../../../shared/lyra-v2/soundstream_encoder.tflite', import.meta.url);
const speechPath = new URL('../../../shared/audio/sample1_16kHz.wav', import.meta.url);
const available = [quantizerPath, encoderPath, speechPath].every((p) => existsSync(p));

const FRAME = 320;
const BITRATES = [16, 30, 46]; // quantizers for 3.2, 6 and 9.2 kbps

/** The reference encoder's embedding of each whole 320-sample frame, the tail zero-padded. */
async function referenceEmbeddings(audio: Float32Array): Promise<{ frames: number; x: Float32Array }> {
  const encoder = await ReferenceRunner.create(new Uint8Array(readFileSync(encoderPath)));
  const frames = Math.ceil(audio.length / FRAME);
  const padded = new Float32Array(frames * FRAME);
  padded.set(audio);
  const x = new Float32Array(frames * 64);
  for (let t = 0; t < frames; t++) {
    const [embedding] = encoder.run(padded.subarray(t * FRAME, (t + 1) * FRAME));
    if (embedding.length !== 64) throw new Error(`encoder gave ${embedding.length} values, expected 64`);
    x.set(embedding, t * 64);
  }
  encoder.dispose();
  return { frames, x };
}

describe.skipIf(!available)('RVQ parity with quantizer.tflite', () => {
  let rvq: RvqCodebooks;
  let decoder: TfliteWebRunner;
  let encoder: TfliteWebRunner; // the model with `encode` moved to subgraph 0
  const signals = new Map<string, { frames: number; x: Float32Array }>();

  beforeAll(async () => {
    const bytes = new Uint8Array(readFileSync(quantizerPath));
    rvq = extractRvqCodebooks(readTFLite(bytes));
    decoder = await ReferenceRunner.create(bytes);
    encoder = await ReferenceRunner.create(swapSubgraphs(bytes));
    signals.set('speech', await referenceEmbeddings(readPcm16Wav(speechPath)));
    signals.set('noise', await referenceEmbeddings(gaussianNoise(100 * FRAME, 0.1, 20240917)));
  }, 120_000);

  /** Reference encode: [frames, Q] indices, -1 for the stages past `quantizers`. */
  function referenceEncode(x: Float32Array, frames: number, quantizers: number): Int32Array {
    const { numQuantizers: Q, dim } = rvq;
    const out = new Int32Array(frames * Q);
    for (let t = 0; t < frames; t++) {
      const outputs = encoder.run(new Int32Array([quantizers]), x.subarray(t * dim, (t + 1) * dim));
      // The other output is a constant: the bits per stage.
      const indices = outputs.find((o) => o.length === Q);
      if (!indices) throw new Error('reference encode gave no indices');
      out.set(indices, t * Q);
    }
    return out;
  }

  function referenceDecode(indices: Int32Array, frames: number): Float32Array {
    const { numQuantizers: Q, dim } = rvq;
    const out = new Float32Array(frames * dim);
    for (let t = 0; t < frames; t++) out.set(decoder.run(indices.subarray(t * Q, (t + 1) * Q))[0], t * dim);
    return out;
  }

  it('swaps the subgraphs and keeps each signature on its own subgraph', () => {
    const original = readTFLite(new Uint8Array(readFileSync(quantizerPath)));
    const swapped = readTFLite(swapSubgraphs(new Uint8Array(readFileSync(quantizerPath))));
    expect(swapped.subgraphs.map((s) => s.name)).toEqual([original.subgraphs[1].name, original.subgraphs[0].name]);
    expect(swapped.signatures).toEqual(original.signatures.map((s) => ({ ...s, subgraphIndex: 1 - s.subgraphIndex })));
    expect(swapped.subgraphs[0].operators.map((o) => o.op)).toEqual(original.subgraphs[1].operators.map((o) => o.op));
  });

  it('names the tensor or operator when the graph is not the expected one', () => {
    const bytes = new Uint8Array(readFileSync(quantizerPath));
    const quantized = readTFLite(bytes);
    const decodeGraph = quantized.subgraphs[quantized.signatures.find((s) => s.key === 'decode')!.subgraphIndex];
    const table = decodeGraph.tensors.find((t) => t.type === 'float32' && t.data && t.shape.length === 2)!;
    table.type = 'int8';
    expect(() => extractRvqCodebooks(quantized)).toThrow(`"${table.name}" is int8`);

    const reordered = readTFLite(bytes);
    const sg = reordered.subgraphs[reordered.signatures.find((s) => s.key === 'decode')!.subgraphIndex];
    const firstAdd = sg.operators.find((o) => o.op === 'ADD')!;
    const lastMul = sg.operators.filter((o) => o.op === 'MUL').at(-1)!;
    firstAdd.inputs[1] = lastMul.outputs[0];
    expect(() => extractRvqCodebooks(reordered)).toThrow(/expected stages summed in order/);

    const noEncode = readTFLite(bytes);
    noEncode.signatures = noEncode.signatures.filter((s) => s.key !== 'encode');
    expect(() => extractRvqCodebooks(noEncode)).toThrow(/no "encode" signature/);
  });

  it('finds 46 codebooks of 16 codewords of 64 dimensions', () => {
    expect([rvq.numQuantizers, rvq.codebookSize, rvq.dim]).toEqual([46, 16, 64]);
    expect(signals.get('speech')!.frames).toBe(173);
    for (const { x } of signals.values()) expect(x.some((v) => v !== 0)).toBe(true);
  });

  for (const signal of ['speech', 'noise']) {
    for (const quantizers of BITRATES) {
      describe(`${signal}, ${quantizers} quantizers`, () => {
        let reference: Int32Array; // [frames, Q]
        let ours: Int32Array; // [frames, quantizers]
        let frames = 0;

        beforeAll(() => {
          const { x, frames: n } = signals.get(signal)!;
          frames = n;
          reference = referenceEncode(x, frames, quantizers);
          ours = new Int32Array(frames * quantizers);
          rvqEncode(x, frames, rvq.dim, rvq.codebooks, rvq.codebookSize, quantizers, ours, new Float32Array(rvq.dim));
        });

        it('encodes to the reference indices', () => {
          const Q = rvq.numQuantizers;
          let same = 0;
          for (let t = 0; t < frames; t++) {
            for (let s = 0; s < quantizers; s++) if (ours[t * quantizers + s] === reference[t * Q + s]) same++;
            // The reference marks the stages it did not use with -1.
            for (let s = quantizers; s < Q; s++) expect(reference[t * Q + s]).toBe(-1);
          }
          const agreement = same / (frames * quantizers);
          expect(agreement).toBeGreaterThanOrEqual(0.999);
          expect(agreement, 'bit-exact: every index identical').toBe(1);
        });

        it('decodes the reference indices to the reference output', () => {
          const Q = rvq.numQuantizers;
          const wanted = referenceDecode(reference, frames);
          // Ours takes only the stages that were sent; the reference takes all Q with -1 padding.
          const sent = new Int32Array(frames * quantizers);
          for (let t = 0; t < frames; t++) sent.set(reference.subarray(t * Q, t * Q + quantizers), t * quantizers);
          const got = new Float32Array(frames * rvq.dim);
          rvqDecode(sent, frames, quantizers, rvq.codebooks, rvq.codebookSize, rvq.dim, got);

          let maxDiff = 0;
          let identical = 0;
          for (let i = 0; i < got.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(got[i] - wanted[i]));
            if (Object.is(got[i], wanted[i])) identical++;
          }
          expect(maxDiff).toBeLessThanOrEqual(1e-5);
          expect(identical, `bit-exact: max abs diff ${maxDiff}`).toBe(got.length);
        });
      });
    }
  }

  it('decodes -1 as an absent stage and other negative indices as codeword 0, like the reference', () => {
    const { numQuantizers: Q, codebookSize: K, dim } = rvq;
    let seed = 12345;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    const frames = 64;
    const indices = new Int32Array(frames * Q);
    for (let t = 0; t < frames; t++) {
      for (let s = 0; s < Q; s++) {
        const r = next() % 8;
        indices[t * Q + s] = t === 0 ? -1 : r === 0 ? -1 : r === 1 ? -2 - (next() % 5) : next() % K;
      }
    }
    const wanted = referenceDecode(indices, frames);
    const got = new Float32Array(frames * dim);
    rvqDecode(indices, frames, Q, rvq.codebooks, K, dim, got);
    for (let i = 0; i < got.length; i++)
      if (!Object.is(got[i], wanted[i])) expect.fail(`value ${i}: ${got[i]} vs reference ${wanted[i]}`);
  });

  it('picks codeword 0 when all distances tie (infinite input), like the reference', () => {
    const { numQuantizers: Q, codebookSize: K, dim } = rvq;
    const x = new Float32Array(dim).fill(1e30);
    const reference = referenceEncode(x, 1, Q);
    const ours = new Int32Array(Q);
    rvqEncode(x, 1, dim, rvq.codebooks, K, Q, ours, new Float32Array(dim));
    expect(Array.from(ours)).toEqual(Array.from(reference));
    expect(Array.from(ours)).toEqual(new Array(Q).fill(0));
  });
});

// Our encoder, decoder and whole chain against Google's reference runtime on the same Lyra v2
// files, frame by frame, on three signals.
import { beforeAll, describe, expect, it } from 'vitest';
import { Decoder } from '../../src/codec/decoder.js';
import { Encoder } from '../../src/codec/encoder.js';
import { Quantizer } from '../../src/codec/quantizer.js';
import type { Model } from '../../src/model/load.js';
import {
  agreement,
  DIM,
  FRAME,
  HAVE_SHARED,
  importedModel,
  indexAgreementPercent,
  lyraFiles,
  paritySignals,
  ReferenceLyra,
} from '../reference/lyra.js';

const ENCODER_OUTPUT_STEP = 0.26352; // the encoder output's int8 quantization step (manifest), rounded up

function frameByFrame(
  run: (x: Float32Array) => Float32Array,
  input: Float32Array,
  inSize: number,
  outSize: number,
): Float32Array {
  const frames = input.length / inSize;
  const out = new Float32Array(frames * outSize);
  for (let t = 0; t < frames; t++) out.set(run(input.subarray(t * inSize, (t + 1) * inSize)), t * outSize);
  return out;
}

describe.skipIf(!HAVE_SHARED)('parity with the reference runtime (Lyra v2)', () => {
  let model: Model;
  let reference: ReferenceLyra;
  const signals = HAVE_SHARED ? paritySignals() : [];
  const refEmbeddings = new Map<string, Float32Array>();

  beforeAll(async () => {
    const files = lyraFiles();
    model = await importedModel(files);
    reference = await ReferenceLyra.create(files);
    for (const s of signals) refEmbeddings.set(s.name, await reference.encode(s.samples));
  }, 120_000);

  for (const signal of signals) {
    describe(signal.name, () => {
      it('encoder (int8 mode): identical embeddings, never more than 2 quantization steps off', () => {
        const encoder = new Encoder(model);
        const ours = frameByFrame((x) => encoder.encodeFrame(x), signal.samples, FRAME, DIM);
        const a = agreement(ours, refEmbeddings.get(signal.name)!);
        expect(a.identicalPercent).toBeGreaterThanOrEqual(99); // the bar
        expect(a.maxAbsDiff).toBeLessThanOrEqual(2 * ENCODER_OUTPUT_STEP);
        expect(a.identicalPercent).toBe(100); // what we achieve: bit for bit
      });

      it('decoder fed the reference embeddings: SNR >= 50 dB (int8 mode), float mode measured', async () => {
        const embeddings = refEmbeddings.get(signal.name)!;
        const refAudio = await reference.decode(embeddings);
        const int8 = new Decoder(model);
        const exact = agreement(
          frameByFrame((e) => int8.decodeFrame(e), embeddings, DIM, FRAME),
          refAudio,
        );
        expect(exact.snrDb).toBeGreaterThanOrEqual(50);
        expect(exact.maxAbsDiff).toBe(0);
        const float = new Decoder(model, { mode: 'float' });
        const floatSnr = agreement(
          frameByFrame((e) => float.decodeFrame(e), embeddings, DIM, FRAME),
          refAudio,
        ).snrDb;
        // The all-float decoder is a different computation: it must still be the same model, roughly.
        expect(floatSnr).toBeGreaterThan(5);
        expect(floatSnr).toBeLessThan(50);
      });
    });
  }

  it('whole chain (audio -> indices -> audio) at 3.2 / 6 / 9.2 kbps agrees with the reference chain', async () => {
    const speech = signals[0].samples;
    const encoder = new Encoder(model);
    const quantizer = new Quantizer(model);
    const embeddings = frameByFrame((x) => encoder.encodeFrame(x), speech, FRAME, DIM);
    for (const n of [16, 30, 46]) {
      const refIndices = await reference.quantize(refEmbeddings.get(signals[0].name)!, n);
      const indices = quantizer.quantize(embeddings, n);
      expect(indexAgreementPercent(indices, refIndices, n)).toBeGreaterThanOrEqual(99.9);
      const refAudio = await reference.decode(await reference.dequantize(refIndices));
      const decoder = new Decoder(model);
      const audio = frameByFrame((e) => decoder.decodeFrame(e), quantizer.dequantize(indices, n), DIM, FRAME);
      expect(agreement(audio, refAudio).snrDb).toBeGreaterThanOrEqual(50);
    }
  }, 60_000);

  describe('streaming', () => {
    const chunkings = [1, 7, 1000];

    it('encoder: any chunking gives the same embeddings, and a prefix never changes', () => {
      const speech = signals[0].samples;
      const frames = speech.length / FRAME;
      const outputs = chunkings.map((chunk) => {
        const encoder = new Encoder(model);
        const out = new Float32Array(frames * DIM);
        for (let t = 0; t < frames; t += chunk) {
          const n = Math.min(chunk, frames - t);
          out.set(encoder.encode(speech.subarray(t * FRAME, (t + n) * FRAME)), t * DIM);
        }
        return out;
      });
      for (const o of outputs.slice(1)) expect(agreement(o, outputs[0]).maxAbsDiff).toBeLessThanOrEqual(1e-6);
      const prefix = new Encoder(model).encode(speech.subarray(0, 50 * FRAME));
      expect(agreement(prefix, outputs[0].subarray(0, 50 * DIM)).maxAbsDiff).toBe(0);
    });

    it('decoder: any chunking gives the same audio, and a prefix never changes', () => {
      const embeddings = refEmbeddings.get(signals[0].name)!;
      const frames = embeddings.length / DIM;
      const outputs = chunkings.map((chunk) => {
        const decoder = new Decoder(model);
        const out = new Float32Array(frames * FRAME);
        for (let t = 0; t < frames; t += chunk) {
          const n = Math.min(chunk, frames - t);
          out.set(decoder.decode(embeddings.subarray(t * DIM, (t + n) * DIM)), t * FRAME);
        }
        return out;
      });
      for (const o of outputs.slice(1)) expect(agreement(o, outputs[0]).maxAbsDiff).toBeLessThanOrEqual(1e-6);
      const prefix = new Decoder(model).decode(embeddings.subarray(0, 50 * DIM));
      expect(agreement(prefix, outputs[0].subarray(0, 50 * FRAME)).maxAbsDiff).toBe(0);
    });

    it('reset() returns to the initial state', () => {
      const encoder = new Encoder(model);
      const x = signals[0].samples.subarray(0, 10 * FRAME);
      const first = encoder.encode(x);
      encoder.reset();
      expect(Array.from(encoder.encode(x))).toEqual(Array.from(first));
    });
  });
});

// The other kernel styles (ComputeOptions.kernels: 'interpreter', what Hermes gets, 'jit-float32',
// what JavaScriptCore gets, and 'jit-float32-pairs', SpiderMonkey's) against the JIT kernels on the Lyra v2
// model: the same bits from encoder and decoder, in int8 and float mode, on speech, silence and a
// full-scale square wave, frame by frame and many frames per call; and the quantizer's indices,
// on those embeddings and on ones its interpreter kernel refuses.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../src/audio/wav.js';
import { Decoder } from '../src/codec/decoder.js';
import { Encoder } from '../src/codec/encoder.js';
import { Quantizer } from '../src/codec/quantizer.js';
import { type ComputeMode, ENGINE_KERNELS, type KernelStyle } from '../src/model/compute.js';
import type { Model } from '../src/model/load.js';
import { FRAME, HAVE_SHARED, importedModel, lyraFiles } from './reference/lyra.js';

const FRAMES = 24;

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

it('Node gets the JIT kernels by default', () => {
  expect(ENGINE_KERNELS).toBe('jit');
});

describe.skipIf(!HAVE_SHARED)('kernel styles', () => {
  let model: Model;
  let input: Float32Array;
  beforeAll(async () => {
    model = await importedModel(lyraFiles());
    const wav = decodeWav(
      new Uint8Array(readFileSync(new URL('../../shared/audio/sample1_16kHz.wav', import.meta.url))),
    );
    // Speech, then two frames of silence, then two of a full-scale square wave.
    input = new Float32Array(FRAMES * FRAME);
    input.set(wav.samples.subarray(8000, 8000 + (FRAMES - 4) * FRAME));
    for (let i = (FRAMES - 2) * FRAME; i < FRAMES * FRAME; i++) input[i] = i % 40 < 20 ? 1 : -1;
  });

  it('an option that is none of its choices is refused, naming it, not taken for the default', () => {
    expect(() => new Encoder(model, { kernels: 'jit-float64' as KernelStyle })).toThrow(/kernels must be one of/);
    expect(() => new Decoder(model, { mode: 'int16' as ComputeMode })).toThrow(/mode must be one of/);
    expect(() => new Decoder(model, { precision: 'approximate' as 'fast' })).toThrow(/precision must be one of/);
    expect(() => new Quantizer(model, { kernels: 'wasm' as KernelStyle })).toThrow(RangeError);
    expect(() => new Quantizer(model, { kernels: 'jit-float32-pairs' })).not.toThrow();
  });

  const cases: [KernelStyle, ComputeMode][] = [
    ['interpreter', 'int8'],
    ['interpreter', 'float'],
    ['jit-float32', 'int8'],
    ['jit-float32', 'float'],
    ['jit-float32-pairs', 'int8'],
    ['jit-float32-pairs', 'float'],
  ];
  it.each(cases)('%s kernels, %s mode: the same bits as the JIT kernels', (kernels, mode) => {
    const jitEmbeddings = new Encoder(model, { mode, kernels: 'jit' }).encode(input);
    const encoder = new Encoder(model, { mode, kernels });
    expect(bits(encoder.encode(input))).toEqual(bits(jitEmbeddings));
    encoder.reset();
    const dim = encoder.embeddingDim;
    for (let t = 0; t < FRAMES; t++) {
      const frame = encoder.encodeFrame(input.subarray(t * FRAME, (t + 1) * FRAME));
      expect(bits(frame)).toEqual(bits(jitEmbeddings.subarray(t * dim, (t + 1) * dim)));
    }

    const jitAudio = new Decoder(model, { mode, kernels: 'jit' }).decode(jitEmbeddings);
    const decoder = new Decoder(model, { mode, kernels });
    expect(bits(decoder.decode(jitEmbeddings))).toEqual(bits(jitAudio));
    decoder.reset();
    for (let t = 0; t < FRAMES; t++) {
      const frame = decoder.decodeFrame(jitEmbeddings.subarray(t * dim, (t + 1) * dim));
      expect(bits(frame)).toEqual(bits(jitAudio.subarray(t * FRAME, (t + 1) * FRAME)));
    }
  });

  it('the quantizer: the same indices, on every stage count and on embeddings the interpreter kernel refuses', () => {
    const embeddings = new Encoder(model, { kernels: 'jit' }).encode(input);
    const jit = new Quantizer(model, { kernels: 'jit' });
    const interpreter = new Quantizer(model, { kernels: 'interpreter' });
    for (let stages = 1; stages <= jit.numQuantizers; stages++)
      expect(Array.from(interpreter.quantize(embeddings, stages))).toEqual(
        Array.from(jit.quantize(embeddings, stages)),
      );
    // A value below 2^-40 (so the split kernel is not used), one above 2^48, and a NaN.
    for (const odd of [1e-13, 1e15, Number.NaN]) {
      const frame = embeddings.slice(0, jit.dim);
      frame[3] = odd;
      expect(Array.from(interpreter.quantize(frame, jit.numQuantizers))).toEqual(
        Array.from(jit.quantize(frame, jit.numQuantizers)),
      );
    }
  });
});

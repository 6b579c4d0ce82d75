// Fuzzes the model loader: mutated manifests and blobs of a tiny model that uses every op, then
// building every stage of the codec from what loaded and running it a frame, in both compute modes.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Decoder } from '../../src/codec/decoder.js';
import { Denoiser } from '../../src/codec/denoiser.js';
import { Encoder } from '../../src/codec/encoder.js';
import { Quantizer } from '../../src/codec/quantizer.js';
import { loadModelFromBytes, ModelError, type Model } from '../../src/model/load.js';
import { sha256Hex } from '../../src/util/sha256.js';
import { importLyraV2 } from '../../src/import/lyra-v2.js';
import { HAVE_SHARED, lyraFiles } from '../reference/lyra.js';
import { fuzz, FUZZ_TIMEOUT_MS, mutatedBytes, mutatedJson } from './harness.js';
import { tinyModel } from './tiny-model.js';

const { manifest, blob } = await tinyModel();
const text = JSON.stringify(manifest);

/** Builds and runs every stage the model has, as a user of the library would. */
function exercise(model: Model): string {
  const m = model.manifest;
  for (const mode of ['int8', 'float'] as const) {
    const encoder = new Encoder(model, { mode, precision: mode === 'float' ? 'fast' : 'exact' });
    const embedding = encoder.encodeFrame(new Float32Array(m.frameSize).map((_, i) => Math.sin(i)));
    const quantizer = new Quantizer(model);
    const stages = quantizer.numQuantizers;
    const decoded = quantizer.dequantize(quantizer.quantize(embedding, stages), stages);
    new Decoder(model, { mode }).decodeFrame(decoded);
  }
  if (m.bottleneck) new Denoiser(model).process(new Float32Array(m.embeddingDim), true);
  return 'ran';
}

type Case = { text: string; blob: Uint8Array; resign: boolean };

const cases: fc.Arbitrary<Case> = fc.oneof(
  mutatedJson(text).map((t) => ({ text: t, blob, resign: false })),
  mutatedBytes([new TextEncoder().encode(text)]).map((b) => ({
    text: new TextDecoder().decode(b),
    blob,
    resign: false,
  })),
  // A blob changed and its checksum updated to match, as a careless or hostile tool would.
  mutatedBytes([blob]).map((b) => ({ text, blob: b, resign: true })),
);

async function load(c: Case): Promise<Model> {
  if (!c.resign) return loadModelFromBytes(c.text, c.blob);
  const m = JSON.parse(c.text);
  m.blob.sha256 = await sha256Hex(c.blob);
  m.blob.byteLength = c.blob.length;
  return loadModelFromBytes(JSON.stringify(m), c.blob);
}

describe('model loader fuzz', () => {
  it('the tiny model loads and runs unmutated', async () => {
    expect(exercise(await loadModelFromBytes(text, blob))).toBe('ran');
  });

  it(
    'mutated manifests and blobs give ModelError or a model that runs',
    async () => {
      const report = await fuzz({
        name: 'model loader',
        ciRuns: 3000,
        seed: 1201,
        input: cases,
        errors: [ModelError],
        run: async (c) => exercise(await load(c)),
      });
      expect(report.outcomes.ran).toBeGreaterThan(0);
      expect(report.outcomes.ModelError).toBeGreaterThan(0);
    },
    FUZZ_TIMEOUT_MS,
  );

  it.skipIf(!HAVE_SHARED)(
    'mutated Lyra v2 manifests give ModelError or a model that runs',
    async () => {
      const lyra = await importLyraV2(lyraFiles());
      // JIT warm-up outside the timed cases: the 2 s limit is for the input's cost, not the engine's start.
      exercise(await loadModelFromBytes(JSON.stringify(lyra.manifest), lyra.blob));
      const report = await fuzz({
        name: 'model loader (Lyra v2)',
        ciRuns: 150,
        seed: 1202,
        errors: [ModelError],
        input: mutatedJson(JSON.stringify(lyra.manifest)),
        run: async (t) => exercise(await loadModelFromBytes(t, lyra.blob)),
      });
      expect(report.outcomes.ModelError).toBeGreaterThan(0);
    },
    FUZZ_TIMEOUT_MS,
  );
});

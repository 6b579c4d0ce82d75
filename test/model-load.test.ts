// Bad weights must fail loudly, naming the file, field or tensor; good ones load zero-copy.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Encoder } from '../src/codec/encoder.js';
import { readTFLite, TFLiteFormatError } from '../src/import/tflite.js';
import { ImportError } from '../src/import/errors.js';
import { mapStreamingGraph } from '../src/import/map-graph.js';
import { WeightError } from '../src/layers/weights.js';
import { loadModelFromBytes, ModelError } from '../src/model/load.js';
import { loadModel } from '../src/node/load-model.js';
import type { Manifest } from '../src/model/manifest.js';
import { HAVE_SHARED, lyraFiles } from './reference/lyra.js';
import { importLyraV2 } from '../src/import/lyra-v2.js';

describe.skipIf(!HAVE_SHARED)('model loading and import errors', () => {
  let manifest: Manifest;
  let blob: Uint8Array;
  const text = (m: Manifest) => JSON.stringify(m);
  const edit = (f: (m: Manifest) => void) => {
    const m = structuredClone(manifest);
    f(m);
    return m;
  };

  beforeAll(async () => {
    ({ manifest, blob } = await importLyraV2(lyraFiles()));
  }, 60_000);

  it('loads the imported model and its tensors as views of the blob', async () => {
    const model = await loadModelFromBytes(text(manifest), blob);
    const name = manifest.tensors[0].name;
    expect(model.weights.f32(name).buffer).toBe(model.blob.buffer);
  });

  it('rejects a tampered blob, naming the sha256', async () => {
    const tampered = blob.slice();
    tampered[1000] ^= 1;
    await expect(loadModelFromBytes(text(manifest), tampered)).rejects.toThrow(/sha256 .* \(tampered or corrupt weights\)/);
  });

  it('rejects a truncated blob', async () => {
    await expect(loadModelFromBytes(text(manifest), blob.subarray(0, blob.length - 4))).rejects.toThrow(/truncated or replaced/);
  });

  it('rejects a manifest that is not JSON, of another format or version', async () => {
    await expect(loadModelFromBytes('{"format":', blob)).rejects.toThrow(ModelError);
    await expect(loadModelFromBytes(text(edit((m) => { (m as { format: string }).format = 'x'; })), blob)).rejects.toThrow(/"format"/);
    await expect(loadModelFromBytes(text(edit((m) => { m.version = 99; })), blob)).rejects.toThrow(/"version" is 99/);
  });

  it('rejects a tensor whose shape does not match its bytes, or that lies outside the blob', async () => {
    const t = manifest.tensors[3];
    await expect(loadModelFromBytes(text(edit((m) => { m.tensors[3].shape = [...t.shape, 2]; })), blob))
      .rejects.toThrow(new RegExp(`tensors\\[3\\] \\(${t.name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\)\\.byteLength`));
    await expect(loadModelFromBytes(text(edit((m) => { m.tensors[3].offset = blob.length; })), blob)).rejects.toThrow(/offset/);
    await expect(loadModelFromBytes(text(edit((m) => { m.tensors[3].offset += 2; })), blob)).rejects.toThrow(/4-byte aligned/);
    await expect(loadModelFromBytes(text(edit((m) => { (m.tensors[3] as { dtype: string }).dtype = 'f16'; })), blob)).rejects.toThrow(/dtype/);
  });

  it('names a tensor the graph needs but the manifest lacks, and a node reading an unknown activation', async () => {
    const missing = edit((m) => { m.tensors = m.tensors.filter((t) => t.name !== m.encoder!.nodes.find((n) => n.op === 'conv1d')!.weight); });
    const model = await loadModelFromBytes(text(missing), blob);
    expect(() => new Encoder(model)).toThrow(WeightError);
    expect(() => new Encoder(model)).toThrow(/tensor ".*" is referenced by the graph but missing/);
    const dangling = await loadModelFromBytes(text(edit((m) => { (m.encoder!.nodes[2] as { input: string }).input = 'nowhere'; })), blob);
    expect(() => new Encoder(dangling)).toThrow(/reads "nowhere" before anything writes it/);
  });

  it('names a missing model folder, and reports other read failures as themselves', async () => {
    await expect(loadModel('/nonexistent/weights')).rejects.toThrow(/no model at \/nonexistent\/weights \(manifest.json missing\)/);
    // A folder where manifest.json should be: the file system's own error, not "no model".
    const dir = mkdtempSync(join(tmpdir(), 'soundstream-load-'));
    try {
      mkdirSync(join(dir, 'manifest.json'));
      const err: unknown = await loadModel(dir).catch((e: unknown) => e);
      expect(err).not.toBeInstanceOf(ModelError);
      expect(err).toMatchObject({ code: 'EISDIR' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a truncated or foreign .tflite file, and names an op the importer does not know', () => {
    const { encoder } = lyraFiles();
    expect(() => readTFLite(encoder.subarray(0, 100))).toThrow(TFLiteFormatError);
    expect(() => readTFLite(new TextEncoder().encode('RIFF....WAVEfmt '))).toThrow(/file identifier/);
    const model = readTFLite(encoder);
    const leaky = model.subgraphs[0].operators.find((o) => o.op === 'LEAKY_RELU')!;
    leaky.op = 'HARD_SWISH';
    expect(() => mapStreamingGraph(model, 'encoder')).toThrow(ImportError);
    expect(() => mapStreamingGraph(model, 'encoder')).toThrow(new RegExp(`HARD_SWISH #${leaky.index} .*not supported`));
  });
});

// The denoising bottleneck we trained (weights/lyra-v2-denoise, committed) loads through the same
// graph code as Lyra and reproduces PyTorch on golden vectors, for both flag settings.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { Denoiser } from '../src/codec/denoiser.js';
import { createEncoder } from '../src/codec/stream.js';
import { type Model, ModelError } from '../src/model/load.js';
import { loadModel } from '../src/node/load-model.js';
import { agreement, FRAME, HAVE_SHARED, importedModel, lyraFiles, paritySignals } from './reference/lyra.js';

const weights = fileURLToPath(new URL('../weights/lyra-v2-denoise', import.meta.url));
const golden = JSON.parse(readFileSync(new URL('./fixtures/denoise-golden.json', import.meta.url), 'utf8')) as {
  frames: number;
  dim: number;
  flag: number[];
  input: number[];
  output: number[];
};

describe('denoising bottleneck', () => {
  let model: Model;
  beforeAll(async () => {
    model = await loadModel(weights);
  });

  it('matches PyTorch on the golden vectors, flag switching on and off (SNR >= 50 dB)', () => {
    const denoiser = new Denoiser(model);
    const out = denoiser.process(Float32Array.from(golden.input), Float32Array.from(golden.flag));
    const byFlag = (flag: number) => {
      const ours: number[] = [];
      const ref: number[] = [];
      golden.flag.forEach((f, t) => {
        if (f !== flag) return;
        ours.push(...out.subarray(t * golden.dim, (t + 1) * golden.dim));
        ref.push(...golden.output.slice(t * golden.dim, (t + 1) * golden.dim));
      });
      return agreement(ours, ref).snrDb;
    };
    expect(byFlag(0)).toBeGreaterThanOrEqual(50);
    expect(byFlag(1)).toBeGreaterThanOrEqual(50);
  });

  it('frame by frame equals all frames at once', () => {
    const input = Float32Array.from(golden.input);
    const whole = new Denoiser(model).process(input, Float32Array.from(golden.flag));
    const streaming = new Denoiser(model);
    for (let t = 0; t < golden.frames; t++) {
      const frame = streaming.process(input.subarray(t * golden.dim, (t + 1) * golden.dim), golden.flag[t] === 1);
      expect(Array.from(frame)).toEqual(Array.from(whole.subarray(t * golden.dim, (t + 1) * golden.dim)));
    }
  });

  it('with the flag off it stays close to the identity, with it on it changes the embeddings', () => {
    const input = Float32Array.from(golden.input);
    const off = new Denoiser(model).process(input, false);
    const on = new Denoiser(model).process(input, true);
    expect(agreement(off, input).snrDb).toBeGreaterThan(15);
    expect(agreement(on, input).snrDb).toBeLessThan(agreement(off, input).snrDb);
  });

  it('stays within its compute budget: at most 5 M multiply-accumulates per second of audio', () => {
    let macs = 0;
    for (const node of model.manifest.bottleneck!.nodes) {
      if (node.op === 'conv1d') macs += (node.outChannels * node.kernel * node.inChannels) / node.groups;
      if (node.op === 'film') macs += node.channels * (2 * node.conditionDim + 1);
    }
    expect(macs * 50).toBeLessThanOrEqual(5e6);
  });

  it('refuses a codec model it was not trained against, and a model without a bottleneck', async () => {
    const other = structuredClone(model.manifest);
    other.expects = { model: 'lyra-v2', encoderSha256: '0'.repeat(64) };
    const fake = { ...model, manifest: other };
    const codec = {
      ...model,
      manifest: { ...model.manifest, provenance: { sha256: { 'soundstream_encoder.tflite': 'f'.repeat(64) } } },
    };
    expect(() => Denoiser.checkCompatible(fake, codec)).toThrow(/trained on lyra-v2/);
    const plain = { ...model, manifest: { ...model.manifest, bottleneck: undefined } };
    expect(() => new Denoiser(plain)).toThrow(ModelError);
  });

  it.skipIf(!HAVE_SHARED || !existsSync(weights))(
    'is compatible with the Lyra v2 weights imported from ../shared',
    async () => {
      const lyra = await importedModel(lyraFiles());
      expect(() => Denoiser.checkCompatible(model, lyra)).not.toThrow();
    },
  );

  it.skipIf(!HAVE_SHARED)('streaming encoder: setDenoise switches between frames, and needs a denoiser', async () => {
    const lyra = await importedModel(lyraFiles());
    const speech = paritySignals()[0].samples.subarray(0, 40 * FRAME);
    const packetsWith = (switchAt: number | null) => {
      const encoder = createEncoder({ model: lyra, denoiser: model, bitrate: 9200 });
      const packets = [...encoder.encode(speech.subarray(0, 20 * FRAME))];
      if (switchAt !== null) encoder.setDenoise(true);
      expect(encoder.denoise).toBe(switchAt !== null);
      packets.push(...encoder.encode(speech.subarray(20 * FRAME)));
      return packets.map((p) => Array.from(p).join(','));
    };
    const off = packetsWith(null);
    const switched = packetsWith(20);
    expect(switched.slice(0, 20)).toEqual(off.slice(0, 20));
    expect(switched.slice(20)).not.toEqual(off.slice(20));
    expect(() => createEncoder({ model: lyra }).setDenoise(true)).toThrow(/needs a denoiser/);
  });
});

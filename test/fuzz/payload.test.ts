// Fuzzes the SoundStream payload parser, and the stream decoder that reads payloads: mutated
// payloads parse to a payload that serialises back to the same bytes, or throw PayloadFormatError;
// the decoder gives one frame of audio (speech, concealment or comfort noise) or one of its
// documented errors.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeSidBody, SID_ORDER, SidFormatError } from '../../src/codec/comfort-noise.js';
import { parsePayload, PayloadFormatError, serializePayload, speechPayload } from '../../src/codec/payload.js';
import { createDecoder } from '../../src/codec/stream.js';
import { loadModelFromBytes } from '../../src/model/load.js';
import { mulberry32 } from '../../src/util/prng.js';
import { fuzz, FUZZ_TIMEOUT_MS, mutatedBytes } from './harness.js';
import { tinyModel } from './tiny-model.js';

const random = mulberry32(2101);
const indices = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16));
const seeds = [
  speechPayload(indices(16)),
  speechPayload(indices(3)),
  speechPayload(indices(1)),
  speechPayload(indices(46)),
  speechPayload(indices(30), indices(16)),
  speechPayload(indices(2), indices(3)),
  serializePayload({ kind: 'comfort-noise', sidBody: Uint8Array.from(indices(12)) }),
];

describe('SoundStream payload fuzz', () => {
  it(
    'mutated payloads: a payload that serialises back to the same bytes, or a PayloadFormatError',
    async () => {
      const report = await fuzz({
        name: 'parsePayload',
        ciRuns: 5000,
        seed: 2101,
        input: mutatedBytes(seeds, 3),
        errors: [PayloadFormatError],
        run: (bytes) => {
          const payload = parsePayload(bytes);
          expect(serializePayload(payload)).toEqual(bytes);
          return payload.kind === 'speech' && payload.redundancy ? 'speech + redundancy' : payload.kind;
        },
      });
      expect(report.outcomes.PayloadFormatError).toBeGreaterThan(0);
      expect(report.outcomes.speech).toBeGreaterThan(0);
      expect(report.outcomes['speech + redundancy']).toBeGreaterThan(0);
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'a payload decoder: one frame of audio, a PayloadFormatError or SidFormatError, or a RangeError for counts the model lacks',
    async () => {
      const { manifest, blob } = await tinyModel();
      const model = await loadModelFromBytes(JSON.stringify(manifest), blob);
      const decoder = createDecoder({ model, packetFormat: 'soundstream' });
      const sid = serializePayload({
        kind: 'comfort-noise',
        sidBody: encodeSidBody({ levelDb: -40, reflection: new Float64Array(SID_ORDER).fill(0.3) }),
      });
      const small = [speechPayload([1, 2]), speechPayload([3], [4, 5, 6]), speechPayload([7, 8, 9], [1]), sid];
      const report = await fuzz({
        name: 'payload decoding',
        ciRuns: 2000,
        seed: 2102,
        input: fc.tuple(fc.option(mutatedBytes(small, 2)), fc.option(mutatedBytes(small, 2))),
        errors: [PayloadFormatError, SidFormatError],
        run: ([packet, next]) => {
          const before = decoder.recoveredFrames;
          const comfortBefore = decoder.comfortNoiseFrames;
          try {
            const audio = decoder.decode(packet, next);
            if (audio.length !== decoder.frameSize) throw new Error(`decoded ${audio.length} samples, not one frame`);
            if (!audio.every(Number.isFinite)) throw new Error('a sample that is not finite');
          } catch (err) {
            if (err instanceof RangeError && /^number of quantizers must be 1\.\.3/.test(err.message))
              return 'RangeError';
            throw err;
          }
          if (decoder.comfortNoiseFrames > comfortBefore) return 'comfort noise';
          return packet === null ? (decoder.recoveredFrames > before ? 'recovered' : 'concealed') : 'decoded';
        },
      });
      expect(report.outcomes.decoded).toBeGreaterThan(0);
      expect(report.outcomes.recovered).toBeGreaterThan(0);
      expect(report.outcomes.concealed).toBeGreaterThan(0);
      expect(report.outcomes['comfort noise']).toBeGreaterThan(0);
      expect(report.outcomes.SidFormatError).toBeGreaterThan(0);
    },
    FUZZ_TIMEOUT_MS,
  );
});

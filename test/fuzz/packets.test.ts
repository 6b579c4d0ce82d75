// Fuzzes packet decoding: any value handed to a stream decoder's decode() is a packet it decodes,
// null (a lost packet), a RangeError naming the allowed lengths, or a TypeError saying what was given.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createDecoder } from '../../src/codec/stream.js';
import { loadModelFromBytes } from '../../src/model/load.js';
import { fuzz, FUZZ_TIMEOUT_MS } from './harness.js';
import { tinyModel } from './tiny-model.js';

const { manifest, blob } = await tinyModel();
const model = await loadModelFromBytes(JSON.stringify(manifest), blob);

const values: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 40 }) },
  fc.constant(null),
  fc.constant(undefined),
  fc.string({ maxLength: 30 }),
  fc.array(fc.integer({ min: -300, max: 300 }), { maxLength: 30 }),
  fc.uint8Array({ maxLength: 30 }).map((b) => b.buffer),
  fc.uint8Array({ maxLength: 30 }).map((b) => new DataView(b.buffer)),
  fc.int8Array({ maxLength: 30 }),
  fc.float32Array({ maxLength: 8 }),
  fc.nat({ max: 100 }).map((length) => ({ length })),
  fc.double(),
  fc.boolean(),
  fc.object({ maxDepth: 1 }),
);

describe('packet decoding fuzz', () => {
  it(
    'decode() of any value: audio, a RangeError for a wrong length, or a TypeError naming what was given',
    async () => {
      const decoder = createDecoder({ model });
      const report = await fuzz({
        name: 'packet decoding',
        ciRuns: 5000,
        seed: 1205,
        input: values,
        errors: [],
        run: (packet) => {
          try {
            const audio = decoder.decode(packet as Uint8Array | null);
            if (audio.length !== decoder.frameSize) throw new Error(`decoded ${audio.length} samples, not one frame`);
            return packet == null ? 'concealed' : 'decoded';
          } catch (err) {
            const isBytes = packet instanceof Uint8Array;
            if (isBytes && err instanceof RangeError && /^packet has \d+ bytes; allowed lengths/.test(err.message))
              return 'RangeError';
            if (
              !isBytes &&
              err instanceof TypeError &&
              /^decode\(packet\).*expected a Uint8Array packet, got /.test(err.message)
            )
              return 'TypeError';
            throw err;
          }
        },
      });
      expect(report.outcomes.decoded).toBeGreaterThan(0);
      expect(report.outcomes.TypeError).toBeGreaterThan(0);
    },
    FUZZ_TIMEOUT_MS,
  );

  it.each([
    ['a string', 'abcdefgh', /got a string of 8 characters/],
    ['a plain array', [1, 2, 3], /got an array of 3 elements/],
    ['an ArrayBuffer', new ArrayBuffer(2), /got an ArrayBuffer of 2 bytes/],
    ['a DataView', new DataView(new ArrayBuffer(2)), /got a DataView/],
    ['an Int8Array', new Int8Array(2), /got an Int8Array/],
    ['{length: 23}', { length: 23 }, /got an object \{length: 23\}/],
    ['a number', 5, /got number 5/],
    // Fuzz seed 1205 case 13495: describing the value threw its own TypeError.
    [
      'an object whose field cannot become a string',
      { length: Object.create(null) },
      /got an object \{length: object\}/,
    ],
  ])('decode() of %s is a TypeError that says so', (_, value, message) => {
    const decoder = createDecoder({ model });
    expect(() => decoder.decode(value as Uint8Array)).toThrow(TypeError);
    expect(() => decoder.decode(value as Uint8Array)).toThrow(message);
  });
});

// Fuzzes the WAV reader, and what its output becomes when resampled to the model's 16 kHz: a WavFormatError or audio, never more than the documented multiple of the input.
import { describe, expect, it } from 'vitest';
import { decodeWav, describeWav, encodeWav, WavFormatError } from '../../src/audio/wav.js';
import { checkBounded, fuzz, FUZZ_TIMEOUT_MS, mutatedBytes } from './harness.js';

const tone = Float32Array.from({ length: 400 }, (_, i) => 0.5 * Math.sin(i / 5));
const seeds = [
  encodeWav(tone, 16000),
  encodeWav(tone, 48000, { bitsPerSample: 32 }),
  encodeWav(tone, 8000, { float: true }),
];

describe('WAV reader fuzz', () => {
  it(
    'mutated WAV files: audio within bounds, or a WavFormatError',
    async () => {
      const report = await fuzz({
        name: 'WAV reader',
        ciRuns: 4000,
        seed: 1207,
        input: mutatedBytes(seeds, 6),
        errors: [WavFormatError],
        run: (bytes) => {
          const described = describeWav(bytes);
          const wav = decodeWav(bytes);
          expect(wav.frames).toBe(described.frames);
          checkBounded('WAV samples', wav.samples.length, bytes.length, 1);
          // What resample() will make of it at the model's rate (its length is documented; running it
          // here would time the filter design for odd rate pairs, not the reader).
          checkBounded(
            '16 kHz samples from the WAV',
            Math.round((wav.samples.length * 16000) / wav.sampleRate),
            bytes.length,
            16,
            16,
          );
          return 'decoded';
        },
      });
      expect(report.outcomes.decoded).toBeGreaterThan(0);
      expect(report.outcomes.WavFormatError).toBeGreaterThan(0);
    },
    FUZZ_TIMEOUT_MS,
  );
});

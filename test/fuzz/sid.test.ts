// Fuzzes the SID body parser (src/codec/comfort-noise.ts): any bytes are a background description
// (a level in 0..-127 dB, coefficients inside the unit interval, re-encoding to the same bytes) or
// a SidFormatError; and comfort noise from any valid body stays finite and bounded.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ComfortNoise,
  encodeSidBody,
  parseSidBody,
  SID_BODY_BYTES,
  SidFormatError,
} from '../../src/codec/comfort-noise.js';
import { fuzz, FUZZ_TIMEOUT_MS } from './harness.js';

const valid = fc.uint8Array({ minLength: SID_BODY_BYTES, maxLength: SID_BODY_BYTES }).map((b) => {
  b[0] &= 0x7f;
  for (let i = 1; i < b.length; i++) b[i] ||= 128;
  return b;
});

describe('SID body fuzz', () => {
  it(
    'any bytes: a description that re-encodes to the same bytes and plays as bounded noise, or a SidFormatError',
    async () => {
      const report = await fuzz({
        name: 'SID body',
        ciRuns: 3000,
        seed: 2027,
        errors: [SidFormatError],
        input: fc.oneof({ weight: 3, arbitrary: valid }, fc.uint8Array({ maxLength: 24 })),
        run: (bytes) => {
          const description = parseSidBody(bytes);
          if (!(description.levelDb <= 0 && description.levelDb >= -127))
            throw new Error(`level ${description.levelDb}`);
          for (const k of description.reflection) if (!(Math.abs(k) < 1)) throw new Error(`coefficient ${k}`);
          const again = encodeSidBody(description);
          if (again.some((v, i) => v !== bytes[i])) throw new Error('does not re-encode to the same bytes');
          const cn = new ComfortNoise();
          cn.update(description);
          const out = new Float32Array(320);
          for (let t = 0; t < 10; t++) cn.generate(out);
          // Excitation within +-sqrt(3) x the level: a stable filter keeps the output finite, and its gain is bounded.
          for (const v of out) if (!Number.isFinite(v) || Math.abs(v) > 1e4) throw new Error(`sample ${v}`);
          return 'parsed';
        },
      });
      expect(report.outcomes.parsed).toBeGreaterThan(0);
      expect(report.outcomes.SidFormatError).toBeGreaterThan(0);
    },
    FUZZ_TIMEOUT_MS,
  );
});

// Fuzzes the .sst readers: mutated version 1, 2 and 3 files through decodeSst and through
// SstStreamParser cut into random chunks; both must agree, throw only SstFormatError (for the
// header), and yield at most one frame per 4 bytes of input (versions 1, 2) or two per byte
// (version 3) plus the 250-frame gap allowance.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { packIndices } from '../../src/codec/lyra-packet.js';
import {
  decodeSst,
  encodeSst,
  SST_MAX_GAP_FRAMES,
  SstFormatError,
  SstStreamParser,
  type SstFrame,
  type SstFrameInput,
  type SstHeader,
} from '../../src/codec/sst.js';
import { mulberry32 } from '../../src/util/prng.js';
import { checkBounded, fuzz, FUZZ_TIMEOUT_MS, mutatedBytes } from './harness.js';

const random = mulberry32(1206);
const header = (version: number): SstHeader => ({
  version,
  modelId: 'lyra-v2',
  modelSha256Prefix: new Uint8Array(8).fill(7),
  sampleRate: 16000,
  frameSize: 320,
  bitsPerIndex: 4,
  inputSampleRate: 48000,
  frameCount: null,
});
const packets = Array.from({ length: 30 }, (_, i) => {
  const n = i % 7 === 3 ? 0 : [16, 30, 46][i % 3];
  return { numQuantizers: n, packet: packIndices(Array.from({ length: n }, () => Math.floor(random() * 16))) };
});
const seeds = [encodeSst(header(1), packets), encodeSst(header(2), packets), encodeSst(header(2), packets.slice(0, 3))];
// Version 3: uniform pages, redundancy, and mixed pages with every kind, in small pages so that
// mutations hit page heads, maps and bodies alike.
const copies = packets.map((p) => ({ numQuantizers: 5, packet: p.packet.subarray(0, 3) }));
const kinds = packets.map((p, i): SstFrameInput => {
  if (i % 11 === 5) return { notSent: true };
  if (i % 11 === 7) return { comfortNoise: p.packet.slice(0, i % 5) };
  return i % 4 === 1 && p.numQuantizers > 0 ? { ...p, redundancy: copies[i] } : p;
});
const uniform = Array.from({ length: 40 }, (_, i) => ({ numQuantizers: 3, packet: packIndices([i % 16, 1, 2]) }));
const seedsV3 = [
  encodeSst(header(3), kinds, { framesPerPage: 6 }),
  encodeSst(header(3), uniform, { framesPerPage: 10 }),
  encodeSst(header(3), kinds.slice(0, 4)),
];

function streamed(bytes: Uint8Array, cuts: number[]): { frames: SstFrame[]; problems: string[] } {
  const parser = new SstStreamParser();
  const frames: SstFrame[] = [];
  let at = 0;
  for (const cut of cuts) {
    frames.push(...parser.push(bytes.subarray(at, at + cut)));
    at += cut;
  }
  frames.push(...parser.push(bytes.subarray(at)));
  const rest = parser.end();
  return { frames: [...frames, ...rest.frames], problems: rest.problems };
}

const cases = [
  { version: 'versions 1 and 2', seeds, seed: 1206, framesPerByte: 1 / 4 },
  // A page slot takes at least one byte (a map entry, or one packed index), and gaps are filled
  // for at most as many frames as were read, plus 250.
  { version: 'version 3', seeds: seedsV3, seed: 1207, framesPerByte: 2 },
];

describe('.sst reader fuzz', () => {
  it.each(cases)(
    '$version, mutated files: frames and problems, or an SstFormatError; streaming agrees; output bounded',
    async ({ seeds, seed, framesPerByte }) => {
      const input = fc.tuple(mutatedBytes(seeds, 6), fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 12 }));
      const report = await fuzz({
        name: '.sst reader and SstStreamParser',
        ciRuns: 4000,
        seed,
        input,
        errors: [SstFormatError],
        run: ([bytes, cuts]) => {
          let whole: ReturnType<typeof decodeSst> | null = null;
          let error: unknown = null;
          try {
            whole = decodeSst(bytes);
          } catch (err) {
            error = err;
          }
          let piecewise: ReturnType<typeof streamed> | null = null;
          try {
            piecewise = streamed(bytes, cuts);
          } catch (err) {
            if (!(err instanceof SstFormatError) || !(error instanceof SstFormatError) || err.message !== error.message)
              throw err;
          }
          if (error) throw error;
          if (!piecewise) throw new Error('decodeSst read a file SstStreamParser refused');
          expect(piecewise).toEqual({ frames: whole!.frames, problems: whole!.problems });
          whole!.frames.forEach((f, i) => {
            if (f.index !== i) throw new Error(`frame ${i} has index ${f.index}`);
          });
          checkBounded('.sst frames', whole!.frames.length, bytes.length, framesPerByte, SST_MAX_GAP_FRAMES);
          return whole!.problems.length === 0 ? 'clean' : 'damage reported';
        },
      });
      expect(report.outcomes['damage reported']).toBeGreaterThan(0);
      expect(report.outcomes.SstFormatError).toBeGreaterThan(0);
    },
    FUZZ_TIMEOUT_MS,
  );
});

// .sst version 3 (pages of frames; docs/sst-format.md): the worked example, overhead, every frame
// kind, and damage that costs only the page it hits.
import { describe, expect, it } from 'vitest';
import { packIndices, packetBytes } from '../src/codec/lyra-packet.js';
import {
  decodeSst,
  encodeSst,
  SST_VERSION,
  SstStreamParser,
  SstWriter,
  writeSstPage,
  type SstFrame,
  type SstFrameInput,
  type SstHeader,
} from '../src/codec/sst.js';
import { bytesToHex } from '../src/util/hex.js';
import { mulberry32 } from '../src/util/prng.js';

const HEADER: SstHeader = {
  modelId: 'lyra-v2',
  modelSha256Prefix: Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 0x01, 0x23, 0x45, 0x67),
  sampleRate: 16000,
  frameSize: 320,
  bitsPerIndex: 4,
  inputSampleRate: 48000,
  frameCount: null,
};
const HEADER_LEN = 40;

function speech(count: number, n: number, seed = 1): { numQuantizers: number; packet: Uint8Array }[] {
  const r = mulberry32(seed);
  return Array.from({ length: count }, () => ({
    numQuantizers: n,
    packet: packIndices(Array.from({ length: n }, () => Math.floor(r() * 16))),
  }));
}

/** The frames a reader gives for `inputs` written intact, slot by slot. */
function expected(inputs: SstFrameInput[], from = 0): SstFrame[] {
  return inputs.map((f, i) => {
    const index = from + i;
    if ('numQuantizers' in f && f.numQuantizers === 0) return { index, lost: true, reason: 'marked lost by encoder' };
    return { index, ...f } as SstFrame;
  });
}

describe('.sst version 3', () => {
  it('is written by default; the worked example', () => {
    expect(SST_VERSION).toBe(3);
    const frames = [
      { numQuantizers: 16, packet: packIndices([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0]) },
      { numQuantizers: 16, packet: packIndices(new Array(16).fill(0)) },
    ];
    const bytes = encodeSst(HEADER, frames);
    expect(bytes[4]).toBe(3);
    // The page of docs/sst-format.md: sync, first slot 0, 2 slots, uniform 16 quantizers, bodies, CRC.
    expect(bytesToHex(bytes.subarray(HEADER_LEN))).toBe(
      '5370000000000210123456789abcdef00000000000000000'.concat(bytesToHex(bytes.subarray(bytes.length - 4))),
    );
    expect(bytesToHex(bytes)).toBe(
      '5353546d03076c7972612d7632deadbeef01234567803e0000400104' +
        '80bb000002000000' +
        bytesToHex(bytes.subarray(36, 40)) +
        '5370000000000210123456789abcdef00000000000000000' +
        bytesToHex(bytes.subarray(bytes.length - 4)),
    );
    expect(bytesToHex(bytes.subarray(36, 40))).toBe('483699d5'); // cross-checked with Python's zlib.crc32;
    expect(bytesToHex(bytes.subarray(bytes.length - 4))).toBe('4e8d85aa'); // zlib.crc32 too;
    const read = decodeSst(bytes);
    expect(read.frames).toEqual(expected(frames));
    expect(read.problems).toEqual([]);
  });

  it('costs 12 bytes per page of 50 frames: under 10% at 3.2 kbps, and one page per second', () => {
    for (const [n, frames] of [
      [16, 173],
      [16, 3000],
      [30, 3000],
      [46, 3000],
      [1, 3000],
    ]) {
      const inputs = speech(frames, n);
      const bytes = encodeSst(HEADER, inputs);
      const packets = frames * packetBytes(n);
      expect(bytes.length).toBe(HEADER_LEN + packets + 12 * Math.ceil(frames / 50));
    }
    // The demo's 3.4 s at 3.2 kbps: 1384 bytes of packets in a 1472-byte file (6.4%).
    expect(encodeSst(HEADER, speech(173, 16)).length).toBe(1472);
  });

  it('carries every frame kind, a uniform page without a map and a mixed page with one', () => {
    const r = speech(6, 30, 3);
    const copy = speech(6, 16, 4);
    const inputs: SstFrameInput[] = [
      r[0],
      { ...r[1], redundancy: copy[0] },
      { ...r[2], redundancy: copy[1] },
      { notSent: true },
      { notSent: true },
      { comfortNoise: Uint8Array.of(1, 2, 3) },
      { notSent: true },
      { numQuantizers: 0, packet: new Uint8Array(0) },
      speech(1, 1, 5)[0],
      speech(1, 45, 6)[0],
      { comfortNoise: new Uint8Array(0) },
    ];
    const bytes = encodeSst(HEADER, inputs, { framesPerPage: 4 });
    const read = decodeSst(bytes);
    expect(read.problems).toEqual([]);
    expect(read.frames).toEqual(expected(inputs));
    // Redundancy throughout a page keeps it uniform: a flag on the layout byte, no map.
    const uniform = writeSstPage(7, [inputs[1], inputs[2]] as SstFrameInput[]);
    expect(uniform[7]).toBe(0x80 | 30);
    expect(uniform.length).toBe(12 + 2 * (15 + 1 + 8));
    const mixed = writeSstPage(0, inputs.slice(3, 7));
    expect(Array.from(mixed.subarray(6, 13))).toEqual([4, 0, 0x00, 0x00, 0xfe, 3, 0x00]);
    expect(mixed.length).toBe(12 + 5 + 3);
  });

  it('a writer ends a uniform page where the kind changes rather than write a map', () => {
    const primary = speech(120, 30, 7);
    const copy = speech(120, 16, 8);
    // A redundant stream: the first frame has no copy, the rest do.
    const inputs: SstFrameInput[] = primary.map((p, t) => (t === 0 ? p : { ...p, redundancy: copy[t - 1] }));
    const bytes = encodeSst(HEADER, inputs);
    // Pages of 1, 50, 50 and 19 frames, none with a map.
    expect(bytes.length).toBe(HEADER_LEN + 4 * 12 + 120 * 15 + 119 * (1 + 8));
    expect(decodeSst(bytes).frames).toEqual(expected(inputs));
    // A rate change mid-page starts a page; a pause (mixed) stays one page until full.
    const pause: SstFrameInput[] = [{ comfortNoise: Uint8Array.of(9) }, { notSent: true }, { notSent: true }];
    const mixedInputs = [...speech(10, 16), ...speech(10, 30), ...pause, ...speech(5, 16)];
    const mixed = encodeSst(HEADER, mixedInputs);
    expect(mixed.length).toBe(HEADER_LEN + 3 * 12 + 80 + 150 + (3 + 1 + 1 + 5) + 5 * 8);
    expect(decodeSst(mixed).frames).toEqual(expected(mixedInputs));
  });

  it('refuses what a version cannot carry', () => {
    expect(() => encodeSst({ ...HEADER, version: 2 }, [{ notSent: true }])).toThrow(
      /version 2 files carry packets only/,
    );
    expect(() => encodeSst({ ...HEADER, version: 2 }, [{ ...speech(1, 16)[0], redundancy: speech(1, 16)[0] }])).toThrow(
      /cannot carry redundancy/,
    );
    expect(() => encodeSst(HEADER, [{ numQuantizers: 16, packet: new Uint8Array(7) }])).toThrow(
      /7 bytes; 16 quantizers need 8/,
    );
    expect(() => writeSstPage(0, [])).toThrow(RangeError);
    expect(() => new SstWriter(HEADER, { framesPerPage: 256 })).toThrow(/framesPerPage/);
  });

  describe('damage', () => {
    const inputs = speech(200, 16, 9);
    const good = encodeSst(HEADER, inputs);
    const pageBytes = 12 + 50 * 8;
    const pageAt = (p: number) => HEADER_LEN + p * pageBytes;

    it('a flipped bit costs only the page it hits, and says so', () => {
      const bad = good.slice();
      bad[pageAt(1) + 100] ^= 0x10;
      const { frames, problems } = decodeSst(bad);
      expect(frames.length).toBe(200);
      expect(frames.slice(0, 50)).toEqual(expected(inputs.slice(0, 50)));
      expect(frames.slice(50, 100).every((f) => 'lost' in f && f.reason === 'checksum mismatch')).toBe(true);
      expect(frames.slice(100)).toEqual(expected(inputs.slice(100), 100));
      expect(problems).toEqual([
        `frames 50..99 at byte offset ${pageAt(1)}: damaged page (checksum mismatch or bad layout); 50 frames marked lost, ${pageBytes} bytes skipped, in step again at byte offset ${pageAt(2)}`,
      ]);
    });

    it('a deleted, duplicated or swapped page is found by its sequence number', () => {
      const page = (p: number) => good.subarray(pageAt(p), pageAt(p + 1));
      const head = good.subarray(0, HEADER_LEN);
      const join = (...parts: Uint8Array[]) => {
        const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const p of parts) {
          out.set(p, at);
          at += p.length;
        }
        return out;
      };
      const deleted = decodeSst(join(head, page(0), page(2), page(3)));
      expect(deleted.frames.length).toBe(200);
      expect(deleted.frames.slice(50, 100).every((f) => 'lost' in f && f.reason === 'missing from the stream')).toBe(
        true,
      );
      expect(deleted.frames.slice(100)).toEqual(expected(inputs.slice(100), 100));
      expect(deleted.problems[0]).toMatch(/^frames 50\.\.99 missing before byte offset/);

      const duplicated = decodeSst(join(head, page(0), page(1), page(1), page(2), page(3)));
      expect(duplicated.frames).toEqual(expected(inputs));
      expect(duplicated.problems).toEqual([
        `page at byte offset ${pageAt(2)} carries frames 50..99, but frame 100 was due (duplicated or out of order); dropped`,
      ]);

      const swapped = decodeSst(join(head, page(0), page(2), page(1), page(3)));
      expect(swapped.frames.length).toBe(200);
      expect(swapped.frames.slice(100)).toEqual(expected(inputs.slice(100), 100));
    });

    it('a truncated last page is reported; streaming in any chunks gives the same as decodeSst', () => {
      const cut = good.subarray(0, pageAt(3) + 30);
      const whole = decodeSst(cut);
      expect(whole.frames).toEqual(expected(inputs.slice(0, 150)));
      expect(whole.problems).toEqual([
        `frame 150 at byte offset ${pageAt(3)}: truncated page (30 of ${pageBytes} bytes); stopped reading`,
        'header says 200 frames but 150 were read',
      ]);
      const r = mulberry32(5);
      for (const bytes of [good, cut]) {
        const parser = new SstStreamParser();
        const frames: SstFrame[] = [];
        for (let at = 0; at < bytes.length; ) {
          const n = 1 + Math.floor(r() * 90);
          frames.push(...parser.push(bytes.subarray(at, at + n)));
          at += n;
        }
        const rest = parser.end();
        const { header: _, ...whole } = decodeSst(bytes);
        expect({ frames: [...frames, ...rest.frames], problems: rest.problems }).toEqual(whole);
      }
    });

    it('a streaming writer gives the same bytes as encodeSst', () => {
      const writer = new SstWriter({ ...HEADER, frameCount: inputs.length });
      const parts = [writer.header()];
      for (const f of inputs) parts.push(...writer.push(f));
      parts.push(...writer.flush());
      expect(Buffer.concat(parts)).toEqual(Buffer.from(good));
    });
  });
});

import { describe, it, expect } from 'vitest';
import { crc32 } from '../src/codec/crc32.js';
import { packIndices, packetBytes } from '../src/codec/lyra-packet.js';
import {
  SstFormatError,
  SstStreamParser,
  decodeSst,
  encodeSst,
  looksLikeSst,
  writeSstHeader,
  writeSstPacket,
  type SstFrame,
  type SstHeader,
} from '../src/codec/sst.js';
import { mulberry32 } from '../src/util/prng.js';

const rng = mulberry32;

const ascii = (s: string) => new TextEncoder().encode(s);

const HEADER: SstHeader = {
  version: 1,
  modelId: 'lyra-v2',
  modelSha256Prefix: Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 0x01, 0x23, 0x45, 0x67),
  sampleRate: 16000,
  frameSize: 320,
  bitsPerIndex: 4,
  inputSampleRate: 48000,
  frameCount: null,
};
const HEADER_LEN = 33 + 'lyra-v2'.length; // 40

// Frames cycling through 16/30/46 quantizers, plus one encoder-marked lost frame.
function makePackets(count: number, seed = 1) {
  const r = rng(seed);
  const sizes = [16, 30, 46];
  return Array.from({ length: count }, (_, i) => {
    const n = i === 3 ? 0 : sizes[i % 3];
    const idx = Array.from({ length: n }, () => Math.floor(r() * 16));
    return { numQuantizers: n, packet: packIndices(idx) };
  });
}

/** Byte offset of each record in a file built by encodeSst. */
function recordOffsets(packets: { numQuantizers: number }[]): number[] {
  const offs: number[] = [];
  let o = HEADER_LEN;
  for (const p of packets) {
    offs.push(o);
    o += 1 + packetBytes(p.numQuantizers) + 4;
  }
  return offs;
}

function expectFormatError(fn: () => unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(SstFormatError);
  expect((caught as Error).name).toBe('SstFormatError');
  expect((caught as Error).message).toMatch(pattern);
}

function streamDecode(bytes: Uint8Array, chunkSizes: () => number) {
  const p = new SstStreamParser();
  const frames: SstFrame[] = [];
  for (let o = 0; o < bytes.length; ) {
    const n = Math.max(1, chunkSizes());
    frames.push(...p.push(bytes.subarray(o, o + n)));
    o += n;
  }
  const rest = p.end();
  return { header: p.header, frames: [...frames, ...rest.frames], problems: rest.problems };
}

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(ascii('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
  });

  it('can be computed incrementally', () => {
    const data = ascii('123456789');
    expect(crc32(data.subarray(4), crc32(data.subarray(0, 4)))).toBe(0xcbf43926);
  });
});

describe('sst writing', () => {
  it('lays out the header as documented (little-endian)', () => {
    const h = writeSstHeader({ ...HEADER, frameCount: 0x01020304 });
    expect(h.length).toBe(HEADER_LEN);
    expect(Array.from(h.subarray(0, 6))).toEqual([0x53, 0x53, 0x54, 0x6d, 1, 7]);
    expect(new TextDecoder().decode(h.subarray(6, 13))).toBe('lyra-v2');
    expect(Array.from(h.subarray(13, 21))).toEqual(Array.from(HEADER.modelSha256Prefix));
    expect(Array.from(h.subarray(21, 25))).toEqual([0x80, 0x3e, 0, 0]); // 16000
    expect(Array.from(h.subarray(25, 27))).toEqual([0x40, 0x01]); // 320
    expect(h[27]).toBe(4);
    expect(Array.from(h.subarray(28, 32))).toEqual([0x80, 0xbb, 0, 0]); // 48000
    expect(Array.from(h.subarray(32, 36))).toEqual([4, 3, 2, 1]);
    const crc = new DataView(h.buffer).getUint32(36, true);
    expect(crc).toBe(crc32(h.subarray(0, 36)));
    expect(looksLikeSst(h)).toBe(true);
  });

  it('writes unknown frame count as 0xFFFFFFFF', () => {
    const h = writeSstHeader(HEADER);
    expect(Array.from(h.subarray(32, 36))).toEqual([0xff, 0xff, 0xff, 0xff]);
  });

  it('lays out a record as numQuantizers, packed bytes, CRC-32', () => {
    const packet = packIndices([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0]);
    const rec = writeSstPacket(16, packet);
    expect(rec.length).toBe(1 + 8 + 4);
    expect(rec[0]).toBe(16);
    expect(Array.from(rec.subarray(1, 9))).toEqual(Array.from(packet));
    expect(new DataView(rec.buffer).getUint32(9, true)).toBe(crc32(rec.subarray(0, 9)));
    expect(writeSstPacket(0, new Uint8Array(0)).length).toBe(5);
  });

  it('validates its inputs', () => {
    expect(() => writeSstPacket(16, new Uint8Array(7))).toThrow(RangeError);
    expect(() => writeSstPacket(65, new Uint8Array(33))).toThrow(RangeError);
    expect(() => writeSstHeader({ ...HEADER, modelSha256Prefix: new Uint8Array(7) })).toThrow(RangeError);
    expect(() => writeSstHeader({ ...HEADER, modelId: 'x'.repeat(256) })).toThrow(RangeError);
    expect(() => writeSstHeader({ ...HEADER, frameSize: 70000 })).toThrow(RangeError);
    expect(() => writeSstHeader({ ...HEADER, frameCount: 0xffffffff })).toThrow(RangeError);
    expect(() => encodeSst({ ...HEADER, frameCount: 3 }, makePackets(2))).toThrow(RangeError);
  });

  it('looksLikeSst checks the magic only', () => {
    expect(looksLikeSst(ascii('SSTm'))).toBe(true);
    expect(looksLikeSst(ascii('SST'))).toBe(false);
    expect(looksLikeSst(ascii('RIFF....WAVE'))).toBe(false);
  });
});

describe('sst golden file', () => {
  // The worked example in docs/sst-format.md; CRCs cross-checked with zlib.crc32.
  const GOLDEN =
    '53 53 54 6d 01 07 6c 79 72 61 2d 76 32 de ad be ef 01 23 45 67 80 3e 00 00 40 01 04 ' +
    '80 bb 00 00 02 00 00 00 5d 3b 5c ed 10 12 34 56 78 9a bc de f0 15 bd b1 87 00 8d ef 02 d2';
  const packets = [
    { numQuantizers: 16, packet: packIndices([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0]) },
    { numQuantizers: 0, packet: new Uint8Array(0) },
  ];

  it('encodes to the documented bytes', () => {
    const bytes = encodeSst(HEADER, packets);
    expect(Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ')).toBe(GOLDEN);
  });

  it('decodes the documented bytes', () => {
    const bytes = Uint8Array.from(GOLDEN.split(' '), (h) => parseInt(h, 16));
    expect(decodeSst(bytes)).toEqual({
      header: { ...HEADER, frameCount: 2 },
      frames: [
        { index: 0, ...packets[0] },
        { index: 1, lost: true, reason: 'marked lost by encoder' },
      ],
      problems: [],
    });
  });
});

describe('sst round trip', () => {
  it('preserves header and mixed-bitrate frames', () => {
    const packets = makePackets(10);
    const bytes = encodeSst({ ...HEADER, modelId: 'lyra-v2 ✓' }, packets);
    const { header, frames, problems } = decodeSst(bytes);
    expect(problems).toEqual([]);
    expect(header).toEqual({ ...HEADER, modelId: 'lyra-v2 ✓', frameCount: 10 });
    expect(frames.length).toBe(10);
    frames.forEach((f, i) => {
      if (i === 3) {
        expect(f).toEqual({ index: 3, lost: true, reason: 'marked lost by encoder' });
      } else {
        expect(f).toEqual({ index: i, ...packets[i] });
      }
    });
  });

  it('reads a streamed file with unknown frame count', () => {
    const packets = makePackets(4);
    const bytes = new Uint8Array([
      ...writeSstHeader(HEADER),
      ...packets.flatMap((p) => Array.from(writeSstPacket(p.numQuantizers, p.packet))),
    ]);
    const { header, frames, problems } = decodeSst(bytes);
    expect(header.frameCount).toBeNull();
    expect(frames.length).toBe(4);
    expect(problems).toEqual([]);
  });

  it('handles a file with no frames and other bit widths', () => {
    const empty = decodeSst(encodeSst(HEADER, []));
    expect(empty.frames).toEqual([]);
    expect(empty.problems).toEqual([]);

    const h = { ...HEADER, bitsPerIndex: 10 };
    const packets = [{ numQuantizers: 3, packet: packIndices([1023, 0, 512], 10) }];
    const { frames } = decodeSst(encodeSst(h, packets));
    expect(frames).toEqual([{ index: 0, ...packets[0] }]);
  });

  it('returned packets do not alias the input', () => {
    const bytes = encodeSst(HEADER, makePackets(3));
    const { frames } = decodeSst(bytes);
    const before = (frames[0] as { packet: Uint8Array }).packet.slice();
    bytes.fill(0);
    expect((frames[0] as { packet: Uint8Array }).packet).toEqual(before);
  });
});

describe('sst corruption', () => {
  const packets = makePackets(8);
  const good = () => encodeSst(HEADER, packets);
  const offs = recordOffsets(packets);

  it('a flipped bit in a packet loses only that frame', () => {
    const bytes = good();
    bytes[offs[4] + 3] ^= 0x10;
    const { frames, problems } = decodeSst(bytes);
    expect(frames.length).toBe(8);
    expect(frames[4]).toEqual({ index: 4, lost: true, reason: 'checksum mismatch' });
    for (const i of [0, 1, 2, 5, 6, 7]) expect(frames[i]).toEqual({ index: i, ...packets[i] });
    expect(problems).toEqual([`frame 4 at byte offset ${offs[4]}: checksum mismatch; frame marked lost`]);
  });

  it('a flipped bit in a record CRC loses only that frame', () => {
    const bytes = good();
    bytes[offs[1] - 1] ^= 0x80; // last CRC byte of frame 0
    const { frames } = decodeSst(bytes);
    expect(frames[0]).toMatchObject({ index: 0, lost: true });
    expect(frames.slice(1).every((f) => !('lost' in f) || f.index === 3)).toBe(true);
  });

  it('a flipped bit in the header fields is a header CRC error', () => {
    for (const offset of [6, 13, 21, 25, 27, 28, 32, 36]) {
      const bytes = good();
      bytes[offset] ^= 0x04;
      expectFormatError(() => decodeSst(bytes), /header CRC32 mismatch/);
    }
  });

  it('bad magic and unsupported version throw', () => {
    const bad = good();
    bad[0] = 0x52;
    expectFormatError(() => decodeSst(bad), /bad magic/);
    expectFormatError(() => decodeSst(ascii('RIFF')), /bad magic/);
    const v4 = good();
    v4[4] = 4;
    expectFormatError(() => decodeSst(v4), /unsupported .sst version 4 \(this reader supports 1, 2 and 3\)/);
  });

  it('a truncated header throws', () => {
    expectFormatError(() => decodeSst(new Uint8Array(0)), /truncated header/);
    expectFormatError(() => decodeSst(good().subarray(0, 3)), /truncated header/);
    expectFormatError(() => decodeSst(good().subarray(0, HEADER_LEN - 1)), /truncated header.*need 40/);
  });

  it('a record truncated in the middle is reported; earlier frames are intact', () => {
    const bytes = good().subarray(0, offs[5] + 6);
    const { frames, problems } = decodeSst(bytes);
    expect(frames.length).toBe(5);
    for (const i of [0, 1, 2, 4]) expect(frames[i]).toEqual({ index: i, ...packets[i] });
    expect(problems).toEqual([
      `frame 5 at byte offset ${offs[5]}: truncated record (6 of ${1 + packetBytes(packets[5].numQuantizers) + 4} bytes); stopped reading`,
      'header says 8 frames but 5 were read',
    ]);
  });

  it('after an impossible numQuantizers the reader finds the next good record', () => {
    const bytes = good();
    bytes[offs[2]] = 200;
    const { frames, problems } = decodeSst(bytes);
    expect(frames.length).toBe(8);
    expect(frames[2]).toEqual({ index: 2, lost: true, reason: 'checksum mismatch' });
    for (const i of [0, 1, 4, 5, 6, 7]) expect(frames[i]).toEqual({ index: i, ...packets[i] });
    expect(problems).toEqual([
      `frame 2 at byte offset ${offs[2]}: checksum mismatch; 1 frame marked lost, 28 bytes skipped, in step again at byte offset ${offs[3]}`,
    ]);
  });

  it('a length byte flipped into another valid length loses only that frame (resynchronised by CRC)', () => {
    const bytes = good();
    bytes[offs[5]] = 16; // 46 quantizers claimed as 16: the reader would otherwise misframe the rest
    const { frames, problems } = decodeSst(bytes);
    expect(frames.length).toBe(8);
    expect(frames[5]).toMatchObject({ index: 5, lost: true });
    for (const i of [0, 1, 2, 4, 6, 7]) expect(frames[i]).toEqual({ index: i, ...packets[i] });
    expect(problems).toHaveLength(1);
  });

  it('accepts numQuantizers 64 and rejects 65', () => {
    const max = { numQuantizers: 64, packet: packIndices(new Array(64).fill(9)) };
    const bytes = encodeSst(HEADER, [max, max]);
    expect(decodeSst(bytes).frames).toEqual([
      { index: 0, ...max },
      { index: 1, ...max },
    ]);
    bytes[HEADER_LEN + 37] = 65;
    const { frames, problems } = decodeSst(bytes);
    expect(frames).toEqual([
      { index: 0, ...max },
      { index: 1, lost: true, reason: 'checksum mismatch' },
    ]);
    expect(problems[0]).toMatch(/^frame 1 at byte offset 77: no good record in the last 37 bytes; 1 frame marked lost/);
  });

  it('fewer frames than the header says is a problem', () => {
    const bytes = new Uint8Array([
      ...writeSstHeader({ ...HEADER, frameCount: 5 }),
      ...packets.slice(0, 3).flatMap((p) => Array.from(writeSstPacket(p.numQuantizers, p.packet))),
    ]);
    const { frames, problems } = decodeSst(bytes);
    expect(frames.length).toBe(3);
    expect(problems).toEqual(['header says 5 frames but 3 were read']);
  });

  it('never throws on damaged records (random bit flips after the header)', () => {
    const r = rng(99);
    for (let trial = 0; trial < 200; trial++) {
      const bytes = good();
      const flips = 1 + Math.floor(r() * 4);
      for (let k = 0; k < flips; k++) {
        const at = HEADER_LEN + Math.floor(r() * (bytes.length - HEADER_LEN));
        bytes[at] ^= 1 << Math.floor(r() * 8);
      }
      const cut = r() < 0.3 ? HEADER_LEN + Math.floor(r() * (bytes.length - HEADER_LEN)) : bytes.length;
      const { frames } = decodeSst(bytes.subarray(0, cut));
      // Every frame that survived its checksum is one that was written, in the order written
      // (version 1 has no sequence numbers: after damage the frame index is an estimate).
      let next = 0;
      for (const f of frames) {
        if (!('packet' in f)) continue;
        while (
          next < packets.length &&
          !(packets[next].numQuantizers === f.numQuantizers && packets[next].packet.every((b, i) => b === f.packet[i]))
        )
          next++;
        expect(next).toBeLessThan(packets.length);
        next++;
      }
    }
  });
});

describe('SstStreamParser', () => {
  const corruptFile = () => {
    const packets = makePackets(12, 5);
    const bytes = encodeSst(HEADER, packets);
    const offs = recordOffsets(packets);
    bytes[offs[2] + 2] ^= 1; // checksum mismatch
    bytes[offs[9]] = 99; // impossible numQuantizers
    return bytes;
  };

  it('gives the same result as decodeSst for any chunking', () => {
    const r = rng(3);
    const files = [
      encodeSst(HEADER, makePackets(12)),
      corruptFile(),
      encodeSst(HEADER, makePackets(7)).subarray(0, 150), // truncated record
    ];
    for (const bytes of files) {
      const expected = decodeSst(bytes);
      expect(streamDecode(bytes, () => 1)).toEqual(expected);
      expect(streamDecode(bytes, () => bytes.length)).toEqual(expected);
      for (let trial = 0; trial < 30; trial++) {
        const max = 1 + Math.floor(r() * 60);
        expect(streamDecode(bytes, () => Math.floor(r() * max))).toEqual(expected);
      }
    }
  });

  it('emits frames as soon as their records are complete', () => {
    const packets = makePackets(3);
    const bytes = encodeSst(HEADER, packets);
    const offs = recordOffsets(packets);
    const p = new SstStreamParser();
    expect(p.push(bytes.subarray(0, offs[1] - 1))).toEqual([]);
    expect(p.header).toEqual({ ...HEADER, frameCount: 3 });
    expect(p.push(bytes.subarray(offs[1] - 1, offs[1]))).toEqual([{ index: 0, ...packets[0] }]);
    expect(p.push(bytes.subarray(offs[1])).length).toBe(2);
    expect(p.end()).toEqual({ frames: [], problems: [] });
  });

  it('does not keep references to caller chunks', () => {
    const bytes = encodeSst(HEADER, makePackets(2));
    const p = new SstStreamParser();
    const chunk = bytes.slice(0, HEADER_LEN + 4);
    p.push(chunk);
    chunk.fill(0); // caller reuses its buffer
    const frames = p.push(bytes.subarray(HEADER_LEN + 4));
    expect(frames[0]).toEqual(decodeSst(bytes).frames[0]);
  });

  it('throws header errors as soon as they are detectable, and again afterwards', () => {
    const p = new SstStreamParser();
    expect(p.push(ascii('SS'))).toEqual([]);
    expectFormatError(() => p.push(ascii('X')), /bad magic/);
    expectFormatError(() => p.push(ascii('m')), /bad magic/);
    expectFormatError(() => p.end(), /bad magic/);

    const q = new SstStreamParser();
    q.push(writeSstHeader(HEADER).subarray(0, 10));
    expectFormatError(() => q.end(), /truncated header/);
  });
});

describe('sst version 2 (sequence numbers)', () => {
  const V2: SstHeader = { ...HEADER, version: 2 };
  const packets = makePackets(8);
  const records = packets.map((p, i) => writeSstPacket(p.numQuantizers, p.packet, 4, i));
  const file = (order: number[]) =>
    new Uint8Array([...writeSstHeader(V2), ...order.flatMap((i) => Array.from(records[i]))]);
  /** Frame i as read from an undamaged record (frame 3 is one the encoder marked lost). */
  const expectedFrame = (i: number): SstFrame =>
    packets[i].numQuantizers === 0
      ? { index: i, lost: true, reason: 'marked lost by encoder' }
      : { index: i, ...packets[i] };
  const intact = (frames: SstFrame[], except: number[]) => {
    for (let i = 0; i < packets.length; i++) if (!except.includes(i)) expect(frames[i]).toEqual(expectedFrame(i));
  };
  const offsetOf = (order: number[], position: number) =>
    HEADER_LEN + order.slice(0, position).reduce((n, i) => n + records[i].length, 0);

  it('is what encodeSst writes with version 2, the sequence number after the Q byte', () => {
    const bytes = encodeSst(V2, packets);
    expect(bytes[4]).toBe(2);
    expect(bytes.subarray(HEADER_LEN)).toEqual(file([0, 1, 2, 3, 4, 5, 6, 7]).subarray(HEADER_LEN));
    expect(Array.from(records[5].subarray(1, 5))).toEqual([5, 0, 0, 0]);
    expect(records[5].length).toBe(1 + 4 + packetBytes(packets[5].numQuantizers) + 4);
    const { header, frames, problems } = decodeSst(bytes);
    expect(header.version).toBe(2);
    intact(frames, []);
    expect(problems).toEqual([]);
  });

  it('a deleted record is a lost frame in its place, reported', () => {
    const order = [0, 1, 2, 3, 5, 6, 7];
    const { frames, problems } = decodeSst(file(order));
    expect(frames[4]).toEqual({ index: 4, lost: true, reason: 'missing from the stream' });
    intact(frames, [4]);
    expect(problems).toEqual([
      `frames 4..4 missing before byte offset ${offsetOf(order, 4)} (deleted or reordered records); marked lost`,
    ]);
  });

  it('a duplicated record is dropped and reported', () => {
    const { frames, problems } = decodeSst(file([0, 1, 2, 2, 3, 4, 5, 6, 7]));
    expect(frames).toHaveLength(8);
    intact(frames, []);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/carries frame 2, but frame 3 was due \(duplicated or out of order\); dropped/);
  });

  it('swapped records: the early one keeps its place, the late one is reported and dropped', () => {
    const { frames, problems } = decodeSst(file([0, 1, 2, 3, 5, 4, 6, 7]));
    expect(frames).toHaveLength(8);
    expect(frames[4]).toEqual({ index: 4, lost: true, reason: 'missing from the stream' });
    intact(frames, [4]);
    expect(problems).toHaveLength(2);
    expect(problems[1]).toMatch(/carries frame 4, but frame 6 was due/);
  });

  it('damage of any kind leaves every surviving frame at its own index', () => {
    const r = rng(7);
    const good = encodeSst(V2, packets);
    for (let trial = 0; trial < 300; trial++) {
      const bytes = good.slice();
      for (let k = 1 + Math.floor(r() * 3); k > 0; k--)
        bytes[HEADER_LEN + Math.floor(r() * (bytes.length - HEADER_LEN))] ^= 1 << Math.floor(r() * 8);
      const { frames } = decodeSst(bytes);
      for (const f of frames) if (!('lost' in f)) expect(f).toEqual(expectedFrame(f.index));
      expect(frames.length).toBeLessThanOrEqual(packets.length);
    }
  });

  it('a record whose length byte is flipped costs exactly that frame', () => {
    const bytes = encodeSst(V2, packets);
    bytes[HEADER_LEN + records.slice(0, 5).reduce((n, rec) => n + rec.length, 0)] = 16;
    const { frames } = decodeSst(bytes);
    expect(frames).toHaveLength(8);
    expect(frames[5]).toEqual({ index: 5, lost: true, reason: 'checksum mismatch' });
    intact(frames, [5]);
  });

  it('a sequence number that jumps too far is reported, not filled: output stays bounded by the input', () => {
    const jump = writeSstPacket(16, packets[0].packet, 4, 1_000_000);
    const { frames, problems } = decodeSst(new Uint8Array([...file([0]), ...jump]));
    expect(frames).toHaveLength(2);
    expect(problems[0]).toMatch(/jumps from frame 1 to 1000000, too far to fill/);
    // Records that each skip the largest fillable gap: filled frames never outnumber records + 250.
    const hostile = Array.from({ length: 40 }, (_, i) => writeSstPacket(0, new Uint8Array(0), 4, (i + 1) * 250));
    const bytes = new Uint8Array([...writeSstHeader(V2), ...hostile.flatMap((h) => Array.from(h))]);
    const decoded = decodeSst(bytes).frames.length;
    expect(decoded).toBeLessThanOrEqual(2 * 40 + 250);
    expect(decoded).toBeLessThanOrEqual(bytes.length / 4 + 250);
    // The same with a garbage byte before each record, so that every gap follows damage.
    const damaged = new Uint8Array([...writeSstHeader(V2), ...hostile.flatMap((h) => [0xff, ...h])]);
    expect(decodeSst(damaged).frames.length).toBeLessThanOrEqual(damaged.length / 4 + 250);
  });

  it('streams the same frames and problems however the input is cut', () => {
    const r = rng(11);
    const bytes = file([0, 1, 3, 2, 2, 4, 5, 7]);
    bytes[HEADER_LEN + 30] ^= 4;
    const expected = decodeSst(bytes);
    for (let trial = 0; trial < 20; trial++)
      expect(streamDecode(bytes, () => 1 + Math.floor(r() * 40))).toEqual(expected);
  });

  it('refuses a CRC-valid header with implausible rates or frame size', () => {
    for (const [field, value] of [
      ['inputSampleRate', 16_000_000],
      ['sampleRate', 0],
      ['frameSize', 0],
      ['inputSampleRate', 0xffffffff],
    ] as const) {
      expect(() => writeSstHeader({ ...V2, [field]: value })).toThrow(RangeError);
      const bytes = writeSstHeader(V2);
      const dv = new DataView(bytes.buffer);
      const at = { sampleRate: 14, frameSize: 18, inputSampleRate: 21 }[field] + 7;
      if (field === 'frameSize') dv.setUint16(at, value, true);
      else dv.setUint32(at, value, true);
      dv.setUint32(29 + 7, crc32(bytes.subarray(0, 29 + 7)), true);
      expectFormatError(() => decodeSst(bytes), new RegExp(`implausible header: ${field} ${value}`));
    }
  });
});

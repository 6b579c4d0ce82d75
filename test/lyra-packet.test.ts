import { describe, it, expect } from 'vitest';
import { BitrateTable, LYRA_BITRATES, LYRA_TABLE, packetBitrate, quantizersForBitrate } from '../src/codec/bitrates.js';
import { packIndices, packetBytes, splitLyraStream, unpackIndices } from '../src/codec/lyra-packet.js';
import { mulberry32 } from '../src/util/prng.js';

const rng = mulberry32;

// Independent model of Lyra's packing, written the way the C++ does it: one
// bit string with index 0 most significant, padded with zeros to whole bytes.
function packViaBitString(indices: number[], bits: number): Uint8Array {
  let s = indices.map((v) => v.toString(2).padStart(bits, '0')).join('');
  while (s.length % 8 !== 0) s += '0';
  const out = new Uint8Array(s.length / 8);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(i * 8, i * 8 + 8), 2);
  return out;
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');

describe('bitrates', () => {
  it('maps the three Lyra bitrates to quantizer counts, packet lengths and back', () => {
    expect(LYRA_BITRATES).toEqual({ 3200: 16, 6000: 30, 9200: 46 });
    expect(quantizersForBitrate(3200)).toBe(16);
    expect(quantizersForBitrate(6000)).toBe(30);
    expect(quantizersForBitrate(9200)).toBe(46);
    expect(LYRA_TABLE.bitrates).toEqual([3200, 6000, 9200]);
    expect([8, 15, 23].map((n) => LYRA_TABLE.quantizersForPacket(n))).toEqual([16, 30, 46]);
    expect([16, 30, 46, 15].map((n) => LYRA_TABLE.bitrateOf(n))).toEqual([3200, 6000, 9200, undefined]);
    expect([7, 8, 15, 16, 23, 24].map((n) => LYRA_TABLE.acceptsPacketLength(n))).toEqual([
      false,
      true,
      true,
      false,
      true,
      false,
    ]);
    expect([16, 30, 46].map((n) => packetBitrate(n, 4, 320, 16000))).toEqual([3200, 6000, 9200]);
    expect(packetBitrate(15, 4, 320, 16000)).toBe(3200); // 60 bits still take 8 bytes
  });

  it('rejects other bitrates and packet lengths, naming the allowed ones, in one wording', () => {
    expect(() => quantizersForBitrate(8000)).toThrow(RangeError);
    expect(() => quantizersForBitrate(8000)).toThrow(/^unsupported bitrate 8000 bps; allowed: 3200, 6000, 9200$/);
    expect(() => quantizersForBitrate(NaN)).toThrow(RangeError);
    expect(() => LYRA_TABLE.quantizersForPacket(9)).toThrow(RangeError);
    expect(() => LYRA_TABLE.quantizersForPacket(9)).toThrow(
      /^packet has 9 bytes; allowed lengths: 8 \(3200 bps\), 15 \(6000 bps\), 23 \(9200 bps\)$/,
    );
  });

  it("builds any model's table from its declared bitrates, sorted, with its index width", () => {
    const table = new BitrateTable({ 12000: 20, 1000: 2 }, 6);
    expect(table.bitrates).toEqual([1000, 12000]);
    expect(table.quantizersFor(12000)).toBe(20);
    expect(table.quantizersForPacket(15)).toBe(20); // 20 x 6 bits
    expect(table.quantizersForPacket(2)).toBe(2); // 2 x 6 bits, padded
    expect(() => table.quantizersFor(3200)).toThrow(/allowed: 1000, 12000$/);
    expect(() => table.quantizersForPacket(8)).toThrow(/allowed lengths: 2 \(1000 bps\), 15 \(12000 bps\)$/);
  });

  it('packet sizes are ceil(N*bits/8)', () => {
    expect(packetBytes(16)).toBe(8);
    expect(packetBytes(30)).toBe(15);
    expect(packetBytes(46)).toBe(23);
    expect(packetBytes(0)).toBe(0);
    expect(packetBytes(3)).toBe(2);
    expect(packetBytes(3, 3)).toBe(2);
    expect(packetBytes(5, 12)).toBe(8);
    expect(() => packetBytes(-1)).toThrow(RangeError);
    expect(() => packetBytes(4, 0)).toThrow(RangeError);
    expect(() => packetBytes(4, 17)).toThrow(RangeError);
  });
});

describe('packIndices / unpackIndices', () => {
  it('packs a hand-worked example MSB-first', () => {
    const indices = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0];
    const packed = packIndices(indices);
    expect(hex(packed)).toBe('12 34 56 78 9a bc de f0');
    expect(Array.from(unpackIndices(packed, 16))).toEqual(indices);
  });

  it('puts padding in the low bits of the last byte for an odd count', () => {
    expect(Array.from(packIndices([0xa, 0xb, 0xc]))).toEqual([0xab, 0xc0]);
    // 3-bit indices: 101 110 111 -> 10111011 1(0000000)
    expect(Array.from(packIndices([5, 6, 7], 3))).toEqual([0xbb, 0x80]);
    // Padding bits are ignored on read, as in Lyra.
    expect(Array.from(unpackIndices(new Uint8Array([0xab, 0xcf]), 3))).toEqual([0xa, 0xb, 0xc]);
  });

  it('30 indices fill exactly 15 bytes and 46 fill exactly 23', () => {
    const r = rng(1);
    for (const n of [30, 46]) {
      const idx = Array.from({ length: n }, () => Math.floor(r() * 16));
      const packed = packIndices(idx);
      expect(packed.length).toBe(n === 30 ? 15 : 23);
      expect(packed[packed.length - 1] & 0x0f).toBe(idx[n - 1]); // last index fills the low nibble
    }
  });

  it('round-trips random indices at 16/30/46 quantizers and matches the bit-string model', () => {
    const r = rng(42);
    for (const n of [16, 30, 46]) {
      for (let trial = 0; trial < 50; trial++) {
        const idx = Array.from({ length: n }, () => Math.floor(r() * 16));
        const packed = packIndices(idx);
        expect(packed).toEqual(packViaBitString(idx, 4));
        expect(Array.from(unpackIndices(packed, n))).toEqual(idx);
      }
    }
  });

  it('round-trips other widths and counts', () => {
    const r = rng(7);
    for (let bits = 1; bits <= 16; bits++) {
      for (const n of [0, 1, 2, 3, 7, 13, 64]) {
        const idx = Array.from({ length: n }, () => Math.floor(r() * 2 ** bits));
        const packed = packIndices(idx, bits);
        expect(packed).toEqual(packViaBitString(idx, bits));
        expect(Array.from(unpackIndices(packed, n, bits))).toEqual(idx);
      }
    }
  });

  it('writes into a caller buffer, clearing stale padding', () => {
    const buf = new Uint8Array(32).fill(0xff);
    const view = packIndices([0xa, 0xb, 0xc], 4, buf);
    expect(view.length).toBe(2);
    expect(view.buffer).toBe(buf.buffer);
    expect(Array.from(buf.subarray(0, 3))).toEqual([0xab, 0xc0, 0xff]);
    expect(() => packIndices(new Array(16).fill(0), 4, new Uint8Array(7))).toThrow(RangeError);

    const out = new Int32Array(20).fill(-1);
    expect(unpackIndices(new Uint8Array([0x12, 0x34]), 4, 4, out)).toBe(out);
    expect(Array.from(out.subarray(0, 5))).toEqual([1, 2, 3, 4, -1]);
    expect(() => unpackIndices(new Uint8Array(8), 16, 4, new Int32Array(15))).toThrow(RangeError);
  });

  it('accepts typed arrays as input', () => {
    expect(hex(packIndices(Int32Array.of(15, 0, 7, 8)))).toBe('f0 78');
  });

  it('rejects bad index values, naming the position', () => {
    expect(() => packIndices([1, 2, 3, 16])).toThrow(/position 3/);
    expect(() => packIndices([1, -1])).toThrow(RangeError);
    expect(() => packIndices([1, -1])).toThrow(/position 1/);
    expect(() => packIndices([0.5])).toThrow(/position 0/);
    expect(() => packIndices([NaN])).toThrow(RangeError);
    expect(() => packIndices([8], 3)).toThrow(/0\.\.7/);
  });

  it('rejects packets of the wrong length', () => {
    expect(() => unpackIndices(new Uint8Array(7), 16)).toThrow(RangeError);
    expect(() => unpackIndices(new Uint8Array(9), 16)).toThrow(/need 8/);
  });
});

describe('splitLyraStream', () => {
  it('splits a raw stream into fixed-size packets and reports trailing bytes', () => {
    const frames = [0, 1, 2].map((f) => Array.from({ length: 16 }, (_, i) => (i + f) % 16));
    const raw = new Uint8Array(3 * 8 + 5);
    frames.forEach((f, i) => {
      raw.set(packIndices(f), i * 8);
    });
    const { packets, packetBytes: size, trailingBytes } = splitLyraStream(raw, 16);
    expect(size).toBe(8);
    expect(packets.length).toBe(3);
    expect(trailingBytes).toBe(5);
    packets.forEach((p, i) => {
      expect(Array.from(unpackIndices(p, 16))).toEqual(frames[i]);
    });
    expect(packets[1].buffer).toBe(raw.buffer); // views, not copies
  });

  it('uses the packet size of the quantizer count and index width', () => {
    expect(splitLyraStream(new Uint8Array(45), 30)).toMatchObject({ packetBytes: 15, trailingBytes: 0 });
    expect(splitLyraStream(new Uint8Array(45), 30).packets.length).toBe(3);
    expect(splitLyraStream(new Uint8Array(50), 46).packets.length).toBe(2);
    expect(splitLyraStream(new Uint8Array(50), 46).trailingBytes).toBe(4);
    expect(splitLyraStream(new Uint8Array(10), 3, 3)).toMatchObject({ packetBytes: 2, trailingBytes: 0 });
    expect(splitLyraStream(new Uint8Array(0), 16)).toEqual({ packets: [], packetBytes: 8, trailingBytes: 0 });
    expect(() => splitLyraStream(new Uint8Array(16), 0)).toThrow(RangeError);
    expect(() => splitLyraStream(new Uint8Array(16), -1)).toThrow(RangeError);
  });
});

// The SoundStream payload (src/codec/payload.ts, docs/payload-format.md): the documented test
// vectors, round trips, and a typed error for every kind of malformed payload.
import { describe, expect, it } from 'vitest';
import {
  parsePayload,
  PayloadFormatError,
  serializePayload,
  speechPayload,
  speechPayloadBytes,
} from '../src/codec/payload.js';
import { LyraRtpPayloader, readLyraRtpPacket, RtpPacketError } from '../src/codec/rtp.js';
import { bytesToHex, hexToBytes } from '../src/util/hex.js';

describe('SoundStream payload', () => {
  it('writes the documented test vectors', () => {
    // 3 quantizers [10, 11, 12]: TOC 0x03, indices ab c0.
    expect(bytesToHex(speechPayload([10, 11, 12]))).toBe('03abc0');
    // 16 quantizers 1..15,0 (a Lyra 3.2 kbps packet behind a TOC 0x10).
    const sixteen = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0];
    expect(bytesToHex(speechPayload(sixteen))).toBe('10123456789abcdef0');
    // Kind 2: 2 primary quantizers [15, 1], 3 redundant [2, 3, 4]: TOC 0x82, f1, m = 03, 23 40.
    expect(bytesToHex(speechPayload([15, 1], [2, 3, 4]))).toBe('82f1032340');
    // A comfort-noise update with a 2-byte body.
    expect(bytesToHex(serializePayload({ kind: 'comfort-noise', sidBody: hexToBytes('beef') }))).toBe('40beef');
    expect(bytesToHex(serializePayload({ kind: 'comfort-noise', sidBody: new Uint8Array(0) }))).toBe('40');
  });

  it('reads back what it writes, as copies', () => {
    const bytes = speechPayload([15, 1], [2, 3, 4]);
    const parsed = parsePayload(bytes);
    expect(parsed).toEqual({
      kind: 'speech',
      numQuantizers: 2,
      indices: hexToBytes('f1'),
      redundancy: { numQuantizers: 3, indices: hexToBytes('2340') },
    });
    bytes[1] = 0;
    expect(parsed.kind === 'speech' && parsed.indices[0]).toBe(0xf1);
    for (let n = 1; n <= 46; n++) {
      const indices = Array.from({ length: n }, (_, i) => (i * 7 + n) % 16);
      const p = speechPayload(indices);
      expect(p.length).toBe(speechPayloadBytes(n));
      expect(serializePayload(parsePayload(p))).toEqual(p);
      const r = speechPayload(indices, indices.slice(0, Math.max(1, n >> 1)));
      expect(r.length).toBe(speechPayloadBytes(n, Math.max(1, n >> 1)));
      expect(serializePayload(parsePayload(r))).toEqual(r);
    }
    expect(speechPayloadBytes(30, 16)).toBe(1 + 15 + 1 + 8);
  });

  it('names what is wrong with a malformed payload', () => {
    const bad: [string, RegExp][] = [
      ['', /^empty payload/],
      ['c0', /kind 3 is reserved/],
      ['ff00', /kind 3 is reserved/],
      ['00', /quantizer count 0 is outside 1\.\.46/],
      [`2f${'00'.repeat(24)}`, /quantizer count 47 is outside/],
      ['03ab', /3 quantizers must have 3 bytes, got 2/],
      ['03abc000', /must have 3 bytes, got 4/],
      ['41', /comfort-noise update has quantizer count 0, got 1/],
      [`40${'00'.repeat(17)}`, /17 body bytes; at most 16/],
      ['82f1', /ends before the redundant count/],
      ['82f100', /redundant quantizer count 0 is outside/],
      ['82f12f', /redundant quantizer count 47 is outside/],
      ['82f10323', /2 \+ 3 quantizers must have 5 bytes, got 4/],
      ['82f1032340aa', /must have 5 bytes, got 6/],
    ];
    for (const [hex, message] of bad) {
      expect(() => parsePayload(hexToBytes(hex)), hex).toThrow(PayloadFormatError);
      expect(() => parsePayload(hexToBytes(hex)), hex).toThrow(message);
    }
    expect(() => parsePayload([3, 0xab, 0xc0] as unknown as Uint8Array)).toThrow(TypeError);
  });

  it('refuses to write what the format cannot carry', () => {
    expect(() => speechPayload([])).toThrow(/numQuantizers must be an integer in 1\.\.46, got 0/);
    expect(() => speechPayload(new Array(47).fill(0))).toThrow(RangeError);
    expect(() => speechPayload([16])).toThrow(/does not fit in 4 bits/);
    expect(() => serializePayload({ kind: 'speech', numQuantizers: 3, indices: hexToBytes('ab') })).toThrow(
      /has 1 bytes; 3 quantizers take 2/,
    );
    expect(() => serializePayload({ kind: 'comfort-noise', sidBody: new Uint8Array(17) })).toThrow(RangeError);
  });
});

describe('SoundStream payloads in RTP', () => {
  it("are sent and read with format 'soundstream'; raw Lyra stays the default", () => {
    const payloader = new LyraRtpPayloader({
      payloadType: 97,
      ssrc: 1,
      sequenceNumber: 2,
      timestamp: 3,
      format: 'soundstream',
    });
    const payload = speechPayload([15, 1], [2, 3, 4]);
    const rtp = payloader.packetize(payload, 0);
    expect(readLyraRtpPacket(rtp, 97, 'soundstream').payload).toEqual(payload);
    expect(() => readLyraRtpPacket(rtp, 97)).toThrow(/5 bytes is not a Lyra v2 packet/);
    expect(() => payloader.packetize(hexToBytes('c0'), 1)).toThrow(
      /not a SoundStream payload: TOC 0xc0: kind 3 is reserved/,
    );
    const lyra = new LyraRtpPayloader({ payloadType: 96, ssrc: 1, sequenceNumber: 2, timestamp: 3 });
    const bad = lyra.packetize(new Uint8Array(8), 0);
    expect(() => readLyraRtpPacket(bad, 96, 'soundstream')).toThrow(RtpPacketError);
    expect(() => readLyraRtpPacket(bad, 96, 'soundstream')).toThrow(/quantizer count 0/);
  });
});

// Lyra v2 packets in RTP (src/codec/rtp.ts, docs/rtp.md): the payloader and depayloader, and the
// test vectors of test/fixtures/rtp-vectors.json: RTP packets, their Lyra payloads, and the sha256
// of what our decoder makes of them at 16 kHz. The RTP part needs nothing; the decoded hashes
// need the Lyra v2 files in ../shared and are skipped without them.
//
// UPDATE_RTP_VECTORS=1 npx vitest run test/rtp.test.ts   rewrites the vectors (needs ../shared).
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  LYRA_RTP_CLOCK_RATE,
  LYRA_RTP_TIMESTAMP_STEP,
  LyraRtpDepayloader,
  LyraRtpPayloader,
  readLyraRtpPacket,
  RtpPacketError,
  writeRtpPacket,
} from '../src/codec/rtp.js';
import { createDecoder, createEncoder } from '../src/codec/stream.js';
import { HAVE_SHARED, importedModel, lyraFiles } from './reference/lyra.js';

const VECTORS = join(import.meta.dirname, 'fixtures', 'rtp-vectors.json');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));

interface Vectors {
  clockRate: number;
  timestampStep: number;
  payloadType: number;
  ssrc: number;
  streams: {
    bitrate: number;
    fmtp: string;
    frames: { sequenceNumber: number; timestamp: number; marker: boolean; rtp: string; payload: string }[];
    /** sha256 of the decoded frames (fresh decoder, in order) as float32 little-endian, 16 kHz. */
    decodedFloat32Sha256: string;
    /** The same audio as 16-bit PCM (round to nearest, clipped), for implementations that output integers. */
    decodedPcm16Sha256: string;
  }[];
  malformed: { rtp: string; why: string }[];
}

function pcm16(x: Float32Array): Uint8Array {
  const out = new Int16Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round(x[i] * 32768)));
  return new Uint8Array(out.buffer);
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The decoded audio of a stream's payloads, and its hashes. */
async function decodeHashes(payloads: (Uint8Array | null)[]): Promise<{ float32: string; pcm16: string }> {
  const decoder = createDecoder({ model: await importedModel(lyraFiles()) });
  const frames = payloads.map((p) => decoder.decode(p));
  const all = new Float32Array(frames.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of frames) {
    all.set(f, at);
    at += f.length;
  }
  return { float32: sha(new Uint8Array(all.buffer)), pcm16: sha(pcm16(all)) };
}

/** A synthetic voiced sound (a 140 Hz buzz through a slow envelope): nothing from ../shared ends up in the vectors. */
function buzz(frames: number): Float32Array {
  const x = new Float32Array(frames * 320);
  for (let i = 0; i < x.length; i++) {
    const t = i / LYRA_RTP_CLOCK_RATE;
    let s = 0;
    for (let h = 1; h <= 12; h++) s += Math.sin(2 * Math.PI * 140 * h * t * (1 + 0.05 * t)) / h;
    x[i] = 0.25 * s * Math.sin((Math.PI * i) / x.length);
  }
  return x;
}

async function makeVectors(): Promise<Vectors> {
  const model = await importedModel(lyraFiles());
  const payloadType = 96;
  const ssrc = 0x5eed1a7a;
  const streams: Vectors['streams'] = [];
  for (const bitrate of [3200, 6000, 9200]) {
    const encoder = createEncoder({ model, bitrate });
    const payloads = [...encoder.encode(buzz(12)), ...encoder.flush()].slice(0, 8);
    // Starting values that make the sequence number and the timestamp wrap inside the stream.
    const payloader = new LyraRtpPayloader({
      payloadType,
      ssrc,
      sequenceNumber: 65533,
      timestamp: 2 ** 32 - 3 * LYRA_RTP_TIMESTAMP_STEP,
    });
    // Frame 5 is never sent (discontinuous transmission): a timestamp gap and the marker after it.
    const frames = payloads.flatMap((payload, frame) => {
      if (frame === 5) return [];
      const rtp = payloader.packetize(payload, frame);
      const parsed = readLyraRtpPacket(rtp);
      return [
        {
          sequenceNumber: parsed.sequenceNumber,
          timestamp: parsed.timestamp,
          marker: parsed.marker,
          rtp: hex(rtp),
          payload: hex(payload),
        },
      ];
    });
    const decoded = await decodeHashes(payloads.map((p, i) => (i === 5 ? null : p)));
    streams.push({
      bitrate,
      fmtp: `bitrate=${bitrate}`,
      frames,
      decodedFloat32Sha256: decoded.float32,
      decodedPcm16Sha256: decoded.pcm16,
    });
  }
  const good = bytes(streams[0].frames[0].rtp);
  const malformed: Vectors['malformed'] = [
    { rtp: hex(good.subarray(0, 11)), why: 'shorter than the 12-byte header' },
    { rtp: hex(Uint8Array.from([0x40, ...good.subarray(1)])), why: 'version 1' },
    { rtp: hex(Uint8Array.from([0x83, ...good.subarray(1)])), why: '3 CSRCs in a packet with room for 2' },
    { rtp: hex(Uint8Array.from([0xa0, ...good.subarray(1, -1), 0])), why: 'padding count 0' },
    { rtp: hex(good.subarray(0, -1)), why: 'a 7-byte payload (not 8, 15 or 23)' },
    {
      rtp: hex(Uint8Array.from([0x90, ...good.subarray(1, 12), 0xbe, 0xde, 0x00, 0x09, ...good.subarray(12)])),
      why: 'a header extension longer than the packet',
    },
  ];
  return {
    clockRate: LYRA_RTP_CLOCK_RATE,
    timestampStep: LYRA_RTP_TIMESTAMP_STEP,
    payloadType,
    ssrc,
    streams,
    malformed,
  };
}

if (process.env.UPDATE_RTP_VECTORS === '1') writeFileSync(VECTORS, `${JSON.stringify(await makeVectors(), null, 2)}\n`);
const vectors = JSON.parse(readFileSync(VECTORS, 'utf8')) as Vectors;

describe('RTP for Lyra v2: the vectors', () => {
  it('use a 16 kHz clock, 320 ticks per 20 ms frame, one Lyra packet per RTP packet', () => {
    expect([vectors.clockRate, vectors.timestampStep]).toEqual([16000, 320]);
    expect(vectors.streams.map((s) => [s.bitrate, new Set(s.frames.map((f) => f.payload.length / 2))])).toEqual([
      [3200, new Set([8])],
      [6000, new Set([15])],
      [9200, new Set([23])],
    ]);
  });

  for (const stream of vectors.streams) {
    it(`${stream.bitrate} bps: each RTP packet parses to its header and payload, and the payloader writes it back byte for byte`, () => {
      const first = stream.frames[0];
      const payloader = new LyraRtpPayloader({
        payloadType: vectors.payloadType,
        ssrc: vectors.ssrc,
        sequenceNumber: first.sequenceNumber,
        timestamp: first.timestamp,
      });
      const depayloader = new LyraRtpDepayloader();
      const framesSeen: (number | null)[] = [];
      for (const f of stream.frames) {
        const packet = readLyraRtpPacket(bytes(f.rtp), vectors.payloadType);
        expect({
          sequenceNumber: packet.sequenceNumber,
          timestamp: packet.timestamp,
          marker: packet.marker,
          payload: hex(packet.payload),
          ssrc: packet.ssrc,
        }).toEqual({
          sequenceNumber: f.sequenceNumber,
          timestamp: f.timestamp,
          marker: f.marker,
          payload: f.payload,
          ssrc: vectors.ssrc,
        });
        const frame = depayloader.frameOf(packet)!;
        framesSeen.push(frame);
        expect(hex(payloader.packetize(bytes(f.payload), frame))).toBe(f.rtp);
      }
      // Both counters wrap; the timestamp skips the frame not sent; the marker starts each talkspurt.
      expect(stream.frames.map((f) => f.sequenceNumber)).toEqual([65533, 65534, 65535, 0, 1, 2, 3]);
      expect(framesSeen).toEqual([0, 1, 2, 3, 4, 6, 7]);
      expect(stream.frames.map((f) => f.marker)).toEqual([true, false, false, false, false, true, false]);
      expect(stream.frames[3].timestamp).toBe(0);
    });
  }

  it('the malformed packets are refused with RtpPacketError, saying why', () => {
    for (const m of vectors.malformed) {
      expect(() => readLyraRtpPacket(bytes(m.rtp)), m.why).toThrow(RtpPacketError);
    }
    expect(() => readLyraRtpPacket(bytes(vectors.streams[0].frames[0].rtp), 97)).toThrow(
      /payload type 96, expected 97/,
    );
  });

  it.skipIf(!HAVE_SHARED)(
    'our decoder turns each stream (the frame not sent concealed) into the audio whose sha256 the vectors give',
    async () => {
      for (const stream of vectors.streams) {
        const byFrame = new Map<number, Uint8Array>();
        const depayloader = new LyraRtpDepayloader();
        for (const f of stream.frames) {
          const p = readLyraRtpPacket(bytes(f.rtp));
          byFrame.set(depayloader.frameOf(p)!, p.payload);
        }
        const last = Math.max(...byFrame.keys());
        const payloads = Array.from({ length: last + 1 }, (_, k) => byFrame.get(k) ?? null);
        const decoded = await decodeHashes(payloads);
        expect(decoded, `${stream.bitrate} bps`).toEqual({
          float32: stream.decodedFloat32Sha256,
          pcm16: stream.decodedPcm16Sha256,
        });
      }
    },
    120_000,
  );
});

describe('RTP for Lyra v2: payloader and depayloader', () => {
  const payload = new Uint8Array(15).fill(0xab);

  it('strips CSRCs, a header extension and padding as RFC 3550 asks of a receiver', () => {
    const header = [0xb2, 96, 0, 7, 0, 0, 1, 64, 0, 0, 0, 9];
    const csrcs = [0, 0, 0, 1, 0, 0, 0, 2];
    const extension = [0xbe, 0xde, 0, 1, 1, 2, 3, 4];
    const packet = Uint8Array.from([...header, ...csrcs, ...extension, ...payload, 0, 0, 3]);
    const p = readLyraRtpPacket(packet);
    expect(hex(p.payload)).toBe(hex(payload));
    expect(p.csrcs).toEqual([1, 2]);
    expect(p.extension).toEqual({ profile: 0xbede, data: Uint8Array.from([1, 2, 3, 4]) });
    expect([p.sequenceNumber, p.timestamp, p.ssrc, p.marker]).toEqual([7, 320, 9, false]);
  });

  it('refuses bad header fields and frames that go backwards', () => {
    expect(() =>
      writeRtpPacket({ payloadType: 128, sequenceNumber: 0, timestamp: 0, ssrc: 0, marker: false }, payload),
    ).toThrow(RangeError);
    expect(() => new LyraRtpPayloader({ payloadType: 96, ssrc: 2 ** 32, sequenceNumber: 0, timestamp: 0 })).toThrow(
      /ssrc/,
    );
    const payloader = new LyraRtpPayloader({ payloadType: 96, ssrc: 1, sequenceNumber: 0, timestamp: 0 });
    payloader.packetize(payload, 10);
    expect(() => payloader.packetize(payload, 10)).toThrow(RangeError);
    expect(() => payloader.packetize(new Uint8Array(9), 11)).toThrow(/9 bytes/);
  });

  it('places reordered packets by timestamp across the 2^32 wrap, and drops what came before the first', () => {
    const depayloader = new LyraRtpDepayloader();
    const at = (frame: number) => ({ timestamp: (2 ** 32 - 640 + frame * 320) % 2 ** 32 });
    expect([5, 7, 6, 4, 9, 8].map((f) => depayloader.frameOf(at(f)))).toEqual([0, 2, 1, null, 4, 3]);
    expect(depayloader.frameOf({ timestamp: 5 })).toBeNull(); // off the 320 grid
    // A call of 78 hours (14 million frames: the timestamp wraps once), counted all the way.
    const long = new LyraRtpDepayloader();
    let frame = 0;
    for (let k = 0; k <= 14_000_000; k += 50_000) frame = long.frameOf({ timestamp: (k * 320) % 2 ** 32 })!;
    expect(frame).toBe(14_000_000);
  });
});

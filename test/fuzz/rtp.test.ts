// Fuzzes the RTP depayloader (src/codec/rtp.ts): any bytes are a Lyra RTP packet whose payload is
// a view inside them, or an RtpPacketError; mutated valid packets too. And any sequence of
// timestamps gives frame numbers that agree with the differences between them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  LYRA_RTP_TIMESTAMP_STEP,
  LyraRtpDepayloader,
  LyraRtpPayloader,
  readLyraRtpPacket,
  RtpPacketError,
} from '../../src/codec/rtp.js';
import { fuzz, FUZZ_TIMEOUT_MS } from './harness.js';

const valid = fc
  .record({
    payload: fc.constantFrom(8, 15, 23).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
    frame: fc.nat({ max: 1000 }),
    sequenceNumber: fc.nat({ max: 0xffff }),
    timestamp: fc.nat({ max: 0xffffffff }),
  })
  .map(({ payload, frame, sequenceNumber, timestamp }) =>
    new LyraRtpPayloader({ payloadType: 96, ssrc: 7, sequenceNumber, timestamp }).packetize(payload, frame),
  );

/** A valid packet with a few bytes overwritten, cut short or lengthened. */
const mutated = fc
  .tuple(
    valid,
    fc.array(fc.tuple(fc.nat({ max: 40 }), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
    fc.integer({ min: -30, max: 30 }),
  )
  .map(([packet, writes, resize]) => {
    const out = new Uint8Array(Math.max(0, packet.length + resize));
    out.set(packet.subarray(0, out.length));
    for (const [at, value] of writes) if (at < out.length) out[at] = value;
    return out;
  });

describe('RTP depayloader fuzz', () => {
  it(
    'any bytes: a packet whose payload lies inside them and is a Lyra packet length, or an RtpPacketError',
    async () => {
      const report = await fuzz({
        name: 'RTP depayloader',
        ciRuns: 5000,
        seed: 1917,
        errors: [RtpPacketError],
        input: fc.oneof({ weight: 3, arbitrary: mutated }, valid, fc.uint8Array({ maxLength: 80 })),
        run: (bytes) => {
          const p = readLyraRtpPacket(bytes);
          if (![8, 15, 23].includes(p.payload.length)) throw new Error(`payload of ${p.payload.length} bytes`);
          if (
            p.payload.buffer !== bytes.buffer ||
            p.payload.byteOffset < 12 ||
            p.payload.byteOffset + p.payload.length > bytes.byteOffset + bytes.length
          ) {
            throw new Error('payload outside the packet');
          }
          return 'parsed';
        },
      });
      expect(report.outcomes.parsed).toBeGreaterThan(0);
      expect(report.outcomes.RtpPacketError).toBeGreaterThan(0);
    },
    FUZZ_TIMEOUT_MS,
  );

  it('frame numbers from timestamps agree with the timestamps, whatever their order and wherever the wrap', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 0xffffffff }),
        fc.array(fc.integer({ min: -200, max: 5000 }), { minLength: 1, maxLength: 40 }),
        (start, offsets) => {
          const depayloader = new LyraRtpDepayloader();
          const first = offsets[0];
          for (const k of offsets) {
            const frame = depayloader.frameOf({
              timestamp: (((start + k * LYRA_RTP_TIMESTAMP_STEP) % 2 ** 32) + 2 ** 32) % 2 ** 32,
            });
            expect(frame).toBe(k - first >= 0 ? k - first : null);
          }
        },
      ),
      { seed: 1917, numRuns: 2000 },
    );
  });
});

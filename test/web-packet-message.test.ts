// What the decoder node's worker accepts from a packet port (src/web/packet-message.ts), without
// a browser: packets of either format for the model, DTX's not-sent mark, known losses; anything
// else a PacketMessageError that names the part that is wrong.
import { describe, expect, it } from 'vitest';
import { BitrateTable, LYRA_BITRATES } from '../src/codec/bitrates.js';
import { encodeSidBody } from '../src/codec/comfort-noise.js';
import { quantizersForFormat, resolveEncoderFormat } from '../src/codec/frame-codec.js';
import { serializePayload, speechPayload } from '../src/codec/payload.js';
import { checkStreamPacket } from '../src/codec/stream.js';
import { PacketMessageError, readPacketMessage } from '../src/web/packet-message.js';

/** Lyra v2's table, as BitrateTable.of(model) makes it: the three rates and the 200 bps ladder to 46 quantizers. */
const table = new BitrateTable(LYRA_BITRATES, 4, { maxQuantizers: 46, framesPerSecond: 50 });
const sid = serializePayload({
  kind: 'comfort-noise',
  sidBody: encodeSidBody({ levelDb: -50, reflection: new Float64Array(10) }),
});

function problemOf(data: unknown, format: 'lyra' | 'soundstream'): string {
  try {
    readPacketMessage(data, format, table);
  } catch (err) {
    expect(err).toBeInstanceOf(PacketMessageError);
    return (err as PacketMessageError).problem;
  }
  return 'accepted';
}

describe('packet messages', () => {
  it('accepts Lyra packets of the listed lengths and losses in a Lyra stream, and nothing else', () => {
    for (const n of [8, 15, 23]) expect(problemOf({ seq: 3, packet: new Uint8Array(n) }, 'lyra')).toBe('accepted');
    expect(problemOf({ seq: 0, packet: null }, 'lyra')).toBe('accepted');
    expect(problemOf({ seq: 0, packet: new Uint8Array(0) }, 'lyra')).toBe('packet');
    expect(problemOf({ seq: 0, packet: new Uint8Array(5) }, 'lyra')).toBe('packet');
    expect(problemOf({ seq: 0, packet: speechPayload(new Array(20).fill(1)) }, 'lyra')).toBe('packet');
  });

  it('accepts payloads of any count, redundancy, comfort-noise updates and the not-sent mark in a SoundStream stream', () => {
    const ok = [
      speechPayload([1]),
      speechPayload(new Array(46).fill(15)),
      speechPayload(new Array(23).fill(2), new Array(16).fill(3)),
      sid,
      new Uint8Array(0),
    ];
    for (const packet of ok) expect(problemOf({ seq: 9, packet }, 'soundstream')).toBe('accepted');
  });

  it('rejects malformed payloads and comfort-noise bodies with the reason in the message', () => {
    const bad: [Uint8Array, RegExp][] = [
      [Uint8Array.of(0xc0), /reserved/],
      [Uint8Array.of(30, 0, 0), /must have 16 bytes/],
      [Uint8Array.of(0x40, ...new Uint8Array(11)), /SID|code|coefficient/i],
      [Uint8Array.of(0x40, ...new Uint8Array(17)), /at most 16/],
    ];
    for (const [packet, reason] of bad) {
      expect(() => readPacketMessage({ seq: 1, packet }, 'soundstream', table)).toThrow(PacketMessageError);
      expect(() => readPacketMessage({ seq: 1, packet }, 'soundstream', table)).toThrow(reason);
    }
  });

  it('rejects messages that are not { seq, packet } by part', () => {
    for (const data of [null, 5, 'x', [1, 2], undefined]) expect(problemOf(data, 'lyra')).toBe('not-a-message');
    for (const seq of [-1, 1.5, '3', Number.NaN, undefined, 2 ** 53])
      expect(problemOf({ seq, packet: null }, 'lyra')).toBe('seq');
    for (const packet of [new ArrayBuffer(8), [1, 2], new Int8Array(8), 'abc', undefined])
      expect(problemOf({ seq: 0, packet }, 'soundstream')).toBe('packet');
  });

  it('checkStreamPacket is what createDecoder decodes: a too-large count is a RangeError for a smaller codebook', () => {
    expect(() => checkStreamPacket(speechPayload(new Array(46).fill(0)), 'soundstream', table)).not.toThrow();
    const small = new BitrateTable({ 6000: 30 }, 4, { maxQuantizers: 30, framesPerSecond: 50 });
    expect(() => checkStreamPacket(speechPayload(new Array(31).fill(0)), 'soundstream', small)).toThrow(RangeError);
    expect(() => checkStreamPacket(new Uint8Array(15), 'lyra', table)).not.toThrow();
    expect(() => checkStreamPacket(new Uint8Array(14), 'lyra', table)).toThrow(RangeError);
  });
});

describe('encoder options, as the encoder node checks them up front', () => {
  it('picks the format as createEncoder does', () => {
    expect(resolveEncoderFormat(table, { bitrate: 6000 }).packetFormat).toBe('lyra');
    expect(resolveEncoderFormat(table, { bitrate: 4400 }).packetFormat).toBe('soundstream');
    expect(resolveEncoderFormat(table, { bitrate: 6000, dtx: true }).packetFormat).toBe('soundstream');
    expect(resolveEncoderFormat(table, { bitrate: 6000, redundancy: { quantizers: 16 } })).toEqual({
      packetFormat: 'soundstream',
      numQuantizers: 30,
      redundantQuantizers: 16,
    });
  });

  it('refuses what a Lyra stream cannot carry, naming it', () => {
    expect(() => resolveEncoderFormat(table, { bitrate: 4400, packetFormat: 'lyra' })).toThrow(/not a Lyra rate/);
    expect(() => resolveEncoderFormat(table, { dtx: true, packetFormat: 'lyra' })).toThrow(/dtx needs/);
    expect(() => resolveEncoderFormat(table, { redundancy: { quantizers: 8 }, packetFormat: 'lyra' })).toThrow(
      /redundancy needs/,
    );
    expect(() => resolveEncoderFormat(table, { bitrate: 4300 })).toThrow(RangeError);
    expect(() => resolveEncoderFormat(table, { redundancy: { quantizers: 47 } })).toThrow(RangeError);
  });

  it('setBitrate: any ladder rate in a SoundStream stream, the Lyra rates in a Lyra one', () => {
    expect(quantizersForFormat(table, 'soundstream', 200)).toBe(1);
    expect(quantizersForFormat(table, 'soundstream', 9200)).toBe(46);
    expect(quantizersForFormat(table, 'lyra', 3200)).toBe(16);
    expect(() => quantizersForFormat(table, 'lyra', 4400)).toThrow(RangeError);
    expect(() => quantizersForFormat(table, 'soundstream', 9400)).toThrow(RangeError);
  });
});

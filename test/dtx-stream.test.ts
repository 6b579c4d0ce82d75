// DTX through the streaming API (createEncoder({ dtx }) / createDecoder): sample1 with its own room
// tone around it, gaps and comfort-noise updates on the wire, comfort noise at the receiver, and
// DTX off unchanged (the packets pinned as they were before DTX was wired in). Needs ../shared.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../src/audio/wav.js';
import { encodeSidBody, SID_BODY_BYTES, SID_ORDER, SidFormatError } from '../src/codec/comfort-noise.js';
import { FrameDecoder } from '../src/codec/frame-codec.js';
import { PayloadFormatError, parsePayload, serializePayload } from '../src/codec/payload.js';
import { createDecoder, createEncoder } from '../src/codec/stream.js';
import type { Model } from '../src/model/load.js';
import { FRAME, HAVE_SHARED, importedModel, lyraFiles, SPEECH_16K } from './reference/lyra.js';

const ROOM_TONE_FRAMES = 25;
const PAD_FRAMES = 100;

function rmsDb(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return 10 * Math.log10(s / x.length);
}

/** sample1 (cut to whole frames) with 2 s of its own room tone (its first 0.5 s, repeated) before and after. */
function paddedSpeech(): Float32Array {
  const speech = decodeWav(new Uint8Array(readFileSync(SPEECH_16K))).samples;
  const roomTone = speech.subarray(0, ROOM_TONE_FRAMES * FRAME);
  const speechFrames = Math.floor(speech.length / FRAME);
  const out = new Float32Array((2 * PAD_FRAMES + speechFrames) * FRAME);
  for (let k = 0; k < PAD_FRAMES / ROOM_TONE_FRAMES; k++) {
    out.set(roomTone, k * roomTone.length);
    out.set(roomTone, (PAD_FRAMES + speechFrames) * FRAME + k * roomTone.length);
  }
  out.set(speech.subarray(0, speechFrames * FRAME), PAD_FRAMES * FRAME);
  return out;
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function sha256(packets: Uint8Array[]): string {
  const h = createHash('sha256');
  for (const p of packets) h.update(p);
  return h.digest('hex');
}

describe.skipIf(!HAVE_SHARED)('DTX in createEncoder / createDecoder', () => {
  let model: Model;
  let input: Float32Array;
  let packets: Uint8Array[];
  beforeAll(async () => {
    model = await importedModel(lyraFiles());
    input = paddedSpeech();
    const encoder = createEncoder({ model, bitrate: 6000, dtx: true });
    packets = [...encoder.encode(input), ...encoder.flush()];
  }, 120_000);

  it('sends speech payloads, comfort-noise updates and empty packets for the gaps, one per frame', () => {
    expect(packets.length).toBe(input.length / FRAME);
    const notSent = packets.filter((p) => p.length === 0).length;
    const sids = packets.filter((p) => p.length > 0 && parsePayload(p).kind === 'comfort-noise');
    const speech = packets.filter((p) => p.length > 0 && parsePayload(p).kind === 'speech').length;
    expect(notSent).toBeGreaterThan(PAD_FRAMES);
    expect(sids.length).toBeGreaterThanOrEqual(4);
    for (const sid of sids) expect(sid.length).toBe(1 + SID_BODY_BYTES);
    expect(speech + sids.length + notSent).toBe(packets.length);
    // The speech in the middle is sent: none of its frames is a gap.
    const middle = packets.slice(PAD_FRAMES + 10, packets.length - PAD_FRAMES - 20);
    expect(middle.filter((p) => p.length === 0).length / middle.length).toBeLessThan(0.3);
  });

  it('gives the same packets however the input is chunked, and needs the soundstream format', () => {
    const encoder = createEncoder({ model, bitrate: 6000, dtx: {} });
    expect(encoder.dtx).toBe(true);
    expect(encoder.packetFormat).toBe('soundstream');
    const chunked: Uint8Array[] = [];
    for (let at = 0; at < input.length; at += 777) chunked.push(...encoder.encode(input.subarray(at, at + 777)));
    chunked.push(...encoder.flush());
    expect(chunked).toEqual(packets);
    expect(() => createEncoder({ model, dtx: true, packetFormat: 'lyra' })).toThrow(
      /dtx needs packetFormat 'soundstream'/,
    );
    expect(() => createEncoder({ model, dtx: 'yes' as unknown as boolean })).toThrow(RangeError);
    expect(createEncoder({ model, dtx: false }).dtx).toBe(false);
  }, 120_000);

  it('decodes to the input length, with comfort noise near the background level in the pauses', () => {
    const decoder = createDecoder({ model, packetFormat: 'soundstream' });
    const audio = concat([...packets.map((p) => decoder.decode(p)), decoder.flush()]);
    expect(audio.length).toBe(input.length);
    expect(decoder.lostFrames).toBe(0);
    const gapsAndSids = packets.filter((p) => p.length === 0 || parsePayload(p).kind === 'comfort-noise').length;
    expect(decoder.comfortNoiseFrames).toBe(gapsAndSids);
    // The leading and trailing room tone, past the first frames and the ramp: comfort noise within 3 dB of it.
    for (const [from, to] of [
      [20, PAD_FRAMES - 10],
      [input.length / FRAME - PAD_FRAMES + 30, input.length / FRAME],
    ]) {
      const level = rmsDb(audio.subarray(from * FRAME, to * FRAME));
      expect(Math.abs(level - rmsDb(input.subarray(from * FRAME, to * FRAME)))).toBeLessThan(3);
    }
    // The speech is decoded: far above the background.
    const speech = audio.subarray((PAD_FRAMES + 20) * FRAME, (PAD_FRAMES + 120) * FRAME);
    expect(rmsDb(speech)).toBeGreaterThan(rmsDb(audio.subarray(20 * FRAME, 90 * FRAME)) + 15);
  }, 120_000);

  it('conceals a packet missing in speech as a loss, and plays comfort noise for one missing after a SID', () => {
    const decoder = createDecoder({ model, packetFormat: 'soundstream' });
    const firstSpeech = packets.findIndex(
      (p, i) => i > PAD_FRAMES && p.length > 0 && parsePayload(p).kind === 'speech',
    );
    for (let i = 0; i < firstSpeech + 20; i++) decoder.decode(packets[i]);
    const comfort = decoder.comfortNoiseFrames;
    decoder.decode(null);
    expect([decoder.lostFrames, decoder.comfortNoiseFrames]).toEqual([1, comfort]);
    const sid = serializePayload({
      kind: 'comfort-noise',
      sidBody: encodeSidBody({ levelDb: -45, reflection: new Float64Array(SID_ORDER) }),
    });
    decoder.decode(sid);
    decoder.decode(null);
    decoder.decode(new Uint8Array(0));
    expect([decoder.lostFrames, decoder.comfortNoiseFrames]).toEqual([1, comfort + 3]);
  }, 120_000);

  it('a comfort-noise update with a bad body is a SidFormatError naming it; FrameDecoder points to DtxFrameDecoder', () => {
    const decoder = createDecoder({ model, packetFormat: 'soundstream' });
    expect(() => decoder.decode(Uint8Array.of(0x40, 1, 2, 3))).toThrow(SidFormatError);
    expect(() => decoder.decode(Uint8Array.of(0x40, 1, 2, 3))).toThrow(/SID body has 3 bytes, expected 11/);
    const reservedLevel = serializePayload({
      kind: 'comfort-noise',
      sidBody: new Uint8Array(SID_BODY_BYTES).fill(200),
    });
    expect(() => decoder.decode(reservedLevel)).toThrow(/SID level byte is 200/);
    expect(decoder.comfortNoiseFrames).toBe(0);
    const sid = packets.find((p) => p.length > 0 && parsePayload(p).kind === 'comfort-noise')!;
    expect(() => new FrameDecoder(model).decodePayload(sid)).toThrow(PayloadFormatError);
    expect(() => new FrameDecoder(model).decodePayload(sid)).toThrow(/DtxFrameDecoder/);
  });

  it('DTX off: the packets are byte for byte those pinned before DTX was wired in, and decode as before', () => {
    const speech = decodeWav(new Uint8Array(readFileSync(SPEECH_16K))).samples;
    const pinned: [Parameters<typeof createEncoder>[0], string][] = [
      [{ model, bitrate: 6000 }, 'ebec837f4e9b6c47f135a97cc8bdcd9ed5a7c3c372f0d657667078e62f32451a'],
      [
        { model, bitrate: 3200, packetFormat: 'soundstream' },
        '536110b68634485843cba184f18d2c504708cbe4f7274d3e081ab06dcb181437',
      ],
      [{ model, quantizers: 13 }, '41278d8f1ea0961d34b98cf3cb9513186434abdfb87dc80c4614988b664e6f0f'],
    ];
    let payloads: Uint8Array[] = [];
    for (const [options, hash] of pinned) {
      const encoder = createEncoder(options);
      payloads = [...encoder.encode(speech), ...encoder.flush()];
      expect(payloads.every((p) => p.length > 0)).toBe(true);
      expect(sha256(payloads), JSON.stringify({ ...options, model: undefined })).toBe(hash);
    }
    // A SoundStream stream with no comfort-noise update decodes exactly as FrameDecoder decodes it.
    const decoder = createDecoder({ model, packetFormat: 'soundstream' });
    const frames = new FrameDecoder(model);
    for (const p of payloads.slice(0, 40)) expect(decoder.decode(p)).toEqual(frames.decodePayload(p));
  }, 120_000);
});

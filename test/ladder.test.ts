// The finer ladder (any quantizer count, 200 bps each) and in-band redundancy through the frame
// codec and the streaming API, against the stages run by hand: the payload's indices are the
// first n of a 46-stage quantization, a redundant copy is the previous frame's first m, and a
// lost frame decoded from its copy is that copy decoded in its place.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../src/audio/wav.js';
import { Encoder } from '../src/codec/encoder.js';
import { FrameDecoder, FrameEncoder } from '../src/codec/frame-codec.js';
import { packIndices } from '../src/codec/lyra-packet.js';
import { parsePayload, speechPayload } from '../src/codec/payload.js';
import { Quantizer } from '../src/codec/quantizer.js';
import { createDecoder, createEncoder } from '../src/codec/stream.js';
import type { Model } from '../src/model/load.js';
import { FRAME, HAVE_SHARED, importedModel, lyraFiles } from './reference/lyra.js';

const FRAMES = 24;

describe.skipIf(!HAVE_SHARED)('quantizer ladder and redundancy', () => {
  let model: Model;
  let speech: Float32Array;
  /** Each frame's 46 indices, from the stages run by hand. */
  let all: Int32Array[];

  beforeAll(async () => {
    model = await importedModel(lyraFiles());
    const wav = decodeWav(
      new Uint8Array(readFileSync(new URL('../../shared/audio/sample1_16kHz.wav', import.meta.url))),
    );
    speech = wav.samples.slice(8000, 8000 + FRAMES * FRAME);
    const encoder = new Encoder(model);
    const quantizer = new Quantizer(model);
    all = [];
    for (let t = 0; t < FRAMES; t++)
      all.push(quantizer.quantize(encoder.encodeFrame(speech.subarray(t * FRAME, (t + 1) * FRAME)), 46));
  }, 60_000);

  const prefix = (t: number, n: number) => Array.from(all[t].subarray(0, n));

  it('any count from 1 to 46 is a payload of the first n indices; Lyra counts stay raw Lyra packets', () => {
    for (const n of [1, 7, 13, 16, 45]) {
      const encoder = createEncoder({ model, quantizers: n });
      expect(encoder.packetFormat).toBe(n === 16 ? 'lyra' : 'soundstream');
      expect(encoder.bitrate).toBe(200 * n);
      const packets = [...encoder.encode(speech), ...encoder.flush()];
      expect(packets).toEqual(all.map((_, t) => (n === 16 ? packIndices(prefix(t, n)) : speechPayload(prefix(t, n)))));
    }
    const byRate = createEncoder({ model, bitrate: 2600 });
    expect([byRate.packetFormat, byRate.numQuantizers]).toEqual(['soundstream', 13]);
    byRate.setBitrate(9200);
    expect(byRate.numQuantizers).toBe(46);
    byRate.setQuantizers(3);
    expect(byRate.bitrate).toBe(600);
    const payloads = createEncoder({ model, bitrate: 6000, packetFormat: 'soundstream' });
    expect(payloads.encode(speech.subarray(0, FRAME))).toEqual([speechPayload(prefix(0, 30))]);
  });

  it('refuses what a stream cannot carry, naming why', () => {
    expect(() => createEncoder({ model, bitrate: 2700 })).toThrow(
      /unsupported bitrate 2700 bps; allowed: any multiple of 200 from 200 to 9200 \(3200, 6000, 9200 are Lyra-compatible\)/,
    );
    expect(() => createEncoder({ model, quantizers: 47 })).toThrow(/1\.\.46, got 47/);
    expect(() => createEncoder({ model, quantizers: 0 })).toThrow(RangeError);
    expect(() => createEncoder({ model, bitrate: 2600, packetFormat: 'lyra' })).toThrow(
      /not a Lyra rate.*'soundstream'/,
    );
    expect(() => createEncoder({ model, redundancy: { quantizers: 16 }, packetFormat: 'lyra' })).toThrow(
      /redundancy needs packetFormat 'soundstream'/,
    );
    expect(() => createEncoder({ model, bitrate: 3200, quantizers: 16 })).toThrow(/not both/);
    const lyra = createEncoder({ model, bitrate: 6000 });
    expect(() => lyra.setBitrate(2600)).toThrow(/allowed: 3200, 6000, 9200/);
    expect(() => lyra.setQuantizers(13)).toThrow(/not a Lyra rate/);
    expect(lyra.bitrate).toBe(6000);
  });

  it("redundancy: each payload carries the previous frame's first m indices; the primary is unchanged", () => {
    for (const [n, m] of [
      [30, 16],
      [8, 20],
    ]) {
      const encoder = new FrameEncoder(model, { quantizers: n, redundancy: { quantizers: m } });
      expect(encoder.packetFormat).toBe('soundstream');
      const payloads = all.map((_, t) => encoder.encodeFrame(speech.subarray(t * FRAME, (t + 1) * FRAME)));
      expect(payloads[0]).toEqual(speechPayload(prefix(0, n)));
      for (let t = 1; t < FRAMES; t++) expect(payloads[t]).toEqual(speechPayload(prefix(t, n), prefix(t - 1, m)));
      expect(payloads[5].length).toBe(encoder.packetBytes);
      // After reset() the first payload has no copy again (no previous frame).
      encoder.reset();
      expect(parsePayload(encoder.encodeFrame(speech.subarray(0, FRAME)))).not.toHaveProperty('redundancy');
    }
  });

  it('a lost frame is decoded from the next payload when it carries a copy, else concealed', () => {
    const encoder = createEncoder({ model, bitrate: 6000, redundancy: { quantizers: 16 } });
    const payloads = [...encoder.encode(speech), ...encoder.flush()];
    const lost = new Set([4, 9, 10, 11, 17]);
    const decoder = createDecoder({ model, packetFormat: 'soundstream' });
    const got = payloads.map((p, t) =>
      decoder.decode(lost.has(t) ? null : p, lost.has(t + 1) ? null : (payloads[t + 1] ?? null)),
    );
    // By hand: frames 4, 11 and 17 from the copy (16 indices), 9 and 10 concealed (their next is lost too).
    const reference = new FrameDecoder(model);
    const want = payloads.map((p, t) => {
      if (!lost.has(t)) return reference.decodePayload(p);
      if (!lost.has(t + 1)) return reference.decodeFrame(packIndices(prefix(t, 16)), 16);
      return reference.concealFrame();
    });
    expect(got).toEqual(want);
    expect([decoder.recoveredFrames, decoder.lostFrames]).toEqual([3, 2]);
    // The Lyra decoder ignores `next`: raw packets carry no copy.
    const lyra = createDecoder({ model });
    lyra.decode(packIndices(prefix(0, 30)));
    lyra.decode(null, packIndices(prefix(2, 30)));
    expect([lyra.recoveredFrames, lyra.lostFrames]).toEqual([0, 1]);
  });
});

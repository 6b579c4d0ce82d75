// The streaming codec API (src/codec/stream.ts, transform-streams.ts) against the frame-level
// classes it is built on: chunking, bitrate switches, resampled input/output, and the
// WHATWG TransformStream pipeline.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Decoder } from '../src/codec/decoder.js';
import { Encoder } from '../src/codec/encoder.js';
import { packIndices, unpackIndices } from '../src/codec/lyra-packet.js';
import { Quantizer } from '../src/codec/quantizer.js';
import { resample } from '../src/audio/resample.js';
import { FrameDecoder, FrameEncoder } from '../src/codec/frame-codec.js';
import { createDecoder, createEncoder } from '../src/codec/stream.js';
import { createDecoderStream, createEncoderStream } from '../src/codec/transform-streams.js';
import { decodeWav } from '../src/audio/wav.js';
import type { Model } from '../src/model/load.js';
import { FRAME, HAVE_SHARED, importedModel, lyraFiles } from './reference/lyra.js';
import { concatFloats } from '../src/util/concat.js';
import { xorshift32 } from '../src/util/prng.js';

const sharedDir = new URL('../../shared/', import.meta.url);
const available = HAVE_SHARED;

const importModel = (): Promise<Model> => importedModel(lyraFiles());

function readAudio(name: string): { samples: Float32Array; sampleRate: number } {
  const wav = decodeWav(new Uint8Array(readFileSync(new URL(`audio/${name}`, sharedDir))));
  return { samples: wav.samples, sampleRate: wav.sampleRate };
}

const rng = xorshift32;

/** Splits `x` into chunks whose sizes are drawn from `sizes`. */
function chunk(x: Float32Array, sizes: number[], seed: number): Float32Array[] {
  const r = rng(seed);
  const out: Float32Array[] = [];
  for (let i = 0; i < x.length; ) {
    const n = Math.min(sizes[Math.floor(r() * sizes.length)], x.length - i);
    out.push(x.subarray(i, i + n));
    i += n;
  }
  return out;
}

const concat = concatFloats;

/** Frame-by-frame reference: Encoder + Quantizer + packIndices, the tail zero-padded. `stages(t)` gives frame t's quantizers. */
function referencePackets(model: Model, x: Float32Array, stages: (t: number) => number): Uint8Array[] {
  const encoder = new Encoder(model);
  const quantizer = new Quantizer(model);
  const frames = Math.ceil(x.length / FRAME);
  const padded = new Float32Array(frames * FRAME);
  padded.set(x);
  const packets: Uint8Array[] = [];
  for (let t = 0; t < frames; t++) {
    const embedding = encoder.encodeFrame(padded.subarray(t * FRAME, (t + 1) * FRAME));
    packets.push(packIndices(quantizer.quantize(embedding, stages(t)), quantizer.bitsPerIndex));
  }
  return packets;
}

// ReadableStream.from (Node 20.6+, Deno, Bun, Firefox) is not in TypeScript's DOM typings yet.
const readableFrom = <T>(items: Iterable<T>): ReadableStream<T> =>
  (ReadableStream as unknown as { from<U>(it: Iterable<U>): ReadableStream<U> }).from(items);

describe.skipIf(!available)('streaming codec', () => {
  let model: Model;
  let speech: Float32Array;
  let reference6k: Uint8Array[];

  beforeAll(async () => {
    model = await importModel();
    speech = readAudio('sample1_16kHz.wav').samples;
    reference6k = referencePackets(model, speech, () => 30);
  }, 60_000);

  it('gives the same packets as frame-by-frame encoding for any chunking', () => {
    const encoder = createEncoder({ model });
    expect(encoder.bitrate).toBe(6000);
    const packets: Uint8Array[] = [];
    for (const c of chunk(speech, [1, 7, 333, 4000, 320, 319, 641, 0], 1)) packets.push(...encoder.encode(c));
    const beforeFlush = packets.length;
    packets.push(...encoder.flush());
    expect(beforeFlush).toBe(Math.floor(speech.length / FRAME));
    expect(packets.length).toBe(reference6k.length);
    for (let t = 0; t < packets.length; t++) {
      expect(packets[t].length).toBe(15);
      expect(packets[t]).toEqual(reference6k[t]);
    }
    // flush() resets: the same encoder encodes the same stream again identically, in one chunk.
    const again = [...encoder.encode(speech), ...encoder.flush()];
    expect(again).toEqual(reference6k);
  });

  it('returns fresh packets that later frames do not overwrite', () => {
    const encoder = createEncoder({ model, bitrate: 3200 });
    const first = encoder.encode(speech.subarray(0, 2 * FRAME));
    const copy = first.map((p) => p.slice());
    encoder.encode(speech.subarray(2 * FRAME, 6 * FRAME));
    expect(first).toEqual(copy);
    expect(first[0].buffer).not.toBe(first[1].buffer);
  });

  it('applies setBitrate from the next frame', () => {
    const encoder = createEncoder({ model });
    const stagesAt = (t: number) => (t < 40 ? 30 : t < 100 ? 16 : 46);
    const packets: Uint8Array[] = [];
    // Switch exactly between frames 39/40 and 99/100, in the middle of a chunk's worth of audio.
    packets.push(...encoder.encode(speech.subarray(0, 40 * FRAME + 100)));
    expect(packets.length).toBe(40);
    encoder.setBitrate(3200);
    expect(encoder.bitrate).toBe(3200);
    packets.push(...encoder.encode(speech.subarray(40 * FRAME + 100, 100 * FRAME)));
    expect(packets.length).toBe(100);
    encoder.setBitrate(9200);
    packets.push(...encoder.encode(speech.subarray(100 * FRAME)), ...encoder.flush());
    expect(packets.map((p) => p.length)).toEqual(packets.map((_, t) => ({ 16: 8, 30: 15, 46: 23 })[stagesAt(t)]));
    expect(packets).toEqual(referencePackets(model, speech, stagesAt));
    expect(() => encoder.setBitrate(8000)).toThrow(RangeError);
    expect(() => encoder.setBitrate(8000)).toThrow(/3200, 6000, 9200/);
    expect(encoder.bitrate).toBe(9200);
    expect(() => createEncoder({ model, bitrate: 1234 })).toThrow(RangeError);
  });

  it('encodes 48 kHz input through the resampler', () => {
    const { samples: x48, sampleRate } = readAudio('sample1_48kHz.wav');
    expect(sampleRate).toBe(48000);
    const encoder = createEncoder({ model, sampleRate: 48000 });
    const packets: Uint8Array[] = [];
    for (const c of chunk(x48, [1, 7, 333, 4000, 960, 1001], 2)) packets.push(...encoder.encode(c));
    packets.push(...encoder.flush());
    const duration = x48.length / 48000;
    expect(Math.abs(packets.length - Math.ceil(duration * 50))).toBeLessThanOrEqual(1);
    // The stream resampler with its delay removed gives resample()'s samples, so every whole
    // frame matches encoding resample(x48); only the zero-padded last frame may differ.
    const expected = referencePackets(model, resample(x48, 48000, 16000), () => 30);
    expect(Math.abs(packets.length - expected.length)).toBeLessThanOrEqual(1);
    const whole = Math.min(packets.length, expected.length) - 1;
    expect(packets.slice(0, whole)).toEqual(expected.slice(0, whole));
  });

  it('decodes packets exactly as Decoder.decodeFrame(Quantizer.dequantize(...)), whatever their bitrate', () => {
    const stagesAt = (t: number) => [16, 30, 46][t % 3];
    const packets = referencePackets(model, speech.subarray(0, 60 * FRAME), stagesAt);
    const quantizer = new Quantizer(model);
    const ref = new Decoder(model);
    const decoder = createDecoder({ model });
    packets.forEach((packet, t) => {
      const n = stagesAt(t);
      const expected = ref.decodeFrame(quantizer.dequantize(unpackIndices(packet, n), n));
      const got = decoder.decode(packet);
      expect(got.length).toBe(FRAME);
      expect(got).toEqual(expected);
    });
    expect(decoder.lostFrames).toBe(0);
  });

  it('rejects a packet of the wrong length with a RangeError naming the allowed lengths', () => {
    const decoder = createDecoder({ model });
    for (const n of [0, 7, 9, 16, 24]) {
      expect(() => decoder.decode(new Uint8Array(n))).toThrow(RangeError);
      expect(() => decoder.decode(new Uint8Array(n))).toThrow(/8 \(3200 bps\), 15 \(6000 bps\), 23 \(9200 bps\)/);
    }
    // A bad packet does not disturb the stream: the next good one decodes as usual.
    expect(decoder.decode(reference6k[0])).toEqual(
      new Decoder(model).decodeFrame(new Quantizer(model).dequantize(unpackIndices(reference6k[0], 30), 30)),
    );
  });

  it('conceals lost packets, also before the first one arrives', () => {
    const decoder = createDecoder({ model });
    const first = decoder.decode(null);
    expect(first.length).toBe(FRAME);
    expect(Math.max(...first.map(Math.abs))).toBeLessThan(0.01);
    decoder.decode(reference6k[40]);
    const concealed = decoder.decode(null);
    expect(concealed.length).toBe(FRAME);
    expect(concealed.every(Number.isFinite)).toBe(true);
    expect(decoder.lostFrames).toBe(2);
    const silent = createDecoder({ model, conceal: false });
    expect(silent.decode(null)).toEqual(new Float32Array(FRAME));
  });

  it('decodes to another sample rate, aligned and of the expected total length', () => {
    const packets = reference6k.slice(0, 50);
    const plain = createDecoder({ model });
    const at16k = concat(packets.map((p) => plain.decode(p)));
    const decoder = createDecoder({ model, sampleRate: 48000 });
    const parts = packets.map((p) => decoder.decode(p));
    parts.push(decoder.flush());
    const at48k = concat(parts);
    expect(at48k.length).toBe(50 * 960);
    expect(parts[1].length).toBe(960);
    // Same as resampling the 16 kHz decode as a whole.
    const expected = resample(at16k, 16000, 48000);
    let err = 0;
    let sig = 0;
    for (let i = 0; i < expected.length; i++) {
      err += (at48k[i] - expected[i]) ** 2;
      sig += expected[i] ** 2;
    }
    expect(err / sig).toBeLessThan(1e-10);
  });

  it("FrameEncoder: the reference packets, into a caller's buffer when given, bitrate switchable", () => {
    const encoder = new FrameEncoder(model);
    expect([encoder.bitrate, encoder.numQuantizers, encoder.packetBytes]).toEqual([6000, 30, 15]);
    const out = new Uint8Array(23);
    for (let t = 0; t < 20; t++) {
      const packet = encoder.encodeFrame(speech.subarray(t * FRAME, (t + 1) * FRAME), out);
      expect(packet.buffer).toBe(out.buffer);
      expect(packet).toEqual(reference6k[t]);
    }
    expect(() => encoder.setBitrate(4000)).toThrow(/^unsupported bitrate 4000 bps; allowed: 3200, 6000, 9200$/);
    expect(encoder.bitrate).toBe(6000);
    encoder.setBitrate(9200);
    expect([encoder.numQuantizers, encoder.packetBytes]).toEqual([46, 23]);
    expect(encoder.encodeFrame(speech.subarray(20 * FRAME, 21 * FRAME)).length).toBe(23);
    expect(() => encoder.setDenoise(true)).toThrow(/needs a denoiser/);
  });

  it('FrameDecoder: a packet with its quantizer count decodes as the packet alone; a bad count changes nothing', () => {
    const stagesAt = (t: number) => [16, 30, 46][t % 3];
    const packets = referencePackets(model, speech.subarray(0, 30 * FRAME), stagesAt);
    const byCount = new FrameDecoder(model);
    const byLength = new FrameDecoder(model);
    expect(byCount.maxQuantizers).toBe(46);
    const out = new Float32Array(FRAME);
    packets.forEach((packet, t) => {
      if (t === 10) {
        expect(() => byCount.decodeFrame(packet, 47)).toThrow(/number of quantizers must be 1\.\.46, got 47/);
        expect(() => byCount.decodeFrame(packet, 0)).toThrow(RangeError);
        expect(() => byCount.decodeFrame(packet, 16)).toThrow(/need 8/); // a 15-byte packet
      }
      const a = byCount.decodeFrame(packet, stagesAt(t), out);
      expect(a).toBe(out);
      expect(a).toEqual(byLength.decodePacket(packet));
    });
    // Lost frames: the concealer continues both alike; without concealment, silence.
    expect(byCount.concealFrame()).toEqual(byLength.concealFrame());
    expect(new FrameDecoder(model, { conceal: false }).concealFrame(new Float32Array(FRAME).fill(1))).toEqual(
      new Float32Array(FRAME),
    );
  });

  it('pipes audio through the TransformStreams exactly as the direct API', async () => {
    const { samples: x48 } = readAudio('sample1_48kHz.wav');
    const input = chunk(x48.subarray(0, 48000), [7, 333, 4000, 960], 3);
    const lostAt = new Set([12, 13, 30]);

    // Direct API.
    const encoder = createEncoder({ model, sampleRate: 48000, bitrate: 9200 });
    const packets: Uint8Array[] = [];
    for (const c of input) packets.push(...encoder.encode(c));
    packets.push(...encoder.flush());
    const decoder = createDecoder({ model, sampleRate: 48000 });
    const direct = concat([...packets.map((p, t) => decoder.decode(lostAt.has(t) ? null : p)), decoder.flush()]);

    // Streams, with the same packets dropped in between.
    let t = 0;
    const drop = new TransformStream<Uint8Array, Uint8Array | null>({
      transform(packet, controller) {
        controller.enqueue(lostAt.has(t++) ? null : packet);
      },
    });
    const encoderStream = createEncoderStream({ model, sampleRate: 48000, bitrate: 9200 });
    const decoderStream = createDecoderStream({ model, sampleRate: 48000 });
    const out: Float32Array[] = [];
    await readableFrom(input)
      .pipeThrough(encoderStream)
      .pipeThrough(drop)
      .pipeThrough(decoderStream)
      .pipeTo(new WritableStream({ write: (c) => void out.push(c) }));
    expect(t).toBe(packets.length);
    expect(encoderStream.encoder.bitrate).toBe(9200);
    expect(decoderStream.decoder.lostFrames).toBe(3);
    const streamed = concat(out);
    expect(streamed.length).toBe(packets.length * 960);
    expect(streamed).toEqual(direct);
  });
});

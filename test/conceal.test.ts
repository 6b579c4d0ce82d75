// Packet-loss concealment (src/codec/conceal.ts) measured on real speech: sample1 encoded at
// 6 kbps, decoded with seeded random losses and with bursts, compared with the loss-free decode.
// The measured numbers are printed (console.log) for the README.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Concealer } from '../src/codec/conceal.js';
import { createDecoder, createEncoder, type StreamDecoderOptions } from '../src/codec/stream.js';
import { decodeWav } from '../src/audio/wav.js';
import type { Model } from '../src/model/load.js';
import { FRAME, HAVE_SHARED, importedModel, lyraFiles } from './reference/lyra.js';
import { xorshift32 } from '../src/util/prng.js';

const sharedDir = new URL('../../shared/', import.meta.url);
const available = HAVE_SHARED;

const importModel = (): Promise<Model> => importedModel(lyraFiles());

const rng = xorshift32;

function randomLoss(frames: number, rate: number, seed: number): boolean[] {
  const r = rng(seed);
  return Array.from({ length: frames }, () => r() < rate);
}

function burstLoss(frames: number, start: number, length: number): boolean[] {
  return Array.from({ length: frames }, (_, t) => t >= start && t < start + length);
}

function rms(x: Float32Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s / x.length);
}

function maxJump(x: Float32Array, from = 1, to = x.length): number {
  let m = 0;
  for (let i = Math.max(1, from); i < to; i++) m = Math.max(m, Math.abs(x[i] - x[i - 1]));
  return m;
}

/** SNR in dB of `test` against `ref` over the given frames. */
function snr(ref: Float32Array, test: Float32Array, frames: number[]): number {
  let sig = 0;
  let err = 0;
  for (const t of frames) {
    for (let i = t * FRAME; i < (t + 1) * FRAME; i++) {
      sig += ref[i] ** 2;
      err += (ref[i] - test[i]) ** 2;
    }
  }
  return 10 * Math.log10(sig / err);
}

/**
 * Phase-blind counterpart: SNR of the short-time magnitude spectra (Hann window, one 320-point
 * DFT per frame), which rewards the right spectral envelope and level rather than the exact
 * waveform that no concealment can predict. Zero-filling scores 0 dB here too.
 */
function spectralSnr(ref: Float32Array, test: Float32Array, frames: number[]): number {
  const cos = new Float64Array(FRAME);
  const sin = new Float64Array(FRAME);
  const win = new Float64Array(FRAME);
  for (let i = 0; i < FRAME; i++) {
    cos[i] = Math.cos((2 * Math.PI * i) / FRAME);
    sin[i] = Math.sin((2 * Math.PI * i) / FRAME);
    win[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / FRAME);
  }
  let sig = 0;
  let err = 0;
  for (const t of frames) {
    const o = t * FRAME;
    for (let k = 1; k < FRAME / 2; k++) {
      let ar = 0,
        ai = 0,
        br = 0,
        bi = 0;
      for (let i = 0, p = 0; i < FRAME; i++, p = (p + k) % FRAME) {
        const a = win[i] * ref[o + i];
        const b = win[i] * test[o + i];
        ar += a * cos[p];
        ai += a * sin[p];
        br += b * cos[p];
        bi += b * sin[p];
      }
      const A = Math.hypot(ar, ai);
      const B = Math.hypot(br, bi);
      sig += A * A;
      err += (A - B) ** 2;
    }
  }
  return 10 * Math.log10(sig / err);
}

const lostFrames = (lost: boolean[]) => lost.flatMap((l, t) => (l ? [t] : []));
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);

describe.skipIf(!available)('packet-loss concealment on sample1 (6 kbps)', () => {
  let model: Model;
  let packets: Uint8Array[];
  let reference: Float32Array; // loss-free decode
  let refJump: number;
  let speechRms: number;
  const decodeCache = new Map<string, Float32Array>();

  /** Decodes every packet, with those marked lost replaced by null. */
  function decodeWithLoss(lost: boolean[], options: Partial<StreamDecoderOptions> = {}): Float32Array {
    const key = JSON.stringify([lost, options]);
    const hit = decodeCache.get(key);
    if (hit) return hit;
    const decoder = createDecoder({ model, ...options });
    const out = new Float32Array(packets.length * FRAME);
    packets.forEach((p, t) => {
      out.set(decoder.decode(lost[t] ? null : p), t * FRAME);
    });
    decodeCache.set(key, out);
    return out;
  }

  /** Loss-free, concealed, zero-filled and hold-last-embedding results for one loss pattern. */
  function measure(name: string, lost: boolean[]) {
    const frames = lostFrames(lost);
    const concealed = decodeWithLoss(lost);
    const zeroFilled = decodeWithLoss(lost, { conceal: false });
    // Baseline: keep feeding the last received embedding unchanged (attenuation 1, no fade).
    const held = decodeWithLoss(lost, { conceal: { attenuation: 1, holdFrames: 1_000_000 } });
    // Jumps inside the lost frames and the first frame after each, against the same frames of the reference.
    const near = range(0, lost.length).filter((t) => lost[t] || (t > 0 && lost[t - 1]));
    const localJump = Math.max(...near.map((t) => maxJump(concealed, t * FRAME, (t + 1) * FRAME)));
    const localRefJump = Math.max(...near.map((t) => maxJump(reference, t * FRAME, (t + 1) * FRAME)));
    const m = {
      name,
      lost: frames.length,
      jumpRatio: maxJump(concealed) / refJump,
      localJumpRatio: localJump / localRefJump,
      snr: snr(reference, concealed, frames),
      snrZero: snr(reference, zeroFilled, frames),
      snrHeld: snr(reference, held, frames),
      specSnr: spectralSnr(reference, concealed, frames),
      specSnrZero: spectralSnr(reference, zeroFilled, frames),
      specSnrHeld: spectralSnr(reference, held, frames),
    };
    console.log(
      `[conceal] ${name}: ${m.lost} frames lost; max jump ${f2(m.jumpRatio)}x loss-free (near losses ${f2(m.localJumpRatio)}x); ` +
        `SNR over lost frames ${f2(m.snr)} dB (zero-fill ${f2(m.snrZero)}, hold-last ${f2(m.snrHeld)}); ` +
        `spectral SNR ${f2(m.specSnr)} dB (zero-fill ${f2(m.specSnrZero)}, hold-last ${f2(m.specSnrHeld)})`,
    );
    return { ...m, concealed };
  }

  beforeAll(async () => {
    model = await importModel();
    const speech = decodeWav(new Uint8Array(readFileSync(new URL('audio/sample1_16kHz.wav', sharedDir)))).samples;
    const encoder = createEncoder({ model, bitrate: 6000 });
    packets = [...encoder.encode(speech), ...encoder.flush()];
    reference = decodeWithLoss(packets.map(() => false));
    refJump = maxJump(reference);
    speechRms = rms(reference);
    console.log(
      `[conceal] sample1: ${packets.length} frames, loss-free decode RMS ${speechRms.toFixed(4)}, max sample jump ${refJump.toFixed(4)}`,
    );
  }, 60_000);

  it('random loss (5%, 10%, 20%, seeded): no clicks, and closer to the loss-free decode than zero-filling', () => {
    const all = [
      [0.05, 5],
      [0.1, 10],
      [0.2, 20],
    ].map(([rate, seed]) => measure(`random ${rate * 100}% loss`, randomLoss(packets.length, rate, seed)));
    for (const m of all) {
      expect(m.lost).toBeGreaterThan(0);
      // (a) continuity
      expect(m.jumpRatio).toBeLessThan(1.5);
      expect(m.localJumpRatio).toBeLessThan(1.5);
      // (c) The waveform of a lost frame cannot be predicted, so its SNR stays near zero-filling's
      // 0 dB either way (measured -0.3 to +1.6 dB here); it is clearly better than holding the
      // last embedding, and the magnitude spectrum is several dB closer than silence.
      expect(m.snr).toBeGreaterThan(m.snrZero - 1);
      expect(m.snr).toBeGreaterThan(m.snrHeld);
      expect(m.specSnr).toBeGreaterThan(m.specSnrZero + 2);
    }
    const meanSnr = all.reduce((s, m) => s + m.snr, 0) / all.length;
    console.log(`[conceal] random loss: mean SNR over lost frames ${f2(meanSnr)} dB (zero-fill 0.00)`);
    expect(meanSnr).toBeGreaterThan(0);
  }, 60_000);

  it('bursts of 5 and 20 frames: no clicks, recovery within 5 frames', () => {
    for (const [start, length] of [
      [40, 5],
      [100, 5],
      [60, 20],
      [120, 20],
    ]) {
      const lost = burstLoss(packets.length, start, length);
      const m = measure(`burst of ${length} at frame ${start}`, lost);
      const end = start + length;
      // (b) recovery: per-frame SNR after the burst, and the segment from 5 frames after it on
      const perFrame = range(end, end + 8).map((t) => snr(reference, m.concealed, [t]));
      const recovered = snr(reference, m.concealed, range(end + 5, end + 15));
      console.log(
        `[conceal]   after the burst: per-frame SNR ${perFrame.map(f1).join(', ')} dB; frames +5..+14: ${f1(recovered)} dB`,
      );
      expect(m.jumpRatio).toBeLessThan(1.5);
      expect(m.localJumpRatio).toBeLessThan(1.5);
      expect(recovered).toBeGreaterThan(10);
      // (c) over a burst the waveform SNR is about 0 dB, like zero-filling's (reported above);
      // the magnitude spectrum stays at least as close as silence
      expect(m.snr).toBeGreaterThan(m.snrZero - 1);
      expect(m.specSnr).toBeGreaterThan(m.specSnrZero - 0.5);
    }
  }, 60_000);

  it('a 50-frame gap fades to quiet comfort noise and recovers', () => {
    const start = 40;
    const lost = burstLoss(packets.length, start, 50);
    const m = measure('gap of 50 at frame 40', lost);
    const end = start + 50;
    const tail = m.concealed.subarray((end - 10) * FRAME, end * FRAME);
    const ratio = rms(tail) / speechRms;
    const frameLevels = range(start, end).map((t) => rms(m.concealed.subarray(t * FRAME, (t + 1) * FRAME)));
    const recovered = snr(reference, m.concealed, range(end + 5, end + 15));
    console.log(
      `[conceal]   level over the gap (RMS, every 5th frame): ${frameLevels
        .filter((_, i) => i % 5 === 0)
        .map((v) => v.toFixed(4))
        .join(', ')}; ` +
        `last 10 frames ${(20 * Math.log10(ratio)).toFixed(1)} dB re speech RMS (x${ratio.toFixed(4)}); frames +5..+14 after: ${f1(recovered)} dB`,
    );
    // (d) fade
    expect(ratio).toBeLessThan(0.1);
    // monotone-ish fade: no frame after the first 10 of the gap is louder than the first lost frame
    expect(Math.max(...frameLevels.slice(10))).toBeLessThan(frameLevels[0] + 1e-3);
    expect(m.jumpRatio).toBeLessThan(1.5);
    expect(m.localJumpRatio).toBeLessThan(1.5);
    expect(recovered).toBeGreaterThan(10);
  }, 60_000);

  it('Concealer: schedule, comfort noise tracking and option checks', () => {
    const dim = 4;
    const silence = new Float32Array([1, 1, 1, 1]);
    const c = new Concealer(dim, silence, { attenuation: 0.5, holdFrames: 1, fadeFrames: 2 });
    // Before any frame: the silence embedding.
    expect(c.conceal()).toEqual(silence);
    const loud = new Float32Array(FRAME).fill(0.5);
    c.observe(new Float32Array([2, 4, 6, 8]), loud); // too loud to become comfort noise
    expect(c.consecutiveLost).toBe(0);
    const e1 = c.conceal(); // k=1, w=1: 0.5 * last
    expect(Array.from(e1)).toEqual([1, 2, 3, 4]);
    const e2 = c.conceal(); // k=2, w=0.5: c + 0.5 * (0.25 * last - c)
    expect(Array.from(e2)).toEqual([0.75, 1, 1.25, 1.5]);
    expect(c.conceal()).toEqual(silence); // k=3: comfort noise
    expect(c.consecutiveLost).toBe(3);
    expect(c.concealedFrames).toBe(4);
    // A quiet frame becomes the comfort noise.
    const quiet = new Float32Array(FRAME).fill(1e-5);
    c.observe(new Float32Array([-1, -2, -3, -4]), quiet);
    c.conceal();
    c.conceal();
    expect(Array.from(c.conceal())).toEqual([-1, -2, -3, -4]);
    c.reset();
    expect(c.concealedFrames).toBe(0);
    expect(c.conceal()).toEqual(silence);
    expect(() => new Concealer(dim, silence, { attenuation: 2 })).toThrow(RangeError);
    expect(() => new Concealer(dim, new Float32Array(3))).toThrow(RangeError);
  });
});

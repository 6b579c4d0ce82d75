// DTX (src/codec/vad.ts, comfort-noise.ts, dtx.ts): the VAD on synthetic signals and on real speech
// with pauses, the SID body's round trip and errors, comfort noise matching a background's level
// and spectral tilt, and the DTX encoder/decoder pair with the Lyra model (needs ../shared).
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../src/audio/wav.js';
import {
  BackgroundEstimator,
  ComfortNoise,
  encodeSidBody,
  parseSidBody,
  reflectionFromAutocorrelation,
  SID_BODY_BYTES,
  SID_ORDER,
  SidFormatError,
} from '../src/codec/comfort-noise.js';
import { DtxController, type DtxFrame, DtxFrameDecoder, DtxFrameEncoder } from '../src/codec/dtx.js';
import { FrameDecoder, FrameEncoder } from '../src/codec/frame-codec.js';
import { Vad } from '../src/codec/vad.js';
import type { Model } from '../src/model/load.js';
import { xorshift32 } from '../src/util/prng.js';
import { FRAME, gaussianNoise, HAVE_SHARED, importedModel, lyraFiles, SPEECH_16K } from './reference/lyra.js';

const RATE = 16000;

/** White Gaussian noise through a one-pole filter y = x + pole * y[-1]: pole > 0 tilts it down, < 0 up. */
function colouredNoise(length: number, rms: number, pole: number, seed: number): Float32Array {
  const white = gaussianNoise(length, 1, seed);
  const out = new Float32Array(length);
  let y = 0;
  for (let i = 0; i < length; i++) {
    y = white[i] + pole * y;
    out[i] = y;
  }
  return scaleTo(out, rms);
}

function rmsOf(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s / x.length);
}

function scaleTo(x: Float32Array, rms: number): Float32Array {
  const g = rms / rmsOf(x);
  for (let i = 0; i < x.length; i++) x[i] *= g;
  return x;
}

function tone(length: number, hz: number, amplitude: number): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * hz * i) / RATE);
  return out;
}

/** A vowel-like buzz: the harmonics of `pitchHz` up to 4 kHz, falling 6 dB per octave. */
function buzz(length: number, pitchHz: number, amplitude: number): Float32Array {
  const out = new Float32Array(length);
  for (let h = 1; h * pitchHz < 4000; h++) {
    const partial = tone(length, h * pitchHz, amplitude / h);
    for (let i = 0; i < length; i++) out[i] += partial[i];
  }
  return out;
}

/** Lag-1 autocorrelation coefficient: the spectral tilt in one number (near 1: low-pass, near -1: high-pass). */
function tilt(x: Float32Array): number {
  let r0 = 0;
  let r1 = 0;
  for (let i = 1; i < x.length; i++) {
    r0 += x[i] * x[i];
    r1 += x[i] * x[i - 1];
  }
  return r1 / r0;
}

/** The VAD's decisions (with hangover) per frame. */
function decisions(x: Float32Array, vad = new Vad()): boolean[] {
  const out: boolean[] = [];
  for (let t = 0; t + FRAME <= x.length; t += FRAME) out.push(vad.process(x.subarray(t, t + FRAME)).active);
  return out;
}

const share = (flags: boolean[]) => flags.filter(Boolean).length / flags.length;

describe('VAD', () => {
  it('digital silence and very quiet noise are never active', () => {
    expect(share(decisions(new Float32Array(RATE * 2)))).toBe(0);
    expect(share(decisions(gaussianNoise(RATE * 2, 1e-4, 3)))).toBe(0);
  });

  it('stationary noise, white or coloured, loud or soft, settles to inactive', () => {
    for (const [rms, pole] of [
      [0.1, 0],
      [0.01, 0.9],
      [0.05, -0.5],
    ]) {
      const flags = decisions(colouredNoise(RATE * 4, rms, pole, 7));
      // After the floor tracker's first window (2.56 s), next to nothing is active.
      expect(share(flags.slice(130))).toBeLessThan(0.05);
    }
  });

  it('tone bursts over noise are active, with a hangover after each, and the gaps between them are not', () => {
    const noise = colouredNoise(RATE * 6, 0.005, 0.5, 11);
    const burstFrames: [number, number][] = [
      [100, 150],
      [200, 260],
    ];
    for (const [from, to] of burstFrames) {
      const burst = tone((to - from) * FRAME, 440, 0.2);
      for (let i = 0; i < burst.length; i++) noise[from * FRAME + i] += burst[i];
    }
    const flags = decisions(noise);
    for (const [from, to] of burstFrames) {
      expect(share(flags.slice(from, to))).toBe(1);
      // The hangover holds 10 frames after the burst, then the decision drops.
      expect(share(flags.slice(to, to + 10))).toBe(1);
      expect(flags[to + 12]).toBe(false);
    }
    expect(share(flags.slice(165, 195))).toBe(0);
  });

  it('a single-frame click gets only a short hangover', () => {
    const x = colouredNoise(RATE * 4, 0.003, 0, 5);
    const click = gaussianNoise(FRAME, 0.3, 6);
    for (let i = 0; i < FRAME; i++) x[150 * FRAME + i] += click[i];
    const flags = decisions(x);
    expect(flags[150]).toBe(true);
    expect(flags.slice(153, 170).some(Boolean)).toBe(false);
  });

  it('rejects frames of the wrong length and bad options with RangeErrors', () => {
    const vad = new Vad();
    expect(() => vad.process(new Float32Array(100))).toThrow(RangeError);
    expect(() => new Vad({ thresholdDb: 0 })).toThrow(RangeError);
    expect(() => new Vad({ hangoverFrames: -1 })).toThrow(RangeError);
    expect(() => new Vad({ frameSize: 0 })).toThrow(RangeError);
  });

  it.skipIf(!HAVE_SHARED)(
    'on sample1: the leading silence is inactive, the speech active, the word endings kept',
    () => {
      const x = decodeWav(new Uint8Array(readFileSync(SPEECH_16K))).samples;
      const flags = decisions(x);
      // sample1 opens with about 0.55 s of room tone before the first word.
      expect(share(flags.slice(0, 25))).toBe(0);
      // From the first word on, nearly every frame is sent (its pauses are short, within the hangover).
      const first = flags.indexOf(true);
      expect(first).toBeGreaterThan(24);
      expect(first).toBeLessThan(32);
      expect(share(flags.slice(first, flags.length - 3))).toBeGreaterThan(0.95);
    },
  );
});

describe('SID body', () => {
  it('round-trips a description within the quantiser step', () => {
    const r = xorshift32(9);
    for (let trial = 0; trial < 50; trial++) {
      const reflection = Float64Array.from({ length: SID_ORDER }, () => (2 * r() - 1) * 0.99);
      const levelDb = -Math.floor(r() * 120) - 0.3;
      const body = encodeSidBody({ levelDb, reflection });
      expect(body.length).toBe(SID_BODY_BYTES);
      const back = parseSidBody(body);
      expect(Math.abs(back.levelDb - levelDb)).toBeLessThanOrEqual(0.5);
      for (let i = 0; i < SID_ORDER; i++) {
        // A step of the angle code is 1.17 degrees: the coefficient moves by at most ~0.01.
        expect(Math.abs(back.reflection[i] - Math.max(-0.995, Math.min(0.995, reflection[i])))).toBeLessThan(0.011);
      }
      expect(encodeSidBody(back)).toEqual(body);
    }
  });

  it('clamps what it cannot carry: levels beyond 0..-127 dB, non-finite values', () => {
    const reflection = new Float64Array(SID_ORDER);
    expect(encodeSidBody({ levelDb: 5, reflection })[0]).toBe(0);
    expect(encodeSidBody({ levelDb: -300, reflection })[0]).toBe(127);
    expect(encodeSidBody({ levelDb: Number.NEGATIVE_INFINITY, reflection })[0]).toBe(127);
    reflection[0] = Number.NaN;
    expect(encodeSidBody({ levelDb: -40, reflection })[1]).toBe(128);
    expect(() => encodeSidBody({ levelDb: -40, reflection: new Float64Array(3) })).toThrow(RangeError);
  });

  it('rejects a wrong length, a reserved level bit and a reserved coefficient code with SidFormatError', () => {
    const good = encodeSidBody({ levelDb: -50, reflection: new Float64Array(SID_ORDER) });
    expect(() => parseSidBody(good.subarray(0, 10))).toThrow(/11/);
    expect(() => parseSidBody(new Uint8Array(12))).toThrow(SidFormatError);
    const level = good.slice();
    level[0] = 200;
    expect(() => parseSidBody(level)).toThrow(/reserved/);
    const code = good.slice();
    code[4] = 0;
    expect(() => parseSidBody(code)).toThrow(SidFormatError);
    expect(() => parseSidBody([1, 2] as unknown as Uint8Array)).toThrow(SidFormatError);
  });
});

describe('comfort noise', () => {
  /** The background, estimated on frames, sent through a SID body, played back for `frames` frames. */
  function playBack(background: Float32Array, frames: number, seed = 1): Float32Array {
    const estimator = new BackgroundEstimator();
    for (let t = 0; t + FRAME <= background.length; t += FRAME) estimator.observe(background.subarray(t, t + FRAME));
    const cn = new ComfortNoise({ seed });
    cn.update(parseSidBody(encodeSidBody(estimator.describe())));
    const out = new Float32Array(frames * FRAME);
    for (let t = 0; t < frames; t++) cn.generate(out.subarray(t * FRAME, (t + 1) * FRAME));
    return out;
  }

  it('matches the background level within 1.5 dB and its tilt within 0.1, low- and high-pass alike', () => {
    for (const [rms, pole] of [
      [0.02, 0.95],
      [0.003, 0],
      [0.05, -0.6],
      [0.001, 0.7],
    ]) {
      const background = colouredNoise(RATE * 2, rms, pole, 21);
      const played = playBack(background, 100);
      const levelError = 20 * Math.log10(rmsOf(played) / rms);
      expect(Math.abs(levelError)).toBeLessThan(1.5);
      expect(Math.abs(tilt(played) - tilt(background))).toBeLessThan(0.1);
    }
  });

  it('is deterministic for a seed, different across seeds, and reset() replays it', () => {
    const background = colouredNoise(RATE, 0.01, 0.5, 4);
    expect(playBack(background, 10, 3)).toEqual(playBack(background, 10, 3));
    expect(playBack(background, 10, 3)).not.toEqual(playBack(background, 10, 4));
    const cn = new ComfortNoise({ seed: 8 });
    const description = { levelDb: -30, reflection: new Float64Array(SID_ORDER) };
    cn.update(description);
    const first = cn.generate(new Float32Array(FRAME)).slice();
    cn.reset();
    cn.update(description);
    expect(cn.generate(new Float32Array(FRAME))).toEqual(first);
  });

  it('ramps to a new level over rampFrames without a jump', () => {
    const cn = new ComfortNoise({ rampFrames: 4 });
    const flat = new Float64Array(SID_ORDER);
    cn.update({ levelDb: -40, reflection: flat });
    const frame = new Float32Array(FRAME);
    for (let t = 0; t < 5; t++) cn.generate(frame);
    cn.update({ levelDb: -20, reflection: flat });
    const levels: number[] = [];
    for (let t = 0; t < 6; t++) levels.push(20 * Math.log10(rmsOf(cn.generate(frame))));
    for (let t = 1; t < 4; t++) expect(levels[t]).toBeGreaterThan(levels[t - 1]);
    expect(levels[0]).toBeLessThan(-25);
    expect(Math.abs(levels[5] + 20)).toBeLessThan(1.5);
  });

  it('is silent before its first description; Levinson gives zero coefficients for white noise and none for silence', () => {
    expect(new ComfortNoise().generate(new Float32Array(8).fill(1))).toEqual(new Float32Array(8));
    const white = gaussianNoise(RATE, 0.1, 2);
    const estimator = new BackgroundEstimator();
    for (let t = 0; t < white.length; t += FRAME) estimator.observe(white.subarray(t, t + FRAME));
    for (const k of estimator.describe().reflection) expect(Math.abs(k)).toBeLessThan(0.1);
    expect(reflectionFromAutocorrelation(new Float64Array(SID_ORDER + 1), SID_ORDER)).toEqual(
      new Float64Array(SID_ORDER),
    );
  });
});

describe('DTX controller', () => {
  /** Background noise with speech-like tone bursts in frames [from, to). */
  function scene(frames: number, bursts: [number, number][]): Float32Array {
    const x = colouredNoise(frames * FRAME, 0.004, 0.8, 31);
    for (const [from, to] of bursts) {
      // Syllables: the buzz's amplitude rises and falls 4 times a second, as speech's does.
      const burst = buzz((to - from) * FRAME, 140, 0.1);
      for (let i = 0; i < burst.length; i++)
        x[from * FRAME + i] += burst[i] * (0.05 + 0.95 * Math.abs(Math.cos((Math.PI * 4 * i) / RATE)));
    }
    return x;
  }

  it('sends speech, then a SID when the silence starts, then one every sidIntervalFrames, and nothing between', () => {
    const x = scene(400, [[100, 200]]);
    const dtx = new DtxController({ sidIntervalFrames: 20 });
    const sent = [];
    for (let t = 0; t < 400; t++) sent.push(dtx.decide(x.subarray(t * FRAME, (t + 1) * FRAME)).send);
    expect(sent[0]).toBe('sid');
    expect(sent.slice(100, 210).every((s) => s === 'speech')).toBe(true);
    const sids = sent.map((s, t) => (s === 'sid' ? t : -1)).filter((t) => t > 200);
    expect(sids[0]).toBe(210);
    for (let i = 1; i < sids.length; i++) expect(sids[i] - sids[i - 1]).toBeLessThanOrEqual(20);
    expect(sent.slice(211).filter((s) => s === 'none').length).toBeGreaterThan(170);
  });

  it('sends an early SID when the background gets louder, and rejects bad options', () => {
    const quiet = colouredNoise(200 * FRAME, 0.002, 0.5, 41);
    const loud = colouredNoise(200 * FRAME, 0.02, 0.5, 42);
    const dtx = new DtxController({ sidIntervalFrames: 1000, sidMinGapFrames: 5 });
    const sidFrames: number[] = [];
    const x = new Float32Array(400 * FRAME);
    x.set(quiet);
    x.set(loud, 200 * FRAME);
    for (let t = 0; t < 400; t++)
      if (dtx.decide(x.subarray(t * FRAME, (t + 1) * FRAME)).send === 'sid') sidFrames.push(t);
    expect(sidFrames[0]).toBe(0);
    expect(sidFrames.some((t) => t >= 200)).toBe(true);
    expect(() => new DtxController({ sidIntervalFrames: 0 })).toThrow(RangeError);
    expect(() => new DtxController({ sidChangeDb: -1 })).toThrow(RangeError);
  });
});

describe.skipIf(!HAVE_SHARED)('DTX with the Lyra model', () => {
  let model: Model;
  beforeAll(async () => {
    model = await importedModel(lyraFiles());
  }, 120_000);

  /** sample1 with 1 s of its own room tone repeated in the middle: speech, a long pause, speech. */
  function speechWithPause(): Float32Array {
    const x = decodeWav(new Uint8Array(readFileSync(SPEECH_16K))).samples;
    const roomTone = x.subarray(0, 25 * FRAME);
    const frames = Math.floor(x.length / FRAME);
    const out = new Float32Array((frames + 75) * FRAME);
    const cut = 90 * FRAME;
    out.set(x.subarray(0, cut));
    for (let k = 0; k < 3; k++) out.set(roomTone, cut + k * 25 * FRAME);
    out.set(x.subarray(cut, frames * FRAME), cut + 75 * FRAME);
    return out;
  }

  function run(x: Float32Array): { frames: DtxFrame[]; audio: Float32Array } {
    const encoder = new DtxFrameEncoder(new FrameEncoder(model, { bitrate: 3200 }));
    const decoder = new DtxFrameDecoder(new FrameDecoder(model));
    const frames: DtxFrame[] = [];
    const audio = new Float32Array(x.length);
    for (let t = 0; t < x.length / FRAME; t++) {
      const frame = encoder.encodeFrame(x.subarray(t * FRAME, (t + 1) * FRAME));
      frames.push(frame);
      decoder.decode(frame, audio.subarray(t * FRAME, (t + 1) * FRAME));
    }
    return { frames, audio };
  }

  it('sends fewer frames, plays comfort noise at the background level in the pause, and is deterministic', () => {
    const x = speechWithPause();
    const { frames, audio } = run(x);
    const speech = frames.filter((f) => f?.kind === 'speech').length;
    const sids = frames.filter((f) => f?.kind === 'sid').length;
    expect(speech / frames.length).toBeLessThan(0.8);
    expect(sids).toBeGreaterThanOrEqual(2);
    // Within the pause (after the hangover and the ramp), the output is comfort noise near the room tone's level.
    const pause = audio.subarray(115 * FRAME, 160 * FRAME);
    const roomTone = x.subarray(115 * FRAME, 160 * FRAME);
    expect(Math.abs(20 * Math.log10(rmsOf(pause) / rmsOf(roomTone)))).toBeLessThan(3);
    // The speech after the pause is decoded: loud again.
    expect(rmsOf(audio.subarray(170 * FRAME, 200 * FRAME))).toBeGreaterThan(5 * rmsOf(pause));
    const again = run(x);
    expect(again.audio).toEqual(audio);
    expect(again.frames).toEqual(frames);
  }, 120_000);

  it('conceals a frame missing in speech and plays comfort noise for frames missing after a SID', () => {
    const decoder = new DtxFrameDecoder(new FrameDecoder(model));
    const encoder = new DtxFrameEncoder(new FrameEncoder(model, { bitrate: 3200 }));
    const x = speechWithPause();
    for (let t = 0; t < 60; t++) decoder.decode(encoder.encodeFrame(x.subarray(t * FRAME, (t + 1) * FRAME)));
    expect(decoder.comfortNoise).toBe(false);
    const before = decoder.comfortFrames;
    decoder.decode(null);
    expect(decoder.comfortNoise).toBe(false);
    decoder.decode({ kind: 'sid', body: encodeSidBody({ levelDb: -50, reflection: new Float64Array(SID_ORDER) }) });
    decoder.decode(null);
    expect(decoder.comfortNoise).toBe(true);
    expect(decoder.comfortFrames).toBe(before + 2);
    expect(() => decoder.decode({ kind: 'sid', body: new Uint8Array(3) })).toThrow(SidFormatError);
  }, 120_000);
});

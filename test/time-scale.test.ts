// Time-scale modification (src/codec/time-scale.ts): lengths as asked, seamless joins, no energy
// blow-up, identity when nothing is asked, a preference for steady or quiet frames, typed errors.
import { describe, expect, it } from 'vitest';
import { TimeScaler } from '../src/codec/time-scale.js';
import { mulberry32 } from '../src/util/prng.js';

const RATE = 16000;
const FRAME = 320;

/** Frame `k` of a 125 Hz voiced tone (period 128 samples) with two harmonics. */
function voiced(k: number, amplitude = 0.4): Float32Array {
  const out = new Float32Array(FRAME);
  for (let i = 0; i < FRAME; i++) {
    const f = (2 * Math.PI * 125 * (k * FRAME + i)) / RATE;
    out[i] = amplitude * (Math.sin(f) + 0.4 * Math.sin(2 * f + 0.5) + 0.2 * Math.sin(3 * f + 1));
  }
  return out;
}

function noise(seed: number, amplitude: number): Float32Array {
  const random = mulberry32(seed);
  return Float32Array.from({ length: FRAME }, () => amplitude * (random() * 2 - 1));
}

const rms = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
/** The largest step between neighbouring samples, across the joins of consecutive outputs too. */
function largestStep(parts: Float32Array[]): number {
  let previous = Number.NaN;
  let step = 0;
  for (const p of parts) {
    for (const v of p) {
      if (!Number.isNaN(previous)) step = Math.max(step, Math.abs(v - previous));
      previous = v;
    }
  }
  return step;
}

describe('TimeScaler', () => {
  it('is the identity when asked for no change', () => {
    const scaler = new TimeScaler({ sampleRate: RATE });
    for (let k = 0; k < 5; k++) {
      const frame = voiced(k);
      const r = scaler.process(frame, 0);
      expect(r.change).toBe(0);
      expect(r.output).toEqual(frame);
      expect(r.output).not.toBe(frame);
    }
  });

  it('lengthens and shortens a steady voiced frame by whole periods, seamlessly, without energy blow-up', () => {
    const scaler = new TimeScaler({ sampleRate: RATE });
    const parts: Float32Array[] = [];
    const requests = [0, 0, 200, -150, 130, -200, 0, 300, -280, 0];
    requests.forEach((request, k) => {
      const frame = voiced(k);
      const r = scaler.process(frame, request);
      if (request !== 0) {
        // Whole 128-sample periods, never beyond the request.
        expect(Math.sign(r.change)).toBe(Math.sign(request));
        expect(Math.abs(r.change) % 128).toBe(0);
        expect(Math.abs(r.change)).toBeLessThanOrEqual(Math.abs(request));
        expect(r.correlation).toBeGreaterThan(0.99);
      }
      expect(r.output.length).toBe(FRAME + r.change);
      // The frame's last sample is still the last one played: the next frame joins on.
      expect(r.output[r.output.length - 1]).toBe(frame[FRAME - 1]);
      expect(rms(r.output)).toBeGreaterThan(0.9 * rms(frame));
      expect(rms(r.output)).toBeLessThan(1.1 * rms(frame));
      parts.push(r.output);
    });
    // No seam: no step between neighbours larger than the tone's own.
    expect(largestStep(parts)).toBeLessThan(largestStep([voiced(0), voiced(1)]) * 1.05);
  });

  it('gives exactly the requested length with exact: true', () => {
    const scaler = new TimeScaler({ sampleRate: RATE });
    scaler.process(voiced(0), 0);
    for (const request of [1, -1, 37, -37, 250, -280, 480, 0]) {
      const r = scaler.process(voiced(1), request, { exact: true });
      expect(r.output.length).toBe(FRAME + request);
      expect(r.change).toBe(request);
      expect(rms(r.output)).toBeLessThan(1.5 * rms(voiced(1)));
    }
  });

  it('lengthens by at least the request, in whole periods, with atLeast: true', () => {
    const scaler = new TimeScaler({ sampleRate: RATE });
    scaler.process(voiced(0), 0);
    scaler.process(voiced(1), 0);
    const r = scaler.process(voiced(2), 10, { atLeast: true });
    expect(r.change).toBe(128);
  });

  it('leaves loud noise alone unless forced, and changes quiet noise', () => {
    const scaler = new TimeScaler({ sampleRate: RATE });
    for (let k = 0; k < 10; k++) scaler.process(noise(k, 0.5), 0);
    const loud = scaler.process(noise(11, 0.5), -100);
    expect(loud.change).toBe(0);
    const forced = scaler.process(noise(12, 0.5), -100, { force: true });
    expect(forced.change).toBeLessThan(0);
    expect(forced.output.length).toBe(FRAME + forced.change);
    const quiet = scaler.process(noise(13, 0.01), -100);
    expect(quiet.change).toBeLessThan(0);
    expect(rms(quiet.output)).toBeLessThan(0.02);
  });

  it('refuses bad arguments with RangeErrors that name them', () => {
    expect(() => new TimeScaler({ sampleRate: 0 })).toThrow(/sampleRate/);
    expect(() => new TimeScaler({ sampleRate: RATE, minPeriodMs: 10, maxPeriodMs: 5 })).toThrow(/PeriodMs/);
    expect(() => new TimeScaler({ sampleRate: RATE, steadyCorrelation: 2 })).toThrow(/steadyCorrelation/);
    const scaler = new TimeScaler({ sampleRate: RATE });
    expect(() => scaler.process(new Float32Array(0), 0)).toThrow(/non-empty/);
    expect(() => scaler.process(voiced(0), 1.5)).toThrow(/whole number/);
    expect(() => scaler.process(voiced(0), Number.NaN)).toThrow(RangeError);
    expect(() => scaler.process(voiced(0), -FRAME)).toThrow(/at most/);
    expect(() => scaler.process(voiced(0), 10_000)).toThrow(/at most/);
    expect(() => scaler.process([] as unknown as Float32Array, 0)).toThrow(RangeError);
  });
});

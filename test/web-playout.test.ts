// The pieces of the Web Audio nodes that run without a browser: the SharedArrayBuffer sample
// ring, against a plain array model of a FIFO. (The playout decisions: test/playout.test.ts.)
import { describe, expect, it } from 'vitest';
import { SampleRing } from '../src/web/ring.js';
import { xorshift32 } from '../src/util/prng.js';

describe('SampleRing', () => {
  it('is a FIFO: random writes and reads across the wrap give back exactly what went in, and never more than fits', () => {
    const ring = new SampleRing(SampleRing.allocate(64));
    const model: number[] = [];
    const random = xorshift32(7);
    let next = 0;
    for (let step = 0; step < 5000; step++) {
      if (random() < 0.5) {
        const src = Float32Array.from({ length: Math.floor(random() * 40) }, () => next++);
        const written = ring.write(src);
        expect(written).toBe(Math.min(src.length, 64 - model.length));
        model.push(...src.subarray(0, written));
        next -= src.length - written; // what did not fit is offered again next time
      } else {
        const dst = new Float32Array(Math.floor(random() * 40));
        const got = ring.read(dst);
        expect(got).toBe(Math.min(dst.length, model.length));
        expect(Array.from(dst.subarray(0, got))).toEqual(model.splice(0, got));
      }
      expect(ring.available).toBe(model.length);
      expect(ring.free).toBe(64 - model.length);
    }
  });

  it('keeps working when the 32-bit counters wrap', () => {
    const buffer = SampleRing.allocate(8);
    const counters = new Int32Array(buffer, 0, 2);
    counters[0] = counters[1] = -3; // 2^32 - 3 samples read and written
    const ring = new SampleRing(buffer);
    expect(ring.write(Float32Array.of(1, 2, 3, 4, 5))).toBe(5);
    expect(ring.available).toBe(5);
    const out = new Float32Array(8);
    expect(ring.read(out)).toBe(5);
    expect(Array.from(out.subarray(0, 5))).toEqual([1, 2, 3, 4, 5]);
  });

  it('refuses capacities that are not powers of two and buffers of the wrong size', () => {
    expect(() => SampleRing.allocate(100)).toThrow(/power of two/);
    expect(() => SampleRing.allocate(0)).toThrow(RangeError);
    expect(() => new SampleRing(new SharedArrayBuffer(8 + 4 * 100))).toThrow(/not a SampleRing buffer/);
  });
});

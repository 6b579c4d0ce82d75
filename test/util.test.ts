// The small shared helpers of src/util (sha256 and utf8 have their own test files).
import { describe, expect, it } from 'vitest';
import { concatBytes, concatFloats } from '../src/util/concat.js';
import { describeValue } from '../src/util/describe-value.js';
import { bytesToHex, hexToBytes } from '../src/util/hex.js';
import { checkPositiveInteger } from '../src/util/positive-integer.js';
import { mulberry32, xorshift32 } from '../src/util/prng.js';

describe('src/util', () => {
  it('hex: bytes to lower-case hex and back; malformed hex is a RangeError, not zeros', () => {
    const bytes = Uint8Array.from([0, 1, 0x0f, 0x10, 0xab, 0xff]);
    expect(bytesToHex(bytes)).toBe('00010f10abff');
    expect(hexToBytes('00010f10ABff')).toEqual(bytes);
    expect(hexToBytes('')).toEqual(new Uint8Array(0));
    for (const bad of ['abc', 'zz', '0x12', '12 34']) expect(() => hexToBytes(bad)).toThrow(RangeError);
  });

  it('concat: parts end to end in a new array of the same type', () => {
    const a = Uint8Array.from([1, 2]);
    const joined = concatBytes([a, new Uint8Array(0), Uint8Array.from([3])]);
    expect(joined).toEqual(Uint8Array.from([1, 2, 3]));
    expect(joined.buffer).not.toBe(a.buffer);
    expect(concatFloats([Float32Array.from([0.5]), Float32Array.from([-1, 2])])).toEqual(
      Float32Array.from([0.5, -1, 2]),
    );
    expect(concatFloats([])).toEqual(new Float32Array(0));
  });

  it('checkPositiveInteger names the value and what it got', () => {
    expect(() => checkPositiveInteger('sampleRate', 16000)).not.toThrow();
    for (const bad of [0, -1, 1.5, NaN, Infinity, 2 ** 53]) {
      expect(() => checkPositiveInteger('sampleRate', bad)).toThrow(
        `sampleRate must be a positive integer, got ${bad}`,
      );
    }
  });

  it('describeValue says what was passed instead of a Uint8Array', () => {
    expect(describeValue(new Int8Array(2))).toBe('an Int8Array');
    expect(describeValue(new Float32Array(2))).toBe('a Float32Array');
    expect(describeValue('abc')).toBe('a string of 3 characters');
    expect(describeValue({ length: 23 })).toBe('an object {length: 23}');
    expect(describeValue(null)).toBe('null');
  });

  it('the PRNGs are seeded: the same seed, the same sequence in [0, 1); another seed, another', () => {
    for (const make of [mulberry32, xorshift32]) {
      const a = make(42);
      const b = make(42);
      const c = make(43);
      const xs = Array.from({ length: 1000 }, () => a());
      expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
      expect(xs.slice(0, 10)).not.toEqual(Array.from({ length: 10 }, () => c()));
      expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...xs)).toBeLessThan(1);
      const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
      expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
    }
    // A zero seed would make xorshift32 output zeros for ever.
    expect(xorshift32(0)()).toBeGreaterThan(0);
    // Fixed values, so that a change to a generator (and to every test signal made with it) shows.
    expect(mulberry32(1)()).toBeCloseTo(0.6270739405881613, 15);
    expect(xorshift32(1)()).toBeCloseTo(270369 / 4294967296, 15);
  });
});

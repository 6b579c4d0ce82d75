// dequantize: x = scale * (q - zeroPoint), one float32 rounding.
import { describe, expect, it } from 'vitest';
import { dequantize } from '../../src/kernels/dequantize.js';
import { firstBitMismatch } from './random.js';

const fr = Math.fround;
const ALL_CODES = Int8Array.from({ length: 256 }, (_, i) => i - 128);

const PARAMS: Array<[number, number]> = [
  [fr(0.0173), 0],
  [fr(1 / 3), -128],
  [0.25, 127],
  [2 ** -7, 5],
  [fr(3.7), -17],
  [fr(0.1), 3],
  [fr(1e-4), 64],
  [fr(123.456), -1],
];

describe.each(PARAMS)('dequantize, scale %s, zero point %i (all 256 codes)', (scale, zeroPoint) => {
  it('float64 reference within one float32 rounding', () => {
    const x = new Float32Array(256 + 2).fill(-7);
    dequantize(ALL_CODES, 256, scale, zeroPoint, x);
    for (let i = 0; i < 256; i++) {
      const exact = scale * (ALL_CODES[i] - zeroPoint);
      expect(Math.abs(x[i] - exact), `code ${ALL_CODES[i]}`).toBeLessThanOrEqual(Math.abs(exact) * 2 ** -24);
    }
    expect(Array.from(x.subarray(256))).toEqual([-7, -7]);
  });

  it('bit-exact float32 product', () => {
    const x = new Float32Array(256);
    dequantize(ALL_CODES, 256, scale, zeroPoint, x);
    const expected: number[] = [];
    for (let q = -128; q <= 127; q++) expected.push(fr(scale * (q - zeroPoint)));
    expect(firstBitMismatch(x, expected)).toBeNull();
  });
});

describe('dequantize: hand-computed', () => {
  it('subtracts the zero point before scaling', () => {
    const x = new Float32Array(4);
    dequantize(Int8Array.from([3, -128, 127, -2]), 4, 0.5, -2, x);
    expect(Array.from(x)).toEqual([2.5, -63, 64.5, 0]);
  });
});

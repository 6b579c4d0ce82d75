// The fast kernels must give exactly the bits of their plain twins, on the model's shapes and on
// awkward ones.
import { describe, expect, it } from 'vitest';
import { centreInt8 } from '../../src/kernels/centre-int8.js';
import { conv1d } from '../../src/kernels/conv1d.js';
import { conv1dBlocked, packConv1dWeights } from '../../src/kernels/conv1d-blocked.js';
import { conv1dInt8 } from '../../src/kernels/conv1d-int8.js';
import { conv1dInt8Blocked, packConv1dInt8Weights } from '../../src/kernels/conv1d-int8-blocked.js';
import { quantizeMultiplier } from '../../src/kernels/fixed-point.js';
import type { Requantization } from '../../src/kernels/requantize.js';
import { prepareRequantization } from '../../src/kernels/requantize-rows.js';
import { transposedConv1d } from '../../src/kernels/transposed-conv1d.js';
import { transposedConv1dBlocked } from '../../src/kernels/transposed-conv1d-blocked.js';
import { transposedConv1dMono } from '../../src/kernels/transposed-conv1d-mono.js';
import { transposedConv1dInt8 } from '../../src/kernels/transposed-conv1d-int8.js';
import { transposedConv1dInt8Blocked } from '../../src/kernels/transposed-conv1d-int8-blocked.js';
import { widen } from '../../src/kernels/widen.js';
import { xorshift32 } from '../../src/util/prng.js';

const prng = xorshift32;
/** The blocked int8 kernels' input: codes minus the zero point, as float64. */
const centre = (x: Int8Array, zeroPoint: number) => {
  const y = new Float64Array(x.length);
  centreInt8(x, x.length, zeroPoint, y);
  return y;
};
const floats = (n: number, rand: () => number) => Float32Array.from({ length: n }, () => (rand() - 0.5) * 4);
/** A scratch row holding stale values: the kernel must overwrite every one it reads. */
const scratch = (n: number) => new Float64Array(n).fill(12345);
const int8s = (n: number, rand: () => number) => Int8Array.from({ length: n }, () => Math.floor(rand() * 256) - 128);

function requant(channels: number, rand: () => number, rounding: 'single' | 'double'): Requantization {
  const multipliers = new Int32Array(channels);
  const shifts = new Int32Array(channels);
  for (let c = 0; c < channels; c++) {
    const m = quantizeMultiplier(1e-4 + rand() * 0.01);
    multipliers[c] = m.multiplier;
    shifts[c] = m.shift;
  }
  return { multipliers, shifts, outputZeroPoint: Math.floor(rand() * 41) - 20, rounding };
}

const convCases = [
  // [cIn, cOut, kernel, stride, dilation, groups, tOut]
  [64, 64, 1, 1, 1, 1, 20],
  [64, 128, 10, 5, 1, 1, 4],
  [128, 128, 1, 1, 1, 2, 4],
  [128, 256, 4, 2, 1, 2, 2],
  [256, 512, 4, 1, 1, 4, 1],
  [512, 64, 3, 1, 1, 4, 1],
  [6, 8, 3, 7, 9, 1, 5],
  [8, 16, 5, 2, 3, 4, 3],
  [1, 64, 64, 16, 1, 1, 20],
  [1, 8, 5, 2, 3, 1, 4],
  [4, 16, 3, 1, 2, 4, 3],
] as const;
// An odd Cin/groups above 1, which the float kernels' split sums do not take (the layers keep
// such shapes off them) but the int8 ones must: their inner loops take four, two, then one
// (with four output channels per group, and with eight).
const int8ConvCases = [...convCases, [14, 8, 2, 1, 1, 2, 3], [7, 16, 2, 1, 1, 1, 3]] as const;

describe('blocked convolutions equal the plain kernels bit for bit', () => {
  it.each(convCases)(
    'float conv1d cIn %i cOut %i K %i stride %i dilation %i groups %i',
    (cIn, cOut, k, s, d, g, tOut) => {
      const rand = prng(cIn * 7 + cOut * 13 + k);
      const tIn = (tOut - 1) * s + d * (k - 1) + 1 + (s > 1 ? s - 1 : 0);
      const x = floats(tIn * cIn, rand);
      const w = floats(cOut * k * (cIn / g), rand);
      const bias = floats(cOut, rand);
      const packed = packConv1dWeights(w, cOut, k, cIn / g);
      for (const split of [true, false]) {
        for (const b of [bias, null]) {
          const plain = new Float32Array(tOut * cOut);
          conv1d(x, tIn, cIn, w, b, k, s, d, g, plain, cOut, split);
          // Float64 operands (KernelStyle 'jit') and float32 ones ('jit-float32'), split sums one
          // output step at a time or two.
          for (const [input, weights] of [
            [Float64Array.from(x), packed],
            [x, Float32Array.from(packed)],
          ]) {
            for (const stepPairs of [false, true]) {
              const fast = new Float32Array(tOut * cOut);
              conv1dBlocked(input, tIn, cIn, weights, b, k, s, d, g, fast, cOut, split, stepPairs);
              expect(Array.from(fast)).toEqual(Array.from(plain));
            }
          }
        }
      }
    },
  );

  it.each(int8ConvCases)(
    'int8 conv1d cIn %i cOut %i K %i stride %i dilation %i groups %i',
    (cIn, cOut, k, s, d, g, tOut) => {
      const rand = prng(cIn * 3 + cOut * 5 + k);
      const tIn = (tOut - 1) * s + d * (k - 1) + 1;
      const x = int8s(tIn * cIn, rand);
      const w = int8s(cOut * k * (cIn / g), rand);
      const bias = Int32Array.from({ length: cOut }, () => Math.floor(rand() * 20000) - 10000);
      for (const rounding of ['single', 'double'] as const) {
        const r = requant(cOut, rand, rounding);
        const plain = new Int8Array(tOut * cOut);
        const fast = new Int8Array(tOut * cOut);
        conv1dInt8(x, tIn, cIn, -7, w, bias, k, s, d, g, plain, cOut, r);
        const packed = packConv1dInt8Weights(w, cOut, k, cIn / g, g);
        expect(packed).not.toBeNull();
        conv1dInt8Blocked(
          centre(x, -7),
          tIn,
          cIn,
          packed!,
          bias,
          k,
          s,
          d,
          g,
          scratch(fast.length),
          fast,
          cOut,
          r,
          prepareRequantization(r, cOut),
        );
        expect(Array.from(fast)).toEqual(Array.from(plain));
      }
    },
  );

  it('int8 packing refuses shapes whose sums could collide (more than 1023 products per output)', () => {
    expect(packConv1dInt8Weights(new Int8Array(4 * 1024), 4, 1, 1024, 1)).toBeNull();
    expect(packConv1dInt8Weights(new Int8Array(6 * 8), 6, 1, 8, 1)).toBeNull();
  });

  it.each([
    [-128, 127, -128, 127],
    [127, -128, -128, 127],
    [-128, 127, 127, -128],
  ])('holds at the extremes of int8 (code %i, zero point %i, weights %i and %i)', (code, zeroPoint, wa, wb) => {
    // 1023 products of 255 * 128 in each lane: the largest sums the packing allows, of either sign,
    // over one output step and over two (the kernel sums them in different groupings).
    const cIn = 1023;
    for (const steps of [1, 2]) {
      const x = new Int8Array(steps * cIn).fill(code);
      const w = new Int8Array(4 * cIn);
      for (let co = 0; co < 4; co++) w.fill(co % 2 ? wb : wa, co * cIn, (co + 1) * cIn);
      const r = requant(4, prng(1), 'single');
      r.multipliers.fill(1 << 30);
      r.shifts.fill(-20);
      const plain = new Int8Array(4 * steps);
      const fast = new Int8Array(4 * steps);
      conv1dInt8(x, steps, cIn, zeroPoint, w, null, 1, 1, 1, 1, plain, 4, r);
      const packed = packConv1dInt8Weights(w, 4, 1, cIn, 1)!;
      conv1dInt8Blocked(
        centre(x, zeroPoint),
        steps,
        cIn,
        packed,
        null,
        1,
        1,
        1,
        1,
        scratch(4 * steps),
        fast,
        4,
        r,
        prepareRequantization(r, 4),
      );
      expect(Array.from(fast)).toEqual(Array.from(plain));
      expect(new Set(plain).size).toBeGreaterThan(1);
    }
  });

  const tconvCases = [
    // [cIn, cOut, kernel, stride, tIn]
    [128, 64, 10, 5, 4],
    [128, 64, 4, 2, 1],
    [128, 64, 6, 2, 2],
    [64, 4, 64, 16, 20],
    [2, 8, 3, 5, 3],
    [6, 12, 4, 2, 3],
  ] as const;
  const int8TconvCases = [...tconvCases, [7, 16, 4, 2, 3]] as const;

  it.each(tconvCases)('float transposed conv cIn %i cOut %i K %i stride %i', (cIn, cOut, k, s, tIn) => {
    const rand = prng(cIn + cOut + k + s);
    const x = floats(tIn * cIn, rand);
    const w = floats(cOut * k * cIn, rand);
    const bias = floats(cOut, rand);
    const size = ((tIn - 1) * s + k) * cOut;
    const plain = new Float32Array(size);
    transposedConv1d(x, tIn, cIn, w, bias, k, s, plain, cOut);
    const packed = packConv1dWeights(w, cOut, k, cIn);
    for (const [input, weights] of [
      [Float64Array.from(x), packed],
      [x, Float32Array.from(packed)],
    ]) {
      const fast = new Float32Array(size);
      transposedConv1dBlocked(input, tIn, cIn, weights, bias, k, s, fast, cOut);
      expect(Array.from(fast)).toEqual(Array.from(plain));
    }
  });

  it.each([
    [64, 64, 16, 20],
    [64, 64, 16, 1],
    [8, 10, 3, 7],
    [2, 3, 5, 4],
    [6, 7, 7, 2],
    [4, 20, 10, 5],
  ] as const)('float transposed conv to one channel: cIn %i K %i stride %i tIn %i', (cIn, k, s, tIn) => {
    const rand = prng(cIn * 5 + k + s + tIn);
    const x = floats(tIn * cIn, rand);
    const w = floats(k * cIn, rand);
    const size = (tIn - 1) * s + k;
    for (const bias of [floats(1, rand), null]) {
      const plain = new Float32Array(size);
      transposedConv1d(x, tIn, cIn, w, bias, k, s, plain, 1);
      for (const [input, weights] of [
        [Float64Array.from(x), Float64Array.from(w)],
        [x, w],
      ]) {
        const fast = new Float32Array(size);
        transposedConv1dMono(input, tIn, cIn, weights, bias, k, s, fast);
        expect(Array.from(fast)).toEqual(Array.from(plain));
      }
    }
  });

  it.each(int8TconvCases)('int8 transposed conv cIn %i cOut %i K %i stride %i', (cIn, cOut, k, s, tIn) => {
    const rand = prng(cIn * 11 + cOut + k);
    const x = int8s(tIn * cIn, rand);
    const w = int8s(cOut * k * cIn, rand);
    const bias = Int32Array.from({ length: cOut }, () => Math.floor(rand() * 2000) - 1000);
    const r = requant(cOut, rand, 'double');
    const size = ((tIn - 1) * s + k) * cOut;
    const plain = new Int8Array(size);
    const fast = new Int8Array(size);
    transposedConv1dInt8(x, tIn, cIn, 12, w, bias, k, s, plain, cOut, r);
    transposedConv1dInt8Blocked(
      centre(x, 12),
      tIn,
      cIn,
      packConv1dInt8Weights(w, cOut, k, cIn, 1, Math.ceil(k / s) * cIn)!,
      bias,
      k,
      s,
      scratch(size),
      fast,
      cOut,
      r,
      prepareRequantization(r, cOut),
    );
    expect(Array.from(fast)).toEqual(Array.from(plain));
  });

  it('widen and centreInt8 copy exactly the first n values, and nothing after', () => {
    const x = Float32Array.of(1.5, -0, Number.NaN, -Infinity, 1e-45, 3.4028234663852886e38, 7);
    const wide = new Float64Array(8).fill(99);
    widen(x, 6, wide);
    expect(Array.from(wide)).toEqual([...Array.from(x.subarray(0, 6)), 99, 99]);
    expect(Object.is(wide[1], -0)).toBe(true);
    const codes = Int8Array.of(-128, 127, 0, 5);
    const centred = new Float64Array(5).fill(99);
    centreInt8(codes, 4, -128, centred);
    expect(Array.from(centred)).toEqual([0, 255, 128, 133, 99]);
  });
});

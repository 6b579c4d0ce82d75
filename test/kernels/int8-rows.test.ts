// The int8 kernels that requantize whole rows (src/kernels/*-int8-rows.ts, requantize-rows.ts)
// must give exactly the codes of their plain twins: requantizeRows those of requantize on any int32
// accumulator, the convolutions those of the reference kernels on random shapes and codes.
import { describe, expect, it } from 'vitest';
import { conv1dInt8 } from '../../src/kernels/conv1d-int8.js';
import { packConv1dInt8Weights } from '../../src/kernels/conv1d-int8-blocked.js';
import { channelWeightSums, conv1dInt8Rows } from '../../src/kernels/conv1d-int8-rows.js';
import { depthwiseConv1dInt8 } from '../../src/kernels/depthwise-conv1d-int8.js';
import { depthwiseConv1dInt8Rows } from '../../src/kernels/depthwise-conv1d-int8-rows.js';
import { quantizeMultiplier } from '../../src/kernels/fixed-point.js';
import { type Requantization, requantize } from '../../src/kernels/requantize.js';
import { prepareRequantization, requantizeRows } from '../../src/kernels/requantize-rows.js';
import { transposedConv1dInt8 } from '../../src/kernels/transposed-conv1d-int8.js';
import { tapWeightSums, transposedConv1dInt8Rows } from '../../src/kernels/transposed-conv1d-int8-rows.js';
import { Rng } from './random.js';

/**
 * Per-channel multipliers over a wide range of scales (shifts from about -40 to +3), and now and
 * then a shift no real layer has (up to 31, down to -31), where the usual case does not hold.
 */
function requant(channels: number, rng: Rng, rounding: 'single' | 'double'): Requantization {
  const multipliers = new Int32Array(channels);
  const shifts = new Int32Array(channels);
  for (let c = 0; c < channels; c++) {
    const m = quantizeMultiplier(2 ** (rng.uniform() * 43 - 40));
    multipliers[c] = rng.int(0, 9) === 0 ? -m.multiplier : m.multiplier;
    shifts[c] = rng.int(0, 19) === 0 ? rng.pick([-31, -30, 0, 1, 20, 30, 31]) : m.shift;
  }
  return { multipliers, shifts, outputZeroPoint: rng.int(-128, 127), rounding };
}

describe('requantizeRows equals requantize', () => {
  it.each(['single', 'double'] as const)('%s rounding, on accumulators over the whole int32 range', (rounding) => {
    const rng = new Rng(rounding === 'single' ? 1 : 2);
    const channels = 37;
    for (let trial = 0; trial < 40; trial++) {
      const r = requant(channels, rng, rounding);
      const n = channels * 11;
      const acc = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const kind = rng.int(0, 3);
        acc[i] =
          kind === 0
            ? rng.int32()
            : kind === 1
              ? rng.int(-5000, 5000)
              : kind === 2
                ? rng.pick([-2147483648, 2147483647, 0, -1, 1])
                : rng.int(-(2 ** 24), 2 ** 24);
      }
      const got = new Int8Array(n);
      requantizeRows(acc, n, channels, prepareRequantization(r, channels), r, got);
      const want = Int8Array.from(acc, (a, i) => requantize(a, i % channels, r));
      expect(Array.from(got)).toEqual(Array.from(want));
    }
  });
});

describe('requantizeRows equals requantize on exact ties', () => {
  it.each(['single', 'double'] as const)(
    '%s rounding: multiplier 2^30, every accumulator in [-4096, 4096]',
    (rounding) => {
      // acc * 2^30 scaled by 2^-31 (and by 2^-shift after it) is a half for every odd acc: both the
      // first rounding and the rounding shift meet ties, of either sign.
      const channels = 13;
      const multipliers = new Int32Array(channels).fill(1 << 30);
      const shifts = Int32Array.from({ length: channels }, (_, c) => -c);
      const r: Requantization = { multipliers, shifts, outputZeroPoint: 3, rounding };
      const acc = Float64Array.from({ length: 8193 * channels }, (_, i) => Math.floor(i / channels) - 4096);
      const got = new Int8Array(acc.length);
      requantizeRows(acc, acc.length, channels, prepareRequantization(r, channels), r, got);
      const want = Int8Array.from(acc, (a, i) => requantize(a, i % channels, r));
      expect(Array.from(got)).toEqual(Array.from(want));
      expect(new Set(want).size).toBeGreaterThan(200);
    },
  );
});

const convCases = [
  // [cIn, cOut, kernel, stride, dilation, groups, tOut]
  [256, 256, 1, 1, 1, 1, 2],
  [256, 256, 1, 1, 1, 4, 2],
  [256, 512, 4, 2, 1, 4, 1],
  [512, 64, 3, 1, 1, 4, 1],
  [64, 128, 10, 5, 1, 1, 4],
  [8, 16, 5, 2, 3, 4, 3],
  [6, 8, 3, 7, 9, 1, 5],
  [6, 24, 2, 1, 1, 2, 3], // twelve channels a group: a pass of eight, then one of four
] as const;

describe('int8 row kernels equal the plain kernels', () => {
  it.each(convCases)('conv1d cIn %i cOut %i K %i stride %i dilation %i groups %i', (cIn, cOut, k, s, d, g, tOut) => {
    const rng = new Rng(cIn + cOut * 3 + k * 7 + g);
    const tIn = (tOut - 1) * s + d * (k - 1) + 1;
    for (const rounding of ['single', 'double'] as const) {
      const x = rng.i8Array(tIn * cIn);
      const w = rng.i8Array(cOut * k * (cIn / g));
      const bias = rng.i32Array(cOut, -50000, 50000);
      const r = requant(cOut, rng, rounding);
      const zeroPoint = rng.int(-128, 127);
      const plain = new Int8Array(tOut * cOut);
      const rows = new Int8Array(tOut * cOut);
      conv1dInt8(x, tIn, cIn, zeroPoint, w, bias, k, s, d, g, plain, cOut, r);
      const packed = packConv1dInt8Weights(w, cOut, k, cIn / g, g)!;
      const acc = new Float64Array(tOut * cOut);
      conv1dInt8Rows(
        x,
        tIn,
        cIn,
        zeroPoint,
        packed,
        channelWeightSums(w, cOut, k * (cIn / g)),
        bias,
        k,
        s,
        d,
        g,
        acc,
        rows,
        cOut,
        r,
        prepareRequantization(r, cOut),
      );
      expect(Array.from(rows)).toEqual(Array.from(plain));
    }
  });

  it('conv1d at the extremes of int8 (every product -128 * -128, 1023 terms)', () => {
    const cIn = 1023;
    const x = new Int8Array(cIn).fill(-128);
    const w = new Int8Array(4 * cIn).fill(-128);
    const r = requant(4, new Rng(3), 'double');
    const plain = new Int8Array(4);
    const rows = new Int8Array(4);
    conv1dInt8(x, 1, cIn, 127, w, null, 1, 1, 1, 1, plain, 4, r);
    const packed = packConv1dInt8Weights(w, 4, 1, cIn, 1)!;
    conv1dInt8Rows(
      x,
      1,
      cIn,
      127,
      packed,
      channelWeightSums(w, 4, cIn),
      null,
      1,
      1,
      1,
      1,
      new Float64Array(4),
      rows,
      4,
      r,
      prepareRequantization(r, 4),
    );
    expect(Array.from(rows)).toEqual(Array.from(plain));
  });

  it.each([
    [256, 3, 1, 2],
    [256, 3, 9, 2],
    [5, 4, 2, 6],
  ] as const)('depthwise channels %i K %i dilation %i', (ch, k, d, tOut) => {
    const rng = new Rng(ch + k + d);
    const tIn = tOut + d * (k - 1);
    for (const rounding of ['single', 'double'] as const) {
      const x = rng.i8Array(tIn * ch);
      const w = rng.i8Array(k * ch);
      const bias = rng.i32Array(ch, -3000, 3000);
      const r = requant(ch, rng, rounding);
      const plain = new Int8Array(tOut * ch);
      const rows = new Int8Array(tOut * ch);
      depthwiseConv1dInt8(x, tIn, ch, -3, w, bias, k, d, plain, r);
      depthwiseConv1dInt8Rows(
        x,
        tIn,
        ch,
        -3,
        w,
        bias,
        k,
        d,
        new Float64Array(tOut * ch),
        rows,
        r,
        prepareRequantization(r, ch),
      );
      expect(Array.from(rows)).toEqual(Array.from(plain));
    }
  });

  it.each([
    [128, 64, 4, 2, 1],
    [128, 64, 4, 2, 2],
    [128, 64, 10, 5, 4],
    [2, 8, 3, 5, 3],
    [3, 12, 4, 2, 2], // a pass of eight channels, then one of four
  ] as const)('transposed cIn %i cOut %i K %i stride %i tIn %i', (cIn, cOut, k, s, tIn) => {
    const rng = new Rng(cIn * 3 + cOut + k + s + tIn);
    const size = ((tIn - 1) * s + k) * cOut;
    for (const rounding of ['single', 'double'] as const) {
      const x = rng.i8Array(tIn * cIn);
      const w = rng.i8Array(cOut * k * cIn);
      const bias = rng.i32Array(cOut, -2000, 2000);
      const r = requant(cOut, rng, rounding);
      const plain = new Int8Array(size);
      const rows = new Int8Array(size);
      transposedConv1dInt8(x, tIn, cIn, 12, w, bias, k, s, plain, cOut, r);
      const packed = packConv1dInt8Weights(w, cOut, k, cIn, 1, Math.ceil(k / s) * cIn)!;
      const tapSums = tapWeightSums(w, cOut, k, cIn);
      const acc = new Float64Array(size);
      transposedConv1dInt8Rows(
        x,
        tIn,
        cIn,
        12,
        packed,
        tapSums,
        bias,
        k,
        s,
        acc,
        rows,
        cOut,
        r,
        prepareRequantization(r, cOut),
      );
      expect(Array.from(rows)).toEqual(Array.from(plain));
    }
  });
});

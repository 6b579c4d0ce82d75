// addInt8 against TFLite's int8 ADD (reference_integer_ops AddElementwise) written naively with
// the BigInt reference:
//   sa = RoundingDivideByPOT(SRDHM((a - zpA) << leftShift, multiplierA), -shiftA)   (same for b)
//   out = outputZeroPoint + RoundingDivideByPOT(SRDHM(sa + sb, outputMultiplier), -outputShift)
//   clamp to [-128, 127]
// Exhaustive over all 65536 input pairs for several parameter sets.
import { describe, expect, it } from 'vitest';
import { addInt8, type AddInt8Params } from '../../src/kernels/add-int8.js';
import { Rng, firstIntMismatch } from './random.js';
import { refQuantizeMultiplier, refRoundingDivideByPOT, refSRDHM } from './tflite-int-reference.js';

const fr = Math.fround;

function refAdd(a: number, b: number, p: AddInt8Params): number {
  const shiftedA = (a - p.zeroPointA) * 2 ** p.leftShift;
  const shiftedB = (b - p.zeroPointB) * 2 ** p.leftShift;
  const sa = refRoundingDivideByPOT(refSRDHM(shiftedA, p.multiplierA), -p.shiftA);
  const sb = refRoundingDivideByPOT(refSRDHM(shiftedB, p.multiplierB), -p.shiftB);
  const out = p.outputZeroPoint + refRoundingDivideByPOT(refSRDHM(sa + sb, p.outputMultiplier), -p.outputShift);
  return Math.min(127, Math.max(-128, out));
}

interface Setup {
  name: string;
  params: AddInt8Params;
  scales: { a: number; b: number; out: number };
}

/** Parameters as TFLite's Prepare derives them: common scale 2 * max(sa, sb), 20 bits of headroom. */
function fromScales(
  name: string,
  sA: number,
  sB: number,
  sOut: number,
  zpA: number,
  zpB: number,
  zpOut: number,
): Setup {
  const leftShift = 20;
  const twiceMax = 2 * Math.max(sA, sB);
  const ma = refQuantizeMultiplier(sA / twiceMax);
  const mb = refQuantizeMultiplier(sB / twiceMax);
  const mo = refQuantizeMultiplier(twiceMax / (2 ** leftShift * sOut));
  return {
    name,
    params: {
      zeroPointA: zpA,
      zeroPointB: zpB,
      outputZeroPoint: zpOut,
      leftShift,
      multiplierA: ma.multiplier,
      shiftA: ma.shift,
      multiplierB: mb.multiplier,
      shiftB: mb.shift,
      outputMultiplier: mo.multiplier,
      outputShift: mo.shift,
    },
    scales: { a: sA, b: sB, out: sOut },
  };
}

const rng = new Rng(0xadd8);
const SETUPS: Setup[] = [
  fromScales('equal scales, zero zero points', fr(0.05), fr(0.05), fr(0.1), 0, 0, 0),
  fromScales('different scales and zero points', fr(0.03), fr(0.11), fr(0.09), -7, 20, -3),
  fromScales('extreme zero points', fr(0.02), fr(0.02), fr(0.02), -128, 127, 127),
  fromScales('output scale much smaller (clamping)', fr(0.2), fr(0.15), fr(0.01), 5, -5, 0),
  ...Array.from({ length: 4 }, (_, i) =>
    fromScales(
      `random #${i}`,
      rng.float(0.001, 0.2),
      rng.float(0.001, 0.2),
      rng.float(0.002, 0.3),
      rng.int(-128, 127),
      rng.int(-128, 127),
      rng.int(-128, 127),
    ),
  ),
];

/** All 65536 (a, b) pairs. */
function allPairs(): { a: Int8Array; b: Int8Array } {
  const a = new Int8Array(65536);
  const b = new Int8Array(65536);
  for (let i = 0; i < 65536; i++) {
    a[i] = (i >> 8) - 128;
    b[i] = (i & 255) - 128;
  }
  return { a, b };
}

describe.each(SETUPS)('addInt8: $name', (s) => {
  it('multipliers are in TFLite range (shifts <= 0: the kernel negates them)', () => {
    for (const [m, e] of [
      [s.params.multiplierA, s.params.shiftA],
      [s.params.multiplierB, s.params.shiftB],
      [s.params.outputMultiplier, s.params.outputShift],
    ]) {
      expect(m).toBeGreaterThanOrEqual(2 ** 30);
      expect(e).toBeLessThanOrEqual(0);
    }
  });

  it('matches the BigInt TFLite reference on all 65536 input pairs', () => {
    const { a, b } = allPairs();
    const y = new Int8Array(65536 + 2).fill(-99);
    addInt8(a, b, 65536, s.params, y);
    const expected: number[] = [];
    for (let i = 0; i < 65536; i++) expected.push(refAdd(a[i], b[i], s.params));
    expect(firstIntMismatch(y, expected)).toBeNull();
    expect(Array.from(y.subarray(65536))).toEqual([-99, -99]);
  });

  it('is within one output step of the real-valued sum', () => {
    const { a, b } = allPairs();
    const y = new Int8Array(65536);
    addInt8(a, b, 65536, s.params, y);
    const { params: p, scales } = s;
    for (let i = 0; i < 65536; i++) {
      const real = scales.a * (a[i] - p.zeroPointA) + scales.b * (b[i] - p.zeroPointB);
      const code = Math.min(127, Math.max(-128, real / scales.out + p.outputZeroPoint));
      if (Math.abs(y[i] - code) > 1) expect.fail(`a ${a[i]}, b ${b[i]}: got ${y[i]}, real-valued ${code}`);
    }
  });
});

describe('addInt8: in place and hand-computed', () => {
  it('y may alias a or b', () => {
    const p = SETUPS[1].params;
    const r = new Rng(3);
    const a = Int8Array.from({ length: 500 }, () => r.int(-128, 127));
    const b = Int8Array.from({ length: 500 }, () => r.int(-128, 127));
    const expected = Array.from(a, (v, i) => refAdd(v, b[i], p));
    const a1 = a.slice();
    addInt8(a1, b, 500, p, a1);
    expect(firstIntMismatch(a1, expected)).toBeNull();
    const b1 = b.slice();
    addInt8(a, b1, 500, p, b1);
    expect(firstIntMismatch(b1, expected)).toBeNull();
  });

  it('equal scales: codes add (minus zero points) and halve when the output scale doubles', () => {
    const s = fromScales('', 0.5, 0.5, 1, 3, -4, 1);
    // real = 0.5*(a-3) + 0.5*(b+4), out = real / 1 + 1
    // last pair: 0.5*97 + 0.5*104 = 100.5, an exact tie: rounds away from zero to 101, + 1 = 102
    // (-128, -128): -65.5 - 62 = -127.5 rounds away from zero to -128, + 1 = -127
    // (127, 127): 62 + 65.5 = 127.5 -> 128, + 1 = 129, clamped to 127
    const y = new Int8Array(6);
    addInt8(Int8Array.from([3, 13, -7, 100, -128, 127]), Int8Array.from([-4, 6, -14, 100, -128, 127]), 6, s.params, y);
    expect(Array.from(y)).toEqual([1, 11, -9, 102, -127, 127]);
  });
});

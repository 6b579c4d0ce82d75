// leakyReluInt8 against TFLite's QuantizeLeakyRelu written naively with the BigInt reference:
//   v = x - inputZeroPoint
//   out = outputZeroPoint + MultiplyByQuantizedMultiplier(v, v >= 0 ? identity : alpha)
//   clamp to [-128, 127]
// Exhaustive over the 256 input codes for every parameter set.
import { describe, expect, it } from 'vitest';
import { leakyReluInt8 } from '../../src/kernels/leaky-relu-int8.js';
import { Rng, firstIntMismatch } from './random.js';
import { refMultiplyByQuantizedMultiplier, refQuantizeMultiplier } from './tflite-int-reference.js';

const fr = Math.fround;
const ALL_CODES = Int8Array.from({ length: 256 }, (_, i) => i - 128);

interface Params {
  name: string;
  zpIn: number;
  zpOut: number;
  identity: { multiplier: number; shift: number };
  alpha: { multiplier: number; shift: number };
  // the real-valued layer the parameters stand for (for the float64 check), when there is one
  real?: { inputScale: number; outputScale: number; alpha: number };
}

function fromScales(
  name: string,
  inputScale: number,
  outputScale: number,
  alpha: number,
  zpIn: number,
  zpOut: number,
): Params {
  return {
    name,
    zpIn,
    zpOut,
    identity: refQuantizeMultiplier(fr(inputScale / outputScale)),
    alpha: refQuantizeMultiplier(fr(fr(inputScale * alpha) / outputScale)),
    real: { inputScale, outputScale, alpha },
  };
}

function reference(p: Params): number[] {
  const out: number[] = [];
  for (const x of ALL_CODES) {
    const v = x - p.zpIn;
    const m = v >= 0 ? p.identity : p.alpha;
    const q = p.zpOut + refMultiplyByQuantizedMultiplier(v, m.multiplier, m.shift);
    out.push(Math.min(127, Math.max(-128, q)));
  }
  return out;
}

const rng = new Rng(0x1e1e);
const PARAMS: Params[] = [
  fromScales('same scale, alpha 0.2', fr(0.05), fr(0.05), fr(0.2), 0, 0),
  fromScales('output scale smaller (shift > 0), alpha 0.3', fr(0.1), fr(0.04), fr(0.3), -20, 15),
  fromScales('output scale larger, alpha 0.01', fr(0.02), fr(0.07), fr(0.01), 100, -100),
  fromScales('zero points at the extremes', fr(0.03), fr(0.03), fr(0.5), -128, 127),
  fromScales('zero points at the other extremes', fr(0.03), fr(0.03), fr(0.5), 127, -128),
  ...Array.from({ length: 12 }, (_, i) =>
    fromScales(
      `random scales #${i}`,
      rng.float(0.001, 0.2),
      rng.float(0.001, 0.2),
      rng.float(0.001, 0.9),
      rng.int(-128, 127),
      rng.int(-128, 127),
    ),
  ),
  ...Array.from(
    { length: 8 },
    (_, i): Params => ({
      name: `raw multipliers #${i}`,
      zpIn: rng.int(-128, 127),
      zpOut: rng.int(-128, 127),
      identity: { multiplier: rng.int(2 ** 30, 2 ** 31 - 1), shift: rng.int(-8, 3) },
      alpha: { multiplier: rng.int(2 ** 30, 2 ** 31 - 1), shift: rng.int(-12, 1) },
    }),
  ),
];

describe.each(PARAMS)('leakyReluInt8: $name', (p) => {
  it('matches the BigInt TFLite reference on all 256 codes', () => {
    const y = new Int8Array(256 + 3).fill(42);
    leakyReluInt8(ALL_CODES, 256, p.zpIn, p.zpOut, p.identity, p.alpha, y);
    expect(firstIntMismatch(y, reference(p))).toBeNull();
    expect(Array.from(y.subarray(256))).toEqual([42, 42, 42]);
  });
});

describe.each(PARAMS.filter((p) => p.real !== undefined))('leakyReluInt8 vs real arithmetic: $name', (p) => {
  it('is within one output step of the real-valued leaky ReLU', () => {
    const r = p.real!;
    const y = new Int8Array(256);
    leakyReluInt8(ALL_CODES, 256, p.zpIn, p.zpOut, p.identity, p.alpha, y);
    for (let i = 0; i < 256; i++) {
      const input = r.inputScale * (ALL_CODES[i] - p.zpIn);
      const output = input > 0 ? input : r.alpha * input;
      const code = Math.min(127, Math.max(-128, output / r.outputScale + p.zpOut));
      expect(Math.abs(y[i] - code), `code ${ALL_CODES[i]}`).toBeLessThanOrEqual(1);
    }
  });
});

describe('leakyReluInt8: hand-computed and in place', () => {
  it('positive and negative branches use their own multipliers; zero takes the identity branch', () => {
    // identity 1.0 (2^30, shift 1), alpha 0.25 (2^30, shift -1); zero points 10 in, -10 out
    const y = new Int8Array(5);
    leakyReluInt8(
      Int8Array.from([30, -10, 10, 9, 0]),
      5,
      10,
      -10,
      { multiplier: 2 ** 30, shift: 1 },
      { multiplier: 2 ** 30, shift: -1 },
      y,
    );
    // v = 20 -> 20 - 10 = 10; v = -20 -> -5 - 10 = -15; v = 0 -> -10; v = -1 -> -0.25 -> 0 -> -10; v = -10 -> -2.5 -> -3 -> -13
    expect(Array.from(y)).toEqual([10, -15, -10, -10, -13]);
  });

  it('works in place', () => {
    const p = PARAMS[1];
    const x = ALL_CODES.slice();
    leakyReluInt8(x, 256, p.zpIn, p.zpOut, p.identity, p.alpha, x);
    expect(firstIntMismatch(x, reference(p))).toBeNull();
  });
});

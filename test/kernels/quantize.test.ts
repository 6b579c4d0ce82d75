// quantize: q = clamp(round(x / scale) + zeroPoint, -128, 127), with x / scale the float64 quotient
// and round() std::round (ties away from zero): the rule the reference runtime follows on every
// value of the parity sweep (docs/parity.md).
import { describe, expect, it } from 'vitest';
import { quantize } from '../../src/kernels/quantize.js';
import { Rng, firstIntMismatch } from './random.js';

const fr = Math.fround;

/** std::round written out: nearest integer, halves away from zero. */
function roundHalfAway(v: number): number {
  const a = Math.abs(v);
  const f = Math.floor(a);
  const r = a - f >= 0.5 ? f + 1 : f;
  return v < 0 ? -r : r;
}

function reference(x: ArrayLike<number>, scale: number, zeroPoint: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const q = roundHalfAway(x[i] / scale) + zeroPoint;
    out.push(q < -128 ? -128 : q > 127 ? 127 : q);
  }
  return out;
}

/** The float32 value just below `x` (positive, normal). */
function nextDown(x: number): number {
  const bits = new Uint32Array(Float32Array.of(x).buffer);
  bits[0] -= 1;
  return new Float32Array(bits.buffer)[0];
}

function underTie(scale: number): { x: number; n: number } | null {
  for (let n = 0; n < 127; n++) {
    let x = fr((n + 0.5) * scale);
    while (x / scale >= n + 0.5) x = nextDown(x);
    if (fr(x / scale) === n + 0.5) return { x, n };
  }
  return null;
}

const PARAMS: Array<[number, number]> = [
  [fr(0.0173), 0],
  [fr(1 / 3), -128],
  [0.25, 127],
  [2 ** -7, 5],
  [fr(3.7), -17],
  [fr(0.1), 0],
  [fr(1e-4), 64],
];

function inputs(rng: Rng, scale: number, n: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    switch (i % 4) {
      case 0:
        x[i] = fr(rng.float(-300, 300) * scale);
        break; // spans beyond the int8 range
      case 1:
        x[i] = fr((rng.int(-200, 200) + 0.5) * scale);
        break; // at or next to ties
      case 2:
        x[i] = fr(rng.float(-1, 1) * scale * 3);
        break; // near zero
      default:
        x[i] = rng.wideFloat(-40, 40);
    }
  }
  return x;
}

describe.each(PARAMS)('quantize, scale %s, zero point %i', (scale, zeroPoint) => {
  it('within half a step of the exact real quotient (float64), clamped', () => {
    const x = inputs(new Rng(Math.round(scale * 1e6) + zeroPoint), scale, 4000);
    const q = new Int8Array(x.length + 3).fill(33);
    quantize(x, x.length, scale, zeroPoint, q);
    for (let i = 0; i < x.length; i++) {
      const exact = x[i] / scale + zeroPoint;
      const clamped = Math.min(127, Math.max(-128, exact));
      expect(Math.abs(q[i] - clamped), `x ${x[i]}`).toBeLessThanOrEqual(0.5 + Math.abs(x[i] / scale) * 2 ** -23);
    }
    expect(Array.from(q.subarray(x.length))).toEqual([33, 33, 33]);
  });

  it('matches the naive TFLite formula exactly', () => {
    const x = inputs(new Rng(Math.round(scale * 1e6) + zeroPoint + 1), scale, 4000);
    const q = new Int8Array(x.length);
    quantize(x, x.length, scale, zeroPoint, q);
    expect(firstIntMismatch(q, reference(x, scale, zeroPoint))).toBeNull();
  });
});

describe('quantize: hand-computed', () => {
  it('rounds exact halves away from zero', () => {
    const x = Float32Array.from([0.625, -0.625, 0.125, -0.125, 0.375, -0.375, 0.875, -0.875]); // /0.25: +-2.5, +-0.5, +-1.5, +-3.5
    const q = new Int8Array(8);
    quantize(x, 8, 0.25, 0, q);
    expect(Array.from(q)).toEqual([3, -3, 1, -1, 2, -2, 4, -4]);
    quantize(x, 8, 0.25, 10, q);
    expect(Array.from(q)).toEqual([13, 7, 11, 9, 12, 8, 14, 6]);
  });

  it('every tie n + 0.5 for n in [-130, 129] goes away from zero', () => {
    const n = Array.from({ length: 260 }, (_, i) => i - 130);
    const x = Float32Array.from(n, (k) => (k + 0.5) * 0.25);
    const q = new Int8Array(x.length);
    quantize(x, x.length, 0.25, 0, q);
    const expected = n.map((k) => Math.min(127, Math.max(-128, k >= 0 ? k + 1 : k)));
    expect(firstIntMismatch(q, expected)).toBeNull();
  });

  it('divides in float64: 0.25 / fr(0.1) is 2.4999999627, not the float32 tie 2.5 -> 2', () => {
    expect(fr(0.25 / fr(0.1))).toBe(2.5); // what a float32 division would round
    const q = new Int8Array(2);
    quantize(Float32Array.from([0.25, -0.25]), 2, fr(0.1), 0, q);
    expect(Array.from(q)).toEqual([2, -2]);
  });

  it('a quotient just under a half that a float32 division would round up to the tie', () => {
    // With one of Lyra's encoder QUANTIZE scales: the first n + 0.5 (n >= 0) whose float32
    // neighbour from below divides to n + 0.4999... in float64 but to the tie n + 0.5 in float32.
    const scale = fr(3.698859930038452);
    const hit = underTie(scale);
    expect(hit, 'no such value below 127.5 steps').not.toBeNull();
    const { x, n } = hit!;
    expect(x / scale).toBeLessThan(n + 0.5);
    expect(fr(x / scale)).toBe(n + 0.5);
    const q = new Int8Array(2);
    quantize(Float32Array.from([x, -x]), 2, scale, 0, q);
    expect(Array.from(q)).toEqual([n, -n]);
    expect(Array.from(q)).toEqual(reference([x, -x], scale, 0));
  });

  it('rounds the largest double below one half down (where floor(v + 0.5) would give 1)', () => {
    // 0.75 / 1.5000000000000002 is 0.49999999999999994 exactly; so is 1.5 / 3.0000000000000004.
    const scales = [1.5000000000000002, 3.0000000000000004];
    const x = [0.75, 1.5];
    for (let k = 0; k < 2; k++) {
      expect(x[k] / scales[k]).toBe(0.5 - 2 ** -54);
      const q = new Int8Array(2);
      quantize(Float32Array.from([x[k], -x[k]]), 2, scales[k], 0, q);
      expect(Array.from(q)).toEqual([0, 0]);
      quantize(Float32Array.from([x[k] * 3, -x[k] * 3]), 2, scales[k], 0, q); // 1.4999999999999998
      expect(Array.from(q)).toEqual([1, -1]);
    }
  });

  it('quotients a few double ulps either side of every half from 2^-40 to 2^40 steps', () => {
    // x / scale lands on chosen doubles: scale is 1 and x a float32 is too coarse, so x is 1 and
    // the scale is 1 / (the wanted quotient); the reference decides on the quotient actually formed.
    const next = (v: number, up: boolean) => {
      const b = new Float64Array([v]);
      const u = new BigUint64Array(b.buffer);
      u[0] += up ? BigInt(1) : -BigInt(1);
      return b[0]!;
    };
    const x: number[] = [];
    const scales: number[] = [];
    for (let e = -40; e <= 40; e += 4) {
      for (const m of [0, 1, 2, 5, 126, 127]) {
        let below = (m + 0.5) * 2 ** e;
        let above = below;
        for (let j = 0; j < 3; j++) {
          for (const v of [below, above]) {
            x.push(1);
            scales.push(1 / v);
          }
          below = next(below, false);
          above = next(above, true);
        }
      }
    }
    const q = new Int8Array(1);
    for (let i = 0; i < x.length; i++) {
      quantize(Float32Array.of(x[i]!), 1, scales[i]!, -128, q);
      expect(q[0], `1 / ${scales[i]}`).toBe(reference([x[i]!], scales[i]!, -128)[0]);
    }
  });

  it('clamps after adding the zero point, and handles infinities and signed zeros', () => {
    const q = new Int8Array(8);
    quantize(Float32Array.from([50, -50, 1e30, -1e30, Infinity, -Infinity, -0, 0]), 8, 0.5, 100, q);
    expect(Array.from(q)).toEqual([127, 0, 127, -128, 127, -128, 100, 100]);
    quantize(Float32Array.from([-50, 50]), 2, 0.5, -100, q);
    expect(Array.from(q.subarray(0, 2))).toEqual([-128, 0]);
  });
});

// The table-driven int8 kernels must give exactly what the plain kernels give, for every code.
import { describe, expect, it } from 'vitest';
import { addInt8, type AddInt8Params } from '../../src/kernels/add-int8.js';
import { addInt8InputTables, addInt8Lut } from '../../src/kernels/add-int8-lut.js';
import { quantizeMultiplier } from '../../src/kernels/fixed-point.js';
import { leakyReluInt8 } from '../../src/kernels/leaky-relu-int8.js';
import { lookupInt8, tabulateInt8 } from '../../src/kernels/lookup-int8.js';
import { lookupInt8Pair, tabulateInt8Pair } from '../../src/kernels/lookup-int8-pair.js';

const allCodes = Int8Array.from({ length: 256 }, (_, i) => i - 128);

describe('lookup-table int8 kernels', () => {
  it('tabulateInt8 + lookupInt8 reproduce leakyReluInt8 on every code, in place too', () => {
    for (const [inScale, outScale, alpha, zpIn, zpOut] of [
      [0.1, 0.05, 0.3, -5, 12],
      [6.39, 17.6, 0.2, 67, -8],
      [1, 1, 0.01, 0, 0],
    ]) {
      const identity = quantizeMultiplier(Math.fround(inScale / outScale));
      const negative = quantizeMultiplier(Math.fround(Math.fround(inScale * alpha) / outScale));
      const plain = new Int8Array(256);
      leakyReluInt8(allCodes, 256, zpIn, zpOut, identity, negative, plain);
      const table = tabulateInt8((codes, out) => leakyReluInt8(codes, 256, zpIn, zpOut, identity, negative, out));
      const viaTable = allCodes.slice();
      lookupInt8(viaTable, 256, table, viaTable);
      expect(Array.from(viaTable)).toEqual(Array.from(plain));
    }
  });

  it('addInt8Lut equals addInt8 on all 65536 pairs of codes', () => {
    const leftShift = 20;
    for (const [sa, sb, so, za, zb, zo] of [
      [12.72, 4.53, 9.49, 23, 35, 35],
      [0.2, 0.2, 0.4, 0, 0, 0],
      [3.08, 9.49, 7.67, 21, 35, 37],
    ]) {
      const twiceMax = 2 * Math.max(sa, sb);
      const ma = quantizeMultiplier(sa / twiceMax);
      const mb = quantizeMultiplier(sb / twiceMax);
      const mo = quantizeMultiplier(twiceMax / Math.fround(2 ** leftShift * so));
      const p: AddInt8Params = {
        zeroPointA: za,
        zeroPointB: zb,
        outputZeroPoint: zo,
        leftShift,
        multiplierA: ma.multiplier,
        shiftA: ma.shift,
        multiplierB: mb.multiplier,
        shiftB: mb.shift,
        outputMultiplier: mo.multiplier,
        outputShift: mo.shift,
      };
      const a = new Int8Array(65536);
      const b = new Int8Array(65536);
      for (let i = 0; i < 65536; i++) {
        a[i] = (i >> 8) - 128;
        b[i] = (i & 255) - 128;
      }
      const plain = new Int8Array(65536);
      const fast = new Int8Array(65536);
      addInt8(a, b, 65536, p, plain);
      addInt8Lut(a, b, 65536, addInt8InputTables(p), fast);
      expect(Array.from(fast)).toEqual(Array.from(plain));
      // The same through one table of every pair, on shuffled pairs and in place.
      const table = tabulateInt8Pair((x, y, out) => addInt8(x, y, 65536, p, out));
      const order = Uint32Array.from({ length: 65536 }, (_, i) => (i * 40503) & 65535);
      const shuffledA = Int8Array.from(order, (i) => a[i]!);
      const shuffledB = Int8Array.from(order, (i) => b[i]!);
      lookupInt8Pair(shuffledA, shuffledB, 65536, table, shuffledA);
      expect(Array.from(shuffledA)).toEqual(Array.from(order, (i) => plain[i]!));
    }
  });
});

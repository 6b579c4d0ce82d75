import { INT8_LANE } from './conv1d-int8-blocked.js';
import type { Requantization } from './requantize.js';
import { type PreparedRequantization, requantizeRows } from './requantize-rows.js';

// x: [Tin, Cin] int8 -> y: [Tout, Cout] int8, packed w: [Cout/4, K, Cin/groups, 2] (packConv1dInt8Weights), acc: [Tout, Cout] scratch
// conv1d-int8-blocked.ts bit for bit (the same two int8 weights per float64, on the raw codes
// with the zero point taken out once per output as zeroPoint * the channel's weight sum), for an interpreter (Hermes): the int32 sums of the whole output first, unpacked
// without Math.round, then requantized in one pass by requantizeRows, instead of three nested
// calls per output value. Eight output channels per pass where a group has them, so that each
// input read serves four paired sums (two multiply-adds each).
export function conv1dInt8Rows(
  x: Int8Array,
  tIn: number,
  cIn: number,
  inputZeroPoint: number,
  pairs: Float64Array,
  sums: Int32Array /* [Cout]: sum of each output channel's weights (channelWeightSums) */,
  bias: Int32Array | null,
  kernel: number,
  stride: number,
  dilation: number,
  groups: number,
  acc: Float64Array,
  y: Int8Array,
  cOut: number,
  requant: Requantization,
  prepared: PreparedRequantization,
): void {
  const cInG = cIn / groups;
  const cOutG = cOut / groups;
  const tOut = Math.floor((tIn - dilation * (kernel - 1) - 1) / stride) + 1;
  const blockSize = kernel * cInG * 2;
  const nextStep = stride * cIn;
  const tapStep = dilation * cIn;
  for (let co = 0; co < cOut; ) {
    const inBase = Math.floor(co / cOutG) * cInG;
    const wBase = (co / 4) * blockSize;
    // Eight channels (two packed blocks of four, in one group) where they fit: each input read serves four paired sums.
    const width = co + 8 <= cOut && (co % cOutG) + 8 <= cOutG ? 8 : 4;
    const z = inputZeroPoint;
    // What each sum needs added: the bias, less the input zero point times the channel's weights.
    const c0 = (bias ? bias[co] : 0) - z * sums[co];
    const c1 = (bias ? bias[co + 1] : 0) - z * sums[co + 1];
    const c2 = (bias ? bias[co + 2] : 0) - z * sums[co + 2];
    const c3 = (bias ? bias[co + 3] : 0) - z * sums[co + 3];
    if (width === 8) {
      const c4 = (bias ? bias[co + 4] : 0) - z * sums[co + 4];
      const c5 = (bias ? bias[co + 5] : 0) - z * sums[co + 5];
      const c6 = (bias ? bias[co + 6] : 0) - z * sums[co + 6];
      const c7 = (bias ? bias[co + 7] : 0) - z * sums[co + 7];
      let t = 0;
      // Two output steps per pass: each packed weight pair is loaded once for both.
      for (; t + 1 < tOut; t += 2) {
        let a01 = 0,
          a23 = 0,
          a45 = 0,
          a67 = 0,
          b01 = 0,
          b23 = 0,
          b45 = 0,
          b67 = 0;
        let w = wBase;
        let v = wBase + blockSize; // the second block of four channels
        for (let k = 0; k < kernel; k++) {
          const i0 = t * nextStep + inBase + k * tapStep;
          const i1 = i0 + cInG;
          for (let i = i0; i < i1; i++, w += 2, v += 2) {
            const p01 = pairs[w],
              p23 = pairs[w + 1],
              p45 = pairs[v],
              p67 = pairs[v + 1];
            const va = x[i],
              vb = x[i + nextStep];
            a01 += va * p01;
            b01 += vb * p01;
            a23 += va * p23;
            b23 += vb * p23;
            a45 += va * p45;
            b45 += vb * p45;
            a67 += va * p67;
            b67 += vb * p67;
          }
        }
        const out = t * cOut + co;
        unpack(acc, out, a01, a23, c0, c1, c2, c3);
        unpack(acc, out + 4, a45, a67, c4, c5, c6, c7);
        unpack(acc, out + cOut, b01, b23, c0, c1, c2, c3);
        unpack(acc, out + cOut + 4, b45, b67, c4, c5, c6, c7);
      }
      if (t < tOut) {
        let s01 = 0,
          s23 = 0,
          s45 = 0,
          s67 = 0;
        let w = wBase;
        let v = wBase + blockSize;
        for (let k = 0; k < kernel; k++) {
          const i0 = t * nextStep + inBase + k * tapStep;
          const i1 = i0 + cInG;
          for (let i = i0; i < i1; i++, w += 2, v += 2) {
            const u = x[i];
            s01 += u * pairs[w];
            s23 += u * pairs[w + 1];
            s45 += u * pairs[v];
            s67 += u * pairs[v + 1];
          }
        }
        unpack(acc, t * cOut + co, s01, s23, c0, c1, c2, c3);
        unpack(acc, t * cOut + co + 4, s45, s67, c4, c5, c6, c7);
      }
      co += 8;
      continue;
    }
    let t = 0;
    for (; t + 1 < tOut; t += 2) {
      let a01 = 0,
        a23 = 0,
        b01 = 0,
        b23 = 0;
      let w = wBase;
      for (let k = 0; k < kernel; k++) {
        const i0 = t * nextStep + inBase + k * tapStep;
        const i1 = i0 + cInG;
        for (let i = i0, j = i0 + nextStep; i < i1; i++, j++, w += 2) {
          const p01 = pairs[w],
            p23 = pairs[w + 1];
          const va = x[i],
            vb = x[j];
          a01 += va * p01;
          a23 += va * p23;
          b01 += vb * p01;
          b23 += vb * p23;
        }
      }
      unpack(acc, t * cOut + co, a01, a23, c0, c1, c2, c3);
      unpack(acc, (t + 1) * cOut + co, b01, b23, c0, c1, c2, c3);
    }
    if (t < tOut) {
      let s01 = 0,
        s23 = 0;
      let w = wBase;
      for (let k = 0; k < kernel; k++) {
        const i0 = t * nextStep + inBase + k * tapStep;
        const i1 = i0 + cInG;
        for (let i = i0; i < i1; i++, w += 2) {
          const v = x[i];
          s01 += v * pairs[w];
          s23 += v * pairs[w + 1];
        }
      }
      unpack(acc, t * cOut + co, s01, s23, c0, c1, c2, c3);
    }
    co += 4;
  }
  requantizeRows(acc, tOut * cOut, cOut, prepared, requant, y);
}

/** The four channels' int32 sums from two paired sums (w0 + w1 * 2^26), plus their corrections, into acc[at..at+3]. */
export function unpack(
  acc: Float64Array,
  at: number,
  s01: number,
  s23: number,
  c0: number,
  c1: number,
  c2: number,
  c3: number,
): void {
  const lane = INT8_LANE;
  // Math.round(s / 2^26) as a floor of s / 2^26 + 1/2, exact (|s| < 2^53) and within int32.
  let z = s01 / lane + 0.5;
  let u01 = z | 0;
  if (u01 > z) u01--;
  z = s23 / lane + 0.5;
  let u23 = z | 0;
  if (u23 > z) u23--;
  acc[at] = s01 - u01 * lane + c0;
  acc[at + 1] = u01 + c1;
  acc[at + 2] = s23 - u23 * lane + c2;
  acc[at + 3] = u23 + c3;
}

/** [Cout, K, CinG] int8 weights -> [Cout] sums over K and CinG, for conv1dInt8Rows's zero-point correction. */
export function channelWeightSums(w: Int8Array, cOut: number, termsPerOutput: number): Int32Array {
  const sums = new Int32Array(cOut);
  for (let co = 0; co < cOut; co++) for (let i = 0; i < termsPerOutput; i++) sums[co] += w[co * termsPerOutput + i];
  return sums;
}

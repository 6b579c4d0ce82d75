// x: [Tin, Cin] (float32 values widened to float64) -> y: [Tout, Cout], packed w: [Cout/4, K, Cin/groups, 4] (see packConv1dWeights)
// The same arithmetic as conv1d.ts, bit for bit, made fast: four output channels at a time, so
// each input value is loaded once for four multiplies, with weights re-laid out at load time so
// the inner loop reads them contiguously; and, where the shape allows, two output steps at a
// time, so each weight is loaded once for two multiplies and twice as many independent float32
// chains keep the CPU busy (a float32 add has to wait for the rounding of the previous one). With splitAccumulators the even and odd terms go to
// separate accumulators, as in conv1d.ts; that needs an even Cin/groups, so that the parity of
// a term's flattened (tap, channel) index is the parity of its channel, or Cin/groups = 1 (a
// waveform input), where it is the parity of the tap.
export const CONV_BLOCK = 4;

/**
 * Re-lays [Cout, K, CinG] weights as [Cout/4, K, CinG, 4]; Cout/groups must be a multiple of 4.
 * Stored as float64 (the same values), so that the inner loops load them without a conversion.
 */
export function packConv1dWeights(w: Float32Array, cOut: number, kernel: number, cInG: number): Float64Array {
  const packed = new Float64Array(w.length);
  let at = 0;
  for (let block = 0; block < cOut; block += CONV_BLOCK) {
    for (let k = 0; k < kernel; k++) {
      for (let c = 0; c < cInG; c++) {
        for (let j = 0; j < CONV_BLOCK; j++) packed[at++] = w[((block + j) * kernel + k) * cInG + c];
      }
    }
  }
  return packed;
}

export function conv1dBlocked(
  x: Float64Array,
  tIn: number,
  cIn: number,
  packed: Float64Array,
  bias: Float32Array | null,
  kernel: number,
  stride: number,
  dilation: number,
  groups: number,
  y: Float32Array,
  cOut: number,
  splitAccumulators: boolean,
): void {
  const fr = Math.fround;
  const cInG = cIn / groups;
  const cOutG = cOut / groups;
  const tOut = Math.floor((tIn - dilation * (kernel - 1) - 1) / stride) + 1;
  const blockSize = kernel * cInG * CONV_BLOCK;
  let t = 0;
  if (splitAccumulators ? cInG % 2 === 0 : true) {
    for (; t + 1 < tOut; t += 2)
      twoSteps(x, t, cIn, packed, bias, kernel, stride, dilation, groups, y, cOut, splitAccumulators);
  }
  for (; t < tOut; t++) {
    for (let co = 0; co < cOut; co += CONV_BLOCK) {
      const inBase = t * stride * cIn + Math.floor(co / cOutG) * cInG;
      let w = (co / CONV_BLOCK) * blockSize;
      let e0 = 0,
        e1 = 0,
        e2 = 0,
        e3 = 0;
      let o0 = 0,
        o1 = 0,
        o2 = 0,
        o3 = 0;
      if (splitAccumulators && cInG === 1) {
        for (let k = 0; k < kernel; k++, w += 4) {
          const xv = x[inBase + k * dilation * cIn];
          if ((k & 1) === 0) {
            e0 = fr(e0 + fr(xv * packed[w]));
            e1 = fr(e1 + fr(xv * packed[w + 1]));
            e2 = fr(e2 + fr(xv * packed[w + 2]));
            e3 = fr(e3 + fr(xv * packed[w + 3]));
          } else {
            o0 = fr(o0 + fr(xv * packed[w]));
            o1 = fr(o1 + fr(xv * packed[w + 1]));
            o2 = fr(o2 + fr(xv * packed[w + 2]));
            o3 = fr(o3 + fr(xv * packed[w + 3]));
          }
        }
      } else
        for (let k = 0; k < kernel; k++) {
          const xk = inBase + k * dilation * cIn;
          if (splitAccumulators) {
            for (let c = 0; c < cInG; c += 2, w += 8) {
              const xe = x[xk + c];
              const xo = x[xk + c + 1];
              e0 = fr(e0 + fr(xe * packed[w]));
              e1 = fr(e1 + fr(xe * packed[w + 1]));
              e2 = fr(e2 + fr(xe * packed[w + 2]));
              e3 = fr(e3 + fr(xe * packed[w + 3]));
              o0 = fr(o0 + fr(xo * packed[w + 4]));
              o1 = fr(o1 + fr(xo * packed[w + 5]));
              o2 = fr(o2 + fr(xo * packed[w + 6]));
              o3 = fr(o3 + fr(xo * packed[w + 7]));
            }
          } else {
            for (let c = 0; c < cInG; c++, w += 4) {
              const xv = x[xk + c];
              e0 = fr(e0 + fr(xv * packed[w]));
              e1 = fr(e1 + fr(xv * packed[w + 1]));
              e2 = fr(e2 + fr(xv * packed[w + 2]));
              e3 = fr(e3 + fr(xv * packed[w + 3]));
            }
          }
        }
      if (splitAccumulators) {
        e0 = fr(e0 + o0);
        e1 = fr(e1 + o1);
        e2 = fr(e2 + o2);
        e3 = fr(e3 + o3);
      }
      const out = t * cOut + co;
      if (bias) {
        y[out] = fr(e0 + bias[co]);
        y[out + 1] = fr(e1 + bias[co + 1]);
        y[out + 2] = fr(e2 + bias[co + 2]);
        y[out + 3] = fr(e3 + bias[co + 3]);
      } else {
        y[out] = e0;
        y[out + 1] = e1;
        y[out + 2] = e2;
        y[out + 3] = e3;
      }
    }
  }
}

/** Output steps t and t + 1 of conv1dBlocked (split accumulators need an even Cin/groups). */
function twoSteps(
  x: Float64Array,
  t: number,
  cIn: number,
  packed: Float64Array,
  bias: Float32Array | null,
  kernel: number,
  stride: number,
  dilation: number,
  groups: number,
  y: Float32Array,
  cOut: number,
  splitAccumulators: boolean,
): void {
  const fr = Math.fround;
  const cInG = cIn / groups;
  const cOutG = cOut / groups;
  const blockSize = kernel * cInG * CONV_BLOCK;
  const nextStep = stride * cIn;
  for (let co = 0; co < cOut; co += CONV_BLOCK) {
    const inBase = t * stride * cIn + Math.floor(co / cOutG) * cInG;
    let w = (co / CONV_BLOCK) * blockSize;
    // a*: step t, b*: step t + 1; *e: even terms, *o: odd terms
    let ae0 = 0,
      ae1 = 0,
      ae2 = 0,
      ae3 = 0,
      ao0 = 0,
      ao1 = 0,
      ao2 = 0,
      ao3 = 0;
    let be0 = 0,
      be1 = 0,
      be2 = 0,
      be3 = 0,
      bo0 = 0,
      bo1 = 0,
      bo2 = 0,
      bo3 = 0;
    for (let k = 0; k < kernel; k++) {
      const xa = inBase + k * dilation * cIn;
      const xb = xa + nextStep;
      if (splitAccumulators) {
        for (let c = 0; c < cInG; c += 2, w += 8) {
          const w0 = packed[w],
            w1 = packed[w + 1],
            w2 = packed[w + 2],
            w3 = packed[w + 3];
          const va = x[xa + c],
            vb = x[xb + c];
          ae0 = fr(ae0 + fr(va * w0));
          ae1 = fr(ae1 + fr(va * w1));
          ae2 = fr(ae2 + fr(va * w2));
          ae3 = fr(ae3 + fr(va * w3));
          be0 = fr(be0 + fr(vb * w0));
          be1 = fr(be1 + fr(vb * w1));
          be2 = fr(be2 + fr(vb * w2));
          be3 = fr(be3 + fr(vb * w3));
          const w4 = packed[w + 4],
            w5 = packed[w + 5],
            w6 = packed[w + 6],
            w7 = packed[w + 7];
          const ua = x[xa + c + 1],
            ub = x[xb + c + 1];
          ao0 = fr(ao0 + fr(ua * w4));
          ao1 = fr(ao1 + fr(ua * w5));
          ao2 = fr(ao2 + fr(ua * w6));
          ao3 = fr(ao3 + fr(ua * w7));
          bo0 = fr(bo0 + fr(ub * w4));
          bo1 = fr(bo1 + fr(ub * w5));
          bo2 = fr(bo2 + fr(ub * w6));
          bo3 = fr(bo3 + fr(ub * w7));
        }
      } else {
        for (let c = 0; c < cInG; c++, w += 4) {
          const w0 = packed[w],
            w1 = packed[w + 1],
            w2 = packed[w + 2],
            w3 = packed[w + 3];
          const va = x[xa + c],
            vb = x[xb + c];
          ae0 = fr(ae0 + fr(va * w0));
          ae1 = fr(ae1 + fr(va * w1));
          ae2 = fr(ae2 + fr(va * w2));
          ae3 = fr(ae3 + fr(va * w3));
          be0 = fr(be0 + fr(vb * w0));
          be1 = fr(be1 + fr(vb * w1));
          be2 = fr(be2 + fr(vb * w2));
          be3 = fr(be3 + fr(vb * w3));
        }
      }
    }
    if (splitAccumulators) {
      ae0 = fr(ae0 + ao0);
      ae1 = fr(ae1 + ao1);
      ae2 = fr(ae2 + ao2);
      ae3 = fr(ae3 + ao3);
      be0 = fr(be0 + bo0);
      be1 = fr(be1 + bo1);
      be2 = fr(be2 + bo2);
      be3 = fr(be3 + bo3);
    }
    const a = t * cOut + co;
    const b = a + cOut;
    if (bias) {
      const b0 = bias[co],
        b1 = bias[co + 1],
        b2 = bias[co + 2],
        b3 = bias[co + 3];
      y[a] = fr(ae0 + b0);
      y[a + 1] = fr(ae1 + b1);
      y[a + 2] = fr(ae2 + b2);
      y[a + 3] = fr(ae3 + b3);
      y[b] = fr(be0 + b0);
      y[b + 1] = fr(be1 + b1);
      y[b + 2] = fr(be2 + b2);
      y[b + 3] = fr(be3 + b3);
    } else {
      y[a] = ae0;
      y[a + 1] = ae1;
      y[a + 2] = ae2;
      y[a + 3] = ae3;
      y[b] = be0;
      y[b + 1] = be1;
      y[b + 2] = be2;
      y[b + 3] = be3;
    }
  }
}

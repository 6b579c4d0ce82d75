// x: [Tin, Cin] (float32 values widened to float64) -> y: [Tout, Cout], packed w: [Cout/4, K, Cin/groups, 4] (see packConv1dWeights)
// The same arithmetic as conv1d.ts, bit for bit, made fast: four output channels at a time, so
// each input value is loaded once for four multiplies, with weights re-laid out at load time so
// the inner loop reads them contiguously. Summed in plain order, two output steps go together,
// so each weight is loaded once for two multiplies and eight independent float32 chains keep
// the CPU busy (a float32 add has to wait for the rounding of the previous one). With
// splitAccumulators the even and odd terms go to separate accumulators, as in conv1d.ts, one
// output step at a time: eight chains again, where two steps would hold sixteen accumulators,
// more than x64's sixteen float registers leave room for (JavaScriptCore and SpiderMonkey then
// spill, at 0.6x the speed; V8 runs both alike). That needs an even Cin/groups, so that the
// parity of a term's flattened (tap, channel) index is the parity of its channel, or
// Cin/groups = 1 (a waveform input), where it is the parity of the tap.
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
  const cInG = (cIn / groups) | 0;
  const cOutG = (cOut / groups) | 0;
  const tOut = (Math.floor((tIn - dilation * (kernel - 1) - 1) / stride) + 1) | 0;
  const blockSize = kernel * cInG * CONV_BLOCK;
  let t = 0;
  if (!splitAccumulators)
    for (; t + 1 < tOut; t += 2) twoSteps(x, t, cIn, packed, bias, kernel, stride, dilation, groups, y, cOut);
  for (; t < tOut; t++) {
    for (let co = 0; co < cOut; co += CONV_BLOCK) {
      const inBase = t * stride * cIn + ((co / cOutG) | 0) * cInG;
      let w = ((co / CONV_BLOCK) | 0) * blockSize;
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

/** Output steps t and t + 1 of conv1dBlocked, terms summed in plain order. */
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
): void {
  const fr = Math.fround;
  const cInG = (cIn / groups) | 0;
  const cOutG = (cOut / groups) | 0;
  const blockSize = kernel * cInG * CONV_BLOCK;
  const nextStep = stride * cIn;
  for (let co = 0; co < cOut; co += CONV_BLOCK) {
    const inBase = t * stride * cIn + ((co / cOutG) | 0) * cInG;
    let w = ((co / CONV_BLOCK) | 0) * blockSize;
    // a*: step t, b*: step t + 1
    let a0 = 0,
      a1 = 0,
      a2 = 0,
      a3 = 0;
    let b0 = 0,
      b1 = 0,
      b2 = 0,
      b3 = 0;
    for (let k = 0; k < kernel; k++) {
      const xa = inBase + k * dilation * cIn;
      const xb = xa + nextStep;
      for (let c = 0; c < cInG; c++, w += 4) {
        const w0 = packed[w],
          w1 = packed[w + 1],
          w2 = packed[w + 2],
          w3 = packed[w + 3];
        const va = x[xa + c],
          vb = x[xb + c];
        a0 = fr(a0 + fr(va * w0));
        a1 = fr(a1 + fr(va * w1));
        a2 = fr(a2 + fr(va * w2));
        a3 = fr(a3 + fr(va * w3));
        b0 = fr(b0 + fr(vb * w0));
        b1 = fr(b1 + fr(vb * w1));
        b2 = fr(b2 + fr(vb * w2));
        b3 = fr(b3 + fr(vb * w3));
      }
    }
    const a = t * cOut + co;
    const b = a + cOut;
    if (bias) {
      y[a] = fr(a0 + bias[co]);
      y[a + 1] = fr(a1 + bias[co + 1]);
      y[a + 2] = fr(a2 + bias[co + 2]);
      y[a + 3] = fr(a3 + bias[co + 3]);
      y[b] = fr(b0 + bias[co]);
      y[b + 1] = fr(b1 + bias[co + 1]);
      y[b + 2] = fr(b2 + bias[co + 2]);
      y[b + 3] = fr(b3 + bias[co + 3]);
    } else {
      y[a] = a0;
      y[a + 1] = a1;
      y[a + 2] = a2;
      y[a + 3] = a3;
      y[b] = b0;
      y[b + 1] = b1;
      y[b + 2] = b2;
      y[b + 3] = b3;
    }
  }
}

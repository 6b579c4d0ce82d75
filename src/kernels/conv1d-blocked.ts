// x: [Tin, Cin] -> y: [Tout, Cout], packed w: [Cout/4, K, Cin/groups, 4] (see packConv1dWeights)
// The same arithmetic as conv1d.ts, bit for bit, made fast: four output channels at a time, so
// each input value is loaded once for four multiplies, with weights re-laid out at load time so
// the inner loop reads them contiguously. With splitAccumulators the even and odd terms go to
// separate accumulators, as in conv1d.ts; that needs an even Cin/groups, so that the parity of
// a term's flattened (tap, channel) index is the parity of its channel, or Cin/groups = 1 (a
// waveform input), where it is the parity of the tap.
export const CONV_BLOCK = 4;

/** Re-lays [Cout, K, CinG] weights as [Cout/4, K, CinG, 4]; Cout/groups must be a multiple of 4. */
export function packConv1dWeights(w: Float32Array, cOut: number, kernel: number, cInG: number): Float32Array {
  const packed = new Float32Array(w.length);
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
  x: Float32Array, tIn: number, cIn: number,
  packed: Float32Array, bias: Float32Array | null, kernel: number, stride: number, dilation: number, groups: number,
  y: Float32Array, cOut: number, splitAccumulators: boolean,
): void {
  const fr = Math.fround;
  const cInG = cIn / groups;
  const cOutG = cOut / groups;
  const tOut = Math.floor((tIn - dilation * (kernel - 1) - 1) / stride) + 1;
  const blockSize = kernel * cInG * CONV_BLOCK;
  for (let t = 0; t < tOut; t++) {
    for (let co = 0; co < cOut; co += CONV_BLOCK) {
      const inBase = t * stride * cIn + Math.floor(co / cOutG) * cInG;
      let w = (co / CONV_BLOCK) * blockSize;
      let e0 = 0, e1 = 0, e2 = 0, e3 = 0;
      let o0 = 0, o1 = 0, o2 = 0, o3 = 0;
      if (splitAccumulators && cInG === 1) {
        for (let k = 0; k < kernel; k++, w += 4) {
          const xv = x[inBase + k * dilation * cIn];
          if ((k & 1) === 0) {
            e0 = fr(e0 + fr(xv * packed[w])); e1 = fr(e1 + fr(xv * packed[w + 1]));
            e2 = fr(e2 + fr(xv * packed[w + 2])); e3 = fr(e3 + fr(xv * packed[w + 3]));
          } else {
            o0 = fr(o0 + fr(xv * packed[w])); o1 = fr(o1 + fr(xv * packed[w + 1]));
            o2 = fr(o2 + fr(xv * packed[w + 2])); o3 = fr(o3 + fr(xv * packed[w + 3]));
          }
        }
      } else for (let k = 0; k < kernel; k++) {
        const xk = inBase + k * dilation * cIn;
        if (splitAccumulators) {
          for (let c = 0; c < cInG; c += 2, w += 8) {
            const xe = x[xk + c];
            const xo = x[xk + c + 1];
            e0 = fr(e0 + fr(xe * packed[w])); e1 = fr(e1 + fr(xe * packed[w + 1]));
            e2 = fr(e2 + fr(xe * packed[w + 2])); e3 = fr(e3 + fr(xe * packed[w + 3]));
            o0 = fr(o0 + fr(xo * packed[w + 4])); o1 = fr(o1 + fr(xo * packed[w + 5]));
            o2 = fr(o2 + fr(xo * packed[w + 6])); o3 = fr(o3 + fr(xo * packed[w + 7]));
          }
        } else {
          for (let c = 0; c < cInG; c++, w += 4) {
            const xv = x[xk + c];
            e0 = fr(e0 + fr(xv * packed[w])); e1 = fr(e1 + fr(xv * packed[w + 1]));
            e2 = fr(e2 + fr(xv * packed[w + 2])); e3 = fr(e3 + fr(xv * packed[w + 3]));
          }
        }
      }
      if (splitAccumulators) {
        e0 = fr(e0 + o0); e1 = fr(e1 + o1); e2 = fr(e2 + o2); e3 = fr(e3 + o3);
      }
      const out = t * cOut + co;
      if (bias) {
        y[out] = fr(e0 + bias[co]); y[out + 1] = fr(e1 + bias[co + 1]);
        y[out + 2] = fr(e2 + bias[co + 2]); y[out + 3] = fr(e3 + bias[co + 3]);
      } else {
        y[out] = e0; y[out + 1] = e1; y[out + 2] = e2; y[out + 3] = e3;
      }
    }
  }
}

// x: [Tin, Cin] (float32 values, widened to float64 for V8) -> y: [Tout, Cout], packed w: [Cout/4, K, Cin/groups, 4] (see packConv1dWeights)
// The same arithmetic as conv1d.ts, bit for bit, made fast: four output channels at a time, so
// each input value is loaded once for four multiplies, with weights re-laid out at load time so
// the inner loop reads them contiguously. Summed in plain order, two output steps go together,
// so each weight is loaded once for two multiplies and eight independent float32 chains keep
// the CPU busy (a float32 add has to wait for the rounding of the previous one). With
// splitAccumulators the even and odd terms go to separate accumulators, as in conv1d.ts, one
// output step at a time: eight chains again, where two steps would hold sixteen accumulators,
// more than x64's sixteen float registers leave room for (JavaScriptCore and SpiderMonkey then
// spill, at 0.6x the speed; V8 runs both alike); or, with splitStepPairs, two output steps for two
// channels at a time (channelParityPairs). That needs an even Cin/groups, so that the
// parity of a term's flattened (tap, channel) index is the parity of its channel, or
// Cin/groups = 1 (a waveform input), where it is the parity of the tap.
export const CONV_BLOCK = 4;

/**
 * Re-lays [Cout, K, CinG] weights as [Cout/4, K, CinG, 4]; Cout/groups must be a multiple of 4.
 * Stored as float64 (the same values), so that V8's inner loops load them without a conversion
 * (KernelStyles 'jit-float32' and 'jit-float32-pairs' copy them to a Float32Array).
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
  x: Float32Array | Float64Array,
  tIn: number,
  cIn: number,
  packed: Float32Array | Float64Array,
  bias: Float32Array | null,
  kernel: number,
  stride: number,
  dilation: number,
  groups: number,
  y: Float32Array,
  cOut: number,
  splitAccumulators: boolean,
  splitStepPairs = false,
): void {
  const tOut = (Math.floor((tIn - dilation * (kernel - 1) - 1) / stride) + 1) | 0;
  let t = 0;
  if (!splitAccumulators) {
    for (; t + 1 < tOut; t += 2) twoSteps(x, t, cIn, packed, bias, kernel, stride, dilation, groups, y, cOut);
    if (t < tOut) oneStep(x, t, cIn, packed, bias, kernel, stride, dilation, groups, y, cOut);
  } else if (cIn / groups === 1) {
    for (; t < tOut; t++) tapParityStep(x, t, cIn, packed, bias, kernel, stride, dilation, y, cOut);
  } else if (splitStepPairs) {
    for (; t + 1 < tOut; t += 2) {
      for (let half = 0; half < CONV_BLOCK; half += 2)
        channelParityPairs(x, t, cIn, packed, bias, kernel, stride, dilation, groups, y, cOut, half);
    }
    if (t < tOut) channelParityStep(x, t, cIn, packed, bias, kernel, stride, dilation, groups, y, cOut);
  } else {
    for (; t < tOut; t++) channelParityStep(x, t, cIn, packed, bias, kernel, stride, dilation, groups, y, cOut);
  }
}

/**
 * Output steps t and t + 1 of conv1dBlocked, channels half and half + 1 of each block of four, even
 * and odd channels summed apart: eight chains again, with eight loads per eight multiply-adds where
 * channelParityStep needs ten. V8 runs a frame 2% faster with it, SpiderMonkey about 10%;
 * JavaScriptCore runs these layers 25% slower, so its style ('jit-float32') does not take it.
 */
function channelParityPairs(
  x: Float32Array | Float64Array,
  t: number,
  cIn: number,
  packed: Float32Array | Float64Array,
  bias: Float32Array | null,
  kernel: number,
  stride: number,
  dilation: number,
  groups: number,
  y: Float32Array,
  cOut: number,
  half: number,
): void {
  const fr = Math.fround;
  const cInG = (cIn / groups) | 0;
  const cOutG = (cOut / groups) | 0;
  const blockSize = kernel * cInG * CONV_BLOCK;
  const nextStep = stride * cIn;
  for (let co = 0; co < cOut; co += CONV_BLOCK) {
    const inBase = t * stride * cIn + ((co / cOutG) | 0) * cInG;
    let w = ((co / CONV_BLOCK) | 0) * blockSize + half;
    // a/b: steps t and t + 1; e/o: even and odd channels; 0/1: the two output channels
    let ae0 = 0,
      ae1 = 0,
      ao0 = 0,
      ao1 = 0;
    let be0 = 0,
      be1 = 0,
      bo0 = 0,
      bo1 = 0;
    for (let k = 0; k < kernel; k++) {
      const xa = inBase + k * dilation * cIn;
      const xb = xa + nextStep;
      for (let c = 0; c < cInG; c += 2, w += 8) {
        const we0 = packed[w],
          we1 = packed[w + 1],
          wo0 = packed[w + 4],
          wo1 = packed[w + 5];
        const xae = x[xa + c],
          xao = x[xa + c + 1],
          xbe = x[xb + c],
          xbo = x[xb + c + 1];
        ae0 = fr(ae0 + fr(xae * we0));
        ae1 = fr(ae1 + fr(xae * we1));
        ao0 = fr(ao0 + fr(xao * wo0));
        ao1 = fr(ao1 + fr(xao * wo1));
        be0 = fr(be0 + fr(xbe * we0));
        be1 = fr(be1 + fr(xbe * we1));
        bo0 = fr(bo0 + fr(xbo * wo0));
        bo1 = fr(bo1 + fr(xbo * wo1));
      }
    }
    const c0 = co + half;
    const outA = t * cOut + c0;
    const outB = outA + cOut;
    if (bias) {
      y[outA] = fr(fr(ae0 + ao0) + bias[c0]);
      y[outA + 1] = fr(fr(ae1 + ao1) + bias[c0 + 1]);
      y[outB] = fr(fr(be0 + bo0) + bias[c0]);
      y[outB + 1] = fr(fr(be1 + bo1) + bias[c0 + 1]);
    } else {
      y[outA] = ae0 + ao0;
      y[outA + 1] = ae1 + ao1;
      y[outB] = be0 + bo0;
      y[outB + 1] = be1 + bo1;
    }
  }
}

/** Stores four sums of output step t, channels co..co+3, bias added last. */
function store(
  y: Float32Array,
  out: number,
  bias: Float32Array | null,
  co: number,
  s0: number,
  s1: number,
  s2: number,
  s3: number,
): void {
  const fr = Math.fround;
  if (bias) {
    y[out] = fr(s0 + bias[co]);
    y[out + 1] = fr(s1 + bias[co + 1]);
    y[out + 2] = fr(s2 + bias[co + 2]);
    y[out + 3] = fr(s3 + bias[co + 3]);
  } else {
    y[out] = s0;
    y[out + 1] = s1;
    y[out + 2] = s2;
    y[out + 3] = s3;
  }
}

/** Output step t of conv1dBlocked, terms summed in plain order. */
function oneStep(
  x: Float32Array | Float64Array,
  t: number,
  cIn: number,
  packed: Float32Array | Float64Array,
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
  for (let co = 0; co < cOut; co += CONV_BLOCK) {
    const inBase = t * stride * cIn + ((co / cOutG) | 0) * cInG;
    let w = ((co / CONV_BLOCK) | 0) * blockSize;
    let s0 = 0,
      s1 = 0,
      s2 = 0,
      s3 = 0;
    for (let k = 0; k < kernel; k++) {
      const xk = inBase + k * dilation * cIn;
      for (let c = 0; c < cInG; c++, w += 4) {
        const v = x[xk + c];
        s0 = fr(s0 + fr(v * packed[w]));
        s1 = fr(s1 + fr(v * packed[w + 1]));
        s2 = fr(s2 + fr(v * packed[w + 2]));
        s3 = fr(s3 + fr(v * packed[w + 3]));
      }
    }
    store(y, t * cOut + co, bias, co, s0, s1, s2, s3);
  }
}

/** Output step t of conv1dBlocked, even and odd channels summed apart (an even Cin/groups). */
function channelParityStep(
  x: Float32Array | Float64Array,
  t: number,
  cIn: number,
  packed: Float32Array | Float64Array,
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
    for (let k = 0; k < kernel; k++) {
      const xk = inBase + k * dilation * cIn;
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
    }
    store(y, t * cOut + co, bias, co, fr(e0 + o0), fr(e1 + o1), fr(e2 + o2), fr(e3 + o3));
  }
}

/** Output step t of conv1dBlocked for one input channel per group: even and odd taps summed apart. */
function tapParityStep(
  x: Float32Array | Float64Array,
  t: number,
  cIn: number,
  packed: Float32Array | Float64Array,
  bias: Float32Array | null,
  kernel: number,
  stride: number,
  dilation: number,
  y: Float32Array,
  cOut: number,
): void {
  const fr = Math.fround;
  const tap = dilation * cIn;
  for (let co = 0; co < cOut; co += CONV_BLOCK) {
    // Cin/groups = 1: output channel co reads input channel co * Cin / Cout.
    const inBase = t * stride * cIn + (((co * cIn) / cOut) | 0);
    let w = co * kernel;
    let e0 = 0,
      e1 = 0,
      e2 = 0,
      e3 = 0;
    let o0 = 0,
      o1 = 0,
      o2 = 0,
      o3 = 0;
    let k = 0;
    for (; k + 1 < kernel; k += 2, w += 8) {
      const xe = x[inBase + k * tap];
      const xo = x[inBase + (k + 1) * tap];
      e0 = fr(e0 + fr(xe * packed[w]));
      e1 = fr(e1 + fr(xe * packed[w + 1]));
      e2 = fr(e2 + fr(xe * packed[w + 2]));
      e3 = fr(e3 + fr(xe * packed[w + 3]));
      o0 = fr(o0 + fr(xo * packed[w + 4]));
      o1 = fr(o1 + fr(xo * packed[w + 5]));
      o2 = fr(o2 + fr(xo * packed[w + 6]));
      o3 = fr(o3 + fr(xo * packed[w + 7]));
    }
    if (k < kernel) {
      const xe = x[inBase + k * tap];
      e0 = fr(e0 + fr(xe * packed[w]));
      e1 = fr(e1 + fr(xe * packed[w + 1]));
      e2 = fr(e2 + fr(xe * packed[w + 2]));
      e3 = fr(e3 + fr(xe * packed[w + 3]));
    }
    store(y, t * cOut + co, bias, co, fr(e0 + o0), fr(e1 + o1), fr(e2 + o2), fr(e3 + o3));
  }
}

/** Output steps t and t + 1 of conv1dBlocked, terms summed in plain order. */
function twoSteps(
  x: Float32Array | Float64Array,
  t: number,
  cIn: number,
  packed: Float32Array | Float64Array,
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
    store(y, t * cOut + co, bias, co, a0, a1, a2, a3);
    store(y, (t + 1) * cOut + co, bias, co, b0, b1, b2, b3);
  }
}

// x: [Tin, Cin] -> y: [Tout, Cout], packed w: [Cout/4, K, Cin/groups, 4] (packConv1dWeights in conv1d-blocked.ts)
// conv1d.ts bit for bit, shaped for an interpreter (Hermes), where every bytecode instruction
// and above all every call costs: each float32 rounding is Veltkamp's split (float32-split.ts:
// three arithmetic instructions instead of a call to Math.fround), four output channels times
// four (else two, else one) output steps per pass so that each weight read serves several
// multiplies and each input read four, index arithmetic out of the inner loops. Each line pair
// below runs two independent multiply-adds in lockstep: an interpreter writes every result to
// memory and the next instruction reads it back, so a chain of dependent instructions waits on
// each link, and the processor overlaps two chains (about 1.3x as fast as one chain at a time).
// Only for inputs float32SplitFits admits; Cout/groups a multiple of 4; with split accumulators
// Cin/groups even or 1.
// In each line pair, q and p are x * w rounded, plus the accumulator, rounded: g = v * C; g + (v - g).

export function conv1dSplit(
  x: Float32Array,
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
  const cInG = cIn / groups;
  const cOutG = cOut / groups;
  const tOut = Math.floor((tIn - dilation * (kernel - 1) - 1) / stride) + 1;
  const blockSize = kernel * cInG * 4;
  const nextStep = stride * cIn;
  // parityFour pairs terms two by two: two channels of a tap, or for one channel two taps.
  const fourSteps = !splitAccumulators || cInG % 2 === 0 || kernel % 2 === 0;
  for (let co = 0; co < cOut; co += 4) {
    const inBase = Math.floor(co / cOutG) * cInG;
    const w = (co / 4) * blockSize;
    let t = 0;
    for (; fourSteps && t + 3 < tOut; t += 4) {
      const at = t * nextStep + inBase;
      const out = t * cOut + co;
      if (splitAccumulators)
        parityFour(x, at, nextStep, cIn, cInG, packed, w, kernel, dilation, y, out, cOut, co, bias);
      else sequentialFour(x, at, nextStep, cIn, cInG, packed, w, kernel, dilation, y, out, cOut, co, bias);
    }
    for (; t + 1 < tOut; t += 2) {
      const at = t * nextStep + inBase;
      const outA = t * cOut + co;
      const outB = outA + cOut;
      if (!splitAccumulators)
        sequentialTwo(x, at, nextStep, cIn, cInG, packed, w, kernel, dilation, y, outA, outB, co, bias);
      else if (cInG === 1) tapParityTwo(x, at, nextStep, dilation * cIn, packed, w, kernel, y, outA, outB, co, bias);
      else channelParityTwo(x, at, nextStep, cIn, cInG, packed, w, kernel, dilation, y, outA, outB, co, bias);
    }
    if (t < tOut) {
      const at = t * nextStep + inBase;
      oneStep(x, at, cIn, cInG, packed, w, kernel, dilation, y, t * cOut + co, co, bias, splitAccumulators);
    }
  }
}

/** Four output steps (inputs from x[at], x[at + nextStep], ...) into y[out..], y[out + cOut..], ..., channels co..co+3, terms in plain order. */
// biome-ignore format: two multiply-adds per line pair, the same statements on each
function sequentialFour(
  x: Float32Array,
  at: number,
  nextStep: number,
  cIn: number,
  cInG: number,
  packed: Float64Array,
  w: number,
  kernel: number,
  dilation: number,
  y: Float32Array,
  out: number,
  cOut: number,
  co: number,
  bias: Float32Array | null,
): void {
  const C = 536870913; // 2^29 + 1, float32-split.ts's SPLIT as a literal: Hermes then knows it is a number
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0; // a, b, c, d: the four steps
  let c0 = 0, c1 = 0, c2 = 0, c3 = 0, d0 = 0, d1 = 0, d2 = 0, d3 = 0;
  let q = 0, g = 0, p = 0, h = 0, w0 = 0, w1 = 0, w2 = 0, w3 = 0, u0 = 0, u1 = 0, u2 = 0, u3 = 0;
  const n2 = 2 * nextStep, n3 = 3 * nextStep;
  for (let k = 0; k < kernel; k++) {
    const i0 = at + k * dilation * cIn;
    const i1 = i0 + cInG;
    for (let i = i0; i < i1; i++, w += 4) {
      w0 = packed[w]; w1 = packed[w + 1]; w2 = packed[w + 2]; w3 = packed[w + 3];
      u0 = x[i]; u1 = x[i + nextStep]; u2 = x[i + n2]; u3 = x[i + n3];
      q = u0 * w0; p = u1 * w0; g = q * C; h = p * C; q = g + (q - g) + a0; p = h + (p - h) + b0;
      g = q * C; h = p * C; a0 = g + (q - g); b0 = h + (p - h);
      q = u2 * w0; p = u3 * w0; g = q * C; h = p * C; q = g + (q - g) + c0; p = h + (p - h) + d0;
      g = q * C; h = p * C; c0 = g + (q - g); d0 = h + (p - h);
      q = u0 * w1; p = u1 * w1; g = q * C; h = p * C; q = g + (q - g) + a1; p = h + (p - h) + b1;
      g = q * C; h = p * C; a1 = g + (q - g); b1 = h + (p - h);
      q = u2 * w1; p = u3 * w1; g = q * C; h = p * C; q = g + (q - g) + c1; p = h + (p - h) + d1;
      g = q * C; h = p * C; c1 = g + (q - g); d1 = h + (p - h);
      q = u0 * w2; p = u1 * w2; g = q * C; h = p * C; q = g + (q - g) + a2; p = h + (p - h) + b2;
      g = q * C; h = p * C; a2 = g + (q - g); b2 = h + (p - h);
      q = u2 * w2; p = u3 * w2; g = q * C; h = p * C; q = g + (q - g) + c2; p = h + (p - h) + d2;
      g = q * C; h = p * C; c2 = g + (q - g); d2 = h + (p - h);
      q = u0 * w3; p = u1 * w3; g = q * C; h = p * C; q = g + (q - g) + a3; p = h + (p - h) + b3;
      g = q * C; h = p * C; a3 = g + (q - g); b3 = h + (p - h);
      q = u2 * w3; p = u3 * w3; g = q * C; h = p * C; q = g + (q - g) + c3; p = h + (p - h) + d3;
      g = q * C; h = p * C; c3 = g + (q - g); d3 = h + (p - h);
    }
  }
  store(y, out, a0, a1, a2, a3, bias, co);
  store(y, out + cOut, b0, b1, b2, b3, bias, co);
  store(y, out + 2 * cOut, c0, c1, c2, c3, bias, co);
  store(y, out + 3 * cOut, d0, d1, d2, d3, bias, co);
}

/**
 * sequentialFour with even and odd terms summed apart: with Cin/groups even, two channels of a
 * tap at a time; with one input channel (and an even kernel), two taps at a time.
 */
// biome-ignore format: two multiply-adds per line pair, the same statements on each
function parityFour(
  x: Float32Array,
  at: number,
  nextStep: number,
  cIn: number,
  cInG: number,
  packed: Float64Array,
  w: number,
  kernel: number,
  dilation: number,
  y: Float32Array,
  out: number,
  cOut: number,
  co: number,
  bias: Float32Array | null,
): void {
  const C = 536870913; // 2^29 + 1, float32-split.ts's SPLIT as a literal: Hermes then knows it is a number
  let ea0 = 0, ea1 = 0, ea2 = 0, ea3 = 0, eb0 = 0, eb1 = 0, eb2 = 0, eb3 = 0; // e: even terms; a, b, c, d: the four steps
  let ec0 = 0, ec1 = 0, ec2 = 0, ec3 = 0, ed0 = 0, ed1 = 0, ed2 = 0, ed3 = 0;
  let oa0 = 0, oa1 = 0, oa2 = 0, oa3 = 0, ob0 = 0, ob1 = 0, ob2 = 0, ob3 = 0; // o: odd terms
  let oc0 = 0, oc1 = 0, oc2 = 0, oc3 = 0, od0 = 0, od1 = 0, od2 = 0, od3 = 0;
  let q = 0, g = 0, p = 0, h = 0, w0 = 0, w1 = 0, w2 = 0, w3 = 0, u0 = 0, u1 = 0, u2 = 0, u3 = 0, j = 0;
  const n2 = 2 * nextStep, n3 = 3 * nextStep;
  const tapStep = dilation * cIn;
  const oneChannel = cInG === 1;
  const pairStep = oneChannel ? tapStep : 1; // from an even term's input to the odd term's
  const passes = oneChannel ? 1 : kernel; // one pass per tap, or one over all taps
  const span = oneChannel ? kernel * tapStep : cInG;
  for (let k = 0; k < passes; k++) {
    const i0 = at + k * tapStep;
    const i1 = i0 + span;
    for (let i = i0; i < i1; i += 2 * pairStep, w += 8) {
      w0 = packed[w]; w1 = packed[w + 1]; w2 = packed[w + 2]; w3 = packed[w + 3];
      u0 = x[i]; u1 = x[i + nextStep]; u2 = x[i + n2]; u3 = x[i + n3];
      q = u0 * w0; p = u1 * w0; g = q * C; h = p * C; q = g + (q - g) + ea0; p = h + (p - h) + eb0;
      g = q * C; h = p * C; ea0 = g + (q - g); eb0 = h + (p - h);
      q = u2 * w0; p = u3 * w0; g = q * C; h = p * C; q = g + (q - g) + ec0; p = h + (p - h) + ed0;
      g = q * C; h = p * C; ec0 = g + (q - g); ed0 = h + (p - h);
      q = u0 * w1; p = u1 * w1; g = q * C; h = p * C; q = g + (q - g) + ea1; p = h + (p - h) + eb1;
      g = q * C; h = p * C; ea1 = g + (q - g); eb1 = h + (p - h);
      q = u2 * w1; p = u3 * w1; g = q * C; h = p * C; q = g + (q - g) + ec1; p = h + (p - h) + ed1;
      g = q * C; h = p * C; ec1 = g + (q - g); ed1 = h + (p - h);
      q = u0 * w2; p = u1 * w2; g = q * C; h = p * C; q = g + (q - g) + ea2; p = h + (p - h) + eb2;
      g = q * C; h = p * C; ea2 = g + (q - g); eb2 = h + (p - h);
      q = u2 * w2; p = u3 * w2; g = q * C; h = p * C; q = g + (q - g) + ec2; p = h + (p - h) + ed2;
      g = q * C; h = p * C; ec2 = g + (q - g); ed2 = h + (p - h);
      q = u0 * w3; p = u1 * w3; g = q * C; h = p * C; q = g + (q - g) + ea3; p = h + (p - h) + eb3;
      g = q * C; h = p * C; ea3 = g + (q - g); eb3 = h + (p - h);
      q = u2 * w3; p = u3 * w3; g = q * C; h = p * C; q = g + (q - g) + ec3; p = h + (p - h) + ed3;
      g = q * C; h = p * C; ec3 = g + (q - g); ed3 = h + (p - h);
      w0 = packed[w + 4]; w1 = packed[w + 5]; w2 = packed[w + 6]; w3 = packed[w + 7];
      j = i + pairStep;
      u0 = x[j]; u1 = x[j + nextStep]; u2 = x[j + n2]; u3 = x[j + n3];
      q = u0 * w0; p = u1 * w0; g = q * C; h = p * C; q = g + (q - g) + oa0; p = h + (p - h) + ob0;
      g = q * C; h = p * C; oa0 = g + (q - g); ob0 = h + (p - h);
      q = u2 * w0; p = u3 * w0; g = q * C; h = p * C; q = g + (q - g) + oc0; p = h + (p - h) + od0;
      g = q * C; h = p * C; oc0 = g + (q - g); od0 = h + (p - h);
      q = u0 * w1; p = u1 * w1; g = q * C; h = p * C; q = g + (q - g) + oa1; p = h + (p - h) + ob1;
      g = q * C; h = p * C; oa1 = g + (q - g); ob1 = h + (p - h);
      q = u2 * w1; p = u3 * w1; g = q * C; h = p * C; q = g + (q - g) + oc1; p = h + (p - h) + od1;
      g = q * C; h = p * C; oc1 = g + (q - g); od1 = h + (p - h);
      q = u0 * w2; p = u1 * w2; g = q * C; h = p * C; q = g + (q - g) + oa2; p = h + (p - h) + ob2;
      g = q * C; h = p * C; oa2 = g + (q - g); ob2 = h + (p - h);
      q = u2 * w2; p = u3 * w2; g = q * C; h = p * C; q = g + (q - g) + oc2; p = h + (p - h) + od2;
      g = q * C; h = p * C; oc2 = g + (q - g); od2 = h + (p - h);
      q = u0 * w3; p = u1 * w3; g = q * C; h = p * C; q = g + (q - g) + oa3; p = h + (p - h) + ob3;
      g = q * C; h = p * C; oa3 = g + (q - g); ob3 = h + (p - h);
      q = u2 * w3; p = u3 * w3; g = q * C; h = p * C; q = g + (q - g) + oc3; p = h + (p - h) + od3;
      g = q * C; h = p * C; oc3 = g + (q - g); od3 = h + (p - h);
    }
  }
  storePairs(y, out, ea0, ea1, ea2, ea3, oa0, oa1, oa2, oa3, bias, co);
  storePairs(y, out + cOut, eb0, eb1, eb2, eb3, ob0, ob1, ob2, ob3, bias, co);
  storePairs(y, out + 2 * cOut, ec0, ec1, ec2, ec3, oc0, oc1, oc2, oc3, bias, co);
  storePairs(y, out + 3 * cOut, ed0, ed1, ed2, ed3, od0, od1, od2, od3, bias, co);
}

/** Two output steps (inputs from x[at] and x[at + nextStep]) into y[outA..] and y[outB..], channels co..co+3, terms in plain order. */
// biome-ignore format: two multiply-adds per line pair, the same statements on each
function sequentialTwo(
  x: Float32Array,
  at: number,
  nextStep: number,
  cIn: number,
  cInG: number,
  packed: Float64Array,
  w: number,
  kernel: number,
  dilation: number,
  y: Float32Array,
  outA: number,
  outB: number,
  co: number,
  bias: Float32Array | null,
): void {
  const C = 536870913; // 2^29 + 1, float32-split.ts's SPLIT as a literal: Hermes then knows it is a number
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0; // a: the first step, b: the second
  let q = 0, g = 0, p = 0, h = 0;
  for (let k = 0; k < kernel; k++) {
    const i0 = at + k * dilation * cIn;
    const i1 = i0 + cInG;
    for (let i = i0, j = i0 + nextStep; i < i1; i++, j++, w += 4) {
      const w0 = packed[w], w1 = packed[w + 1], w2 = packed[w + 2], w3 = packed[w + 3];
      const u = x[i], v = x[j];
      q = u * w0; p = v * w0; g = q * C; h = p * C; q = g + (q - g) + a0; p = h + (p - h) + b0;
      g = q * C; h = p * C; a0 = g + (q - g); b0 = h + (p - h);
      q = u * w1; p = v * w1; g = q * C; h = p * C; q = g + (q - g) + a1; p = h + (p - h) + b1;
      g = q * C; h = p * C; a1 = g + (q - g); b1 = h + (p - h);
      q = u * w2; p = v * w2; g = q * C; h = p * C; q = g + (q - g) + a2; p = h + (p - h) + b2;
      g = q * C; h = p * C; a2 = g + (q - g); b2 = h + (p - h);
      q = u * w3; p = v * w3; g = q * C; h = p * C; q = g + (q - g) + a3; p = h + (p - h) + b3;
      g = q * C; h = p * C; a3 = g + (q - g); b3 = h + (p - h);
    }
  }
  store(y, outA, a0, a1, a2, a3, bias, co);
  store(y, outB, b0, b1, b2, b3, bias, co);
}

/** sequentialTwo with even and odd channels summed apart (Cin/groups even). */
// biome-ignore format: two multiply-adds per line pair, the same statements on each
function channelParityTwo(
  x: Float32Array,
  at: number,
  nextStep: number,
  cIn: number,
  cInG: number,
  packed: Float64Array,
  w: number,
  kernel: number,
  dilation: number,
  y: Float32Array,
  outA: number,
  outB: number,
  co: number,
  bias: Float32Array | null,
): void {
  const C = 536870913; // 2^29 + 1, float32-split.ts's SPLIT as a literal: Hermes then knows it is a number
  let ae0 = 0, ae1 = 0, ae2 = 0, ae3 = 0, ao0 = 0, ao1 = 0, ao2 = 0, ao3 = 0; // a: the first step; e/o: even/odd terms
  let be0 = 0, be1 = 0, be2 = 0, be3 = 0, bo0 = 0, bo1 = 0, bo2 = 0, bo3 = 0; // b: the second step
  let q = 0, g = 0, p = 0, h = 0, w0 = 0, w1 = 0, w2 = 0, w3 = 0, u = 0, v = 0;
  for (let k = 0; k < kernel; k++) {
    const i0 = at + k * dilation * cIn;
    const i1 = i0 + cInG;
    for (let i = i0, j = i0 + nextStep; i < i1; i += 2, j += 2, w += 8) {
      w0 = packed[w]; w1 = packed[w + 1]; w2 = packed[w + 2]; w3 = packed[w + 3];
      u = x[i]; v = x[j];
      q = u * w0; p = v * w0; g = q * C; h = p * C; q = g + (q - g) + ae0; p = h + (p - h) + be0;
      g = q * C; h = p * C; ae0 = g + (q - g); be0 = h + (p - h);
      q = u * w1; p = v * w1; g = q * C; h = p * C; q = g + (q - g) + ae1; p = h + (p - h) + be1;
      g = q * C; h = p * C; ae1 = g + (q - g); be1 = h + (p - h);
      q = u * w2; p = v * w2; g = q * C; h = p * C; q = g + (q - g) + ae2; p = h + (p - h) + be2;
      g = q * C; h = p * C; ae2 = g + (q - g); be2 = h + (p - h);
      q = u * w3; p = v * w3; g = q * C; h = p * C; q = g + (q - g) + ae3; p = h + (p - h) + be3;
      g = q * C; h = p * C; ae3 = g + (q - g); be3 = h + (p - h);
      w0 = packed[w + 4]; w1 = packed[w + 5]; w2 = packed[w + 6]; w3 = packed[w + 7];
      u = x[i + 1]; v = x[j + 1];
      q = u * w0; p = v * w0; g = q * C; h = p * C; q = g + (q - g) + ao0; p = h + (p - h) + bo0;
      g = q * C; h = p * C; ao0 = g + (q - g); bo0 = h + (p - h);
      q = u * w1; p = v * w1; g = q * C; h = p * C; q = g + (q - g) + ao1; p = h + (p - h) + bo1;
      g = q * C; h = p * C; ao1 = g + (q - g); bo1 = h + (p - h);
      q = u * w2; p = v * w2; g = q * C; h = p * C; q = g + (q - g) + ao2; p = h + (p - h) + bo2;
      g = q * C; h = p * C; ao2 = g + (q - g); bo2 = h + (p - h);
      q = u * w3; p = v * w3; g = q * C; h = p * C; q = g + (q - g) + ao3; p = h + (p - h) + bo3;
      g = q * C; h = p * C; ao3 = g + (q - g); bo3 = h + (p - h);
    }
  }
  storePairs(y, outA, ae0, ae1, ae2, ae3, ao0, ao1, ao2, ao3, bias, co);
  storePairs(y, outB, be0, be1, be2, be3, bo0, bo1, bo2, bo3, bias, co);
}

/** sequentialTwo for one input channel, even and odd taps summed apart. */
// biome-ignore format: two multiply-adds per line pair, the same statements on each
function tapParityTwo(
  x: Float32Array,
  at: number,
  nextStep: number,
  tapStep: number,
  packed: Float64Array,
  w: number,
  kernel: number,
  y: Float32Array,
  outA: number,
  outB: number,
  co: number,
  bias: Float32Array | null,
): void {
  const C = 536870913; // 2^29 + 1, float32-split.ts's SPLIT as a literal: Hermes then knows it is a number
  let ae0 = 0, ae1 = 0, ae2 = 0, ae3 = 0, ao0 = 0, ao1 = 0, ao2 = 0, ao3 = 0; // a: the first step; e/o: even/odd terms
  let be0 = 0, be1 = 0, be2 = 0, be3 = 0, bo0 = 0, bo1 = 0, bo2 = 0, bo3 = 0; // b: the second step
  let q = 0, g = 0, p = 0, h = 0, w0 = 0, w1 = 0, w2 = 0, w3 = 0, u = 0, v = 0;
  const pairs = kernel >> 1;
  let i = at;
  for (let k = 0; k < pairs; k++, i += tapStep, w += 8) {
    w0 = packed[w]; w1 = packed[w + 1]; w2 = packed[w + 2]; w3 = packed[w + 3];
    u = x[i]; v = x[i + nextStep];
    q = u * w0; p = v * w0; g = q * C; h = p * C; q = g + (q - g) + ae0; p = h + (p - h) + be0;
    g = q * C; h = p * C; ae0 = g + (q - g); be0 = h + (p - h);
    q = u * w1; p = v * w1; g = q * C; h = p * C; q = g + (q - g) + ae1; p = h + (p - h) + be1;
    g = q * C; h = p * C; ae1 = g + (q - g); be1 = h + (p - h);
    q = u * w2; p = v * w2; g = q * C; h = p * C; q = g + (q - g) + ae2; p = h + (p - h) + be2;
    g = q * C; h = p * C; ae2 = g + (q - g); be2 = h + (p - h);
    q = u * w3; p = v * w3; g = q * C; h = p * C; q = g + (q - g) + ae3; p = h + (p - h) + be3;
    g = q * C; h = p * C; ae3 = g + (q - g); be3 = h + (p - h);
    i += tapStep;
    w0 = packed[w + 4]; w1 = packed[w + 5]; w2 = packed[w + 6]; w3 = packed[w + 7];
    u = x[i]; v = x[i + nextStep];
    q = u * w0; p = v * w0; g = q * C; h = p * C; q = g + (q - g) + ao0; p = h + (p - h) + bo0;
    g = q * C; h = p * C; ao0 = g + (q - g); bo0 = h + (p - h);
    q = u * w1; p = v * w1; g = q * C; h = p * C; q = g + (q - g) + ao1; p = h + (p - h) + bo1;
    g = q * C; h = p * C; ao1 = g + (q - g); bo1 = h + (p - h);
    q = u * w2; p = v * w2; g = q * C; h = p * C; q = g + (q - g) + ao2; p = h + (p - h) + bo2;
    g = q * C; h = p * C; ao2 = g + (q - g); bo2 = h + (p - h);
    q = u * w3; p = v * w3; g = q * C; h = p * C; q = g + (q - g) + ao3; p = h + (p - h) + bo3;
    g = q * C; h = p * C; ao3 = g + (q - g); bo3 = h + (p - h);
  }
  if (kernel & 1) {
    w0 = packed[w]; w1 = packed[w + 1]; w2 = packed[w + 2]; w3 = packed[w + 3];
    u = x[i]; v = x[i + nextStep];
    q = u * w0; p = v * w0; g = q * C; h = p * C; q = g + (q - g) + ae0; p = h + (p - h) + be0;
    g = q * C; h = p * C; ae0 = g + (q - g); be0 = h + (p - h);
    q = u * w1; p = v * w1; g = q * C; h = p * C; q = g + (q - g) + ae1; p = h + (p - h) + be1;
    g = q * C; h = p * C; ae1 = g + (q - g); be1 = h + (p - h);
    q = u * w2; p = v * w2; g = q * C; h = p * C; q = g + (q - g) + ae2; p = h + (p - h) + be2;
    g = q * C; h = p * C; ae2 = g + (q - g); be2 = h + (p - h);
    q = u * w3; p = v * w3; g = q * C; h = p * C; q = g + (q - g) + ae3; p = h + (p - h) + be3;
    g = q * C; h = p * C; ae3 = g + (q - g); be3 = h + (p - h);
  }
  storePairs(y, outA, ae0, ae1, ae2, ae3, ao0, ao1, ao2, ao3, bias, co);
  storePairs(y, outB, be0, be1, be2, be3, bo0, bo1, bo2, bo3, bias, co);
}

/** One output step (the last of an odd number) into y[out..out+3], channels co..co+3, in either order. */
// biome-ignore format: two multiply-adds per line pair, the same statements on each
function oneStep(
  x: Float32Array,
  at: number,
  cIn: number,
  cInG: number,
  packed: Float64Array,
  w: number,
  kernel: number,
  dilation: number,
  y: Float32Array,
  out: number,
  co: number,
  bias: Float32Array | null,
  splitAccumulators: boolean,
): void {
  const C = 536870913; // 2^29 + 1, float32-split.ts's SPLIT as a literal: Hermes then knows it is a number
  let e0 = 0, e1 = 0, e2 = 0, e3 = 0, o0 = 0, o1 = 0, o2 = 0, o3 = 0; // e: even terms (every term in plain order), o: odd terms
  let q = 0, g = 0, p = 0, h = 0;
  let odd = false;
  for (let k = 0; k < kernel; k++) {
    const i0 = at + k * dilation * cIn;
    const i1 = i0 + cInG;
    for (let i = i0; i < i1; i++, w += 4) {
      const u = x[i];
      if (odd) {
        q = u * packed[w]; p = u * packed[w + 1]; g = q * C; h = p * C; q = g + (q - g) + o0; p = h + (p - h) + o1;
        g = q * C; h = p * C; o0 = g + (q - g); o1 = h + (p - h);
        q = u * packed[w + 2]; p = u * packed[w + 3]; g = q * C; h = p * C; q = g + (q - g) + o2; p = h + (p - h) + o3;
        g = q * C; h = p * C; o2 = g + (q - g); o3 = h + (p - h);
      } else {
        q = u * packed[w]; p = u * packed[w + 1]; g = q * C; h = p * C; q = g + (q - g) + e0; p = h + (p - h) + e1;
        g = q * C; h = p * C; e0 = g + (q - g); e1 = h + (p - h);
        q = u * packed[w + 2]; p = u * packed[w + 3]; g = q * C; h = p * C; q = g + (q - g) + e2; p = h + (p - h) + e3;
        g = q * C; h = p * C; e2 = g + (q - g); e3 = h + (p - h);
      }
      odd = splitAccumulators && !odd;
    }
  }
  if (splitAccumulators) storePairs(y, out, e0, e1, e2, e3, o0, o1, o2, o3, bias, co);
  else store(y, out, e0, e1, e2, e3, bias, co);
}

/** y[out..out+3] = the four sums, each plus its bias: the Float32Array store rounds as Math.fround does. */
function store(
  y: Float32Array,
  out: number,
  s0: number,
  s1: number,
  s2: number,
  s3: number,
  bias: Float32Array | null,
  co: number,
): void {
  if (bias) {
    s0 += bias[co]!;
    s1 += bias[co + 1]!;
    s2 += bias[co + 2]!;
    s3 += bias[co + 3]!;
  }
  y[out] = s0;
  y[out + 1] = s1;
  y[out + 2] = s2;
  y[out + 3] = s3;
}

/** Even plus odd sums, rounded to float32, then store. */
// biome-ignore format: one rounding per line
function storePairs(
  y: Float32Array,
  out: number,
  e0: number,
  e1: number,
  e2: number,
  e3: number,
  o0: number,
  o1: number,
  o2: number,
  o3: number,
  bias: Float32Array | null,
  co: number,
): void {
  const C = 536870913; // 2^29 + 1, float32-split.ts's SPLIT as a literal: Hermes then knows it is a number
  let q = e0 + o0, g = q * C;
  e0 = g + (q - g);
  q = e1 + o1; g = q * C; e1 = g + (q - g);
  q = e2 + o2; g = q * C; e2 = g + (q - g);
  q = e3 + o3; g = q * C; e3 = g + (q - g);
  store(y, out, e0, e1, e2, e3, bias, co);
}

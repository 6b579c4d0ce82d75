// x: [Tin, Cin] -> y: [Tout, Cout], packed w: [Cout/4, K, Cin/groups, 4] (packConv1dWeights in conv1d-blocked.ts)
// conv1d.ts bit for bit, shaped for an interpreter (Hermes), where every bytecode instruction
// and above all every call costs: each float32 rounding is Veltkamp's split (float32-split.ts:
// three arithmetic instructions instead of a call to Math.fround), four output channels times
// two output steps per pass so that each weight read serves two multiplies and each input read
// four, index arithmetic out of the inner loops. Only for inputs float32SplitFits admits;
// Cout/groups a multiple of 4; with split accumulators Cin/groups even or 1.
// In each line below, q = x * w rounded, plus the accumulator, rounded: g = v * C; g + (v - g).

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
  for (let co = 0; co < cOut; co += 4) {
    const inBase = Math.floor(co / cOutG) * cInG;
    const w = (co / 4) * blockSize;
    let t = 0;
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

/** Two output steps (inputs from x[at] and x[at + nextStep]) into y[outA..] and y[outB..], channels co..co+3, terms in plain order. */
// biome-ignore format: one multiply-add per line, the same five statements on each
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
  let q = 0, g = 0;
  for (let k = 0; k < kernel; k++) {
    const i0 = at + k * dilation * cIn;
    const i1 = i0 + cInG;
    for (let i = i0, j = i0 + nextStep; i < i1; i++, j++, w += 4) {
      const w0 = packed[w], w1 = packed[w + 1], w2 = packed[w + 2], w3 = packed[w + 3];
      const u = x[i], v = x[j];
      q = u * w0; g = q * C; q = g + (q - g) + a0; g = q * C; a0 = g + (q - g);
      q = u * w1; g = q * C; q = g + (q - g) + a1; g = q * C; a1 = g + (q - g);
      q = u * w2; g = q * C; q = g + (q - g) + a2; g = q * C; a2 = g + (q - g);
      q = u * w3; g = q * C; q = g + (q - g) + a3; g = q * C; a3 = g + (q - g);
      q = v * w0; g = q * C; q = g + (q - g) + b0; g = q * C; b0 = g + (q - g);
      q = v * w1; g = q * C; q = g + (q - g) + b1; g = q * C; b1 = g + (q - g);
      q = v * w2; g = q * C; q = g + (q - g) + b2; g = q * C; b2 = g + (q - g);
      q = v * w3; g = q * C; q = g + (q - g) + b3; g = q * C; b3 = g + (q - g);
    }
  }
  store(y, outA, a0, a1, a2, a3, bias, co);
  store(y, outB, b0, b1, b2, b3, bias, co);
}

/** sequentialTwo with even and odd channels summed apart (Cin/groups even). */
// biome-ignore format: one multiply-add per line, the same five statements on each
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
  let q = 0, g = 0, w0 = 0, w1 = 0, w2 = 0, w3 = 0, u = 0, v = 0;
  for (let k = 0; k < kernel; k++) {
    const i0 = at + k * dilation * cIn;
    const i1 = i0 + cInG;
    for (let i = i0, j = i0 + nextStep; i < i1; i += 2, j += 2, w += 8) {
      w0 = packed[w]; w1 = packed[w + 1]; w2 = packed[w + 2]; w3 = packed[w + 3];
      u = x[i]; v = x[j];
      q = u * w0; g = q * C; q = g + (q - g) + ae0; g = q * C; ae0 = g + (q - g);
      q = u * w1; g = q * C; q = g + (q - g) + ae1; g = q * C; ae1 = g + (q - g);
      q = u * w2; g = q * C; q = g + (q - g) + ae2; g = q * C; ae2 = g + (q - g);
      q = u * w3; g = q * C; q = g + (q - g) + ae3; g = q * C; ae3 = g + (q - g);
      q = v * w0; g = q * C; q = g + (q - g) + be0; g = q * C; be0 = g + (q - g);
      q = v * w1; g = q * C; q = g + (q - g) + be1; g = q * C; be1 = g + (q - g);
      q = v * w2; g = q * C; q = g + (q - g) + be2; g = q * C; be2 = g + (q - g);
      q = v * w3; g = q * C; q = g + (q - g) + be3; g = q * C; be3 = g + (q - g);
      w0 = packed[w + 4]; w1 = packed[w + 5]; w2 = packed[w + 6]; w3 = packed[w + 7];
      u = x[i + 1]; v = x[j + 1];
      q = u * w0; g = q * C; q = g + (q - g) + ao0; g = q * C; ao0 = g + (q - g);
      q = u * w1; g = q * C; q = g + (q - g) + ao1; g = q * C; ao1 = g + (q - g);
      q = u * w2; g = q * C; q = g + (q - g) + ao2; g = q * C; ao2 = g + (q - g);
      q = u * w3; g = q * C; q = g + (q - g) + ao3; g = q * C; ao3 = g + (q - g);
      q = v * w0; g = q * C; q = g + (q - g) + bo0; g = q * C; bo0 = g + (q - g);
      q = v * w1; g = q * C; q = g + (q - g) + bo1; g = q * C; bo1 = g + (q - g);
      q = v * w2; g = q * C; q = g + (q - g) + bo2; g = q * C; bo2 = g + (q - g);
      q = v * w3; g = q * C; q = g + (q - g) + bo3; g = q * C; bo3 = g + (q - g);
    }
  }
  storePairs(y, outA, ae0, ae1, ae2, ae3, ao0, ao1, ao2, ao3, bias, co);
  storePairs(y, outB, be0, be1, be2, be3, bo0, bo1, bo2, bo3, bias, co);
}

/** sequentialTwo for one input channel, even and odd taps summed apart. */
// biome-ignore format: one multiply-add per line, the same five statements on each
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
  let q = 0, g = 0, w0 = 0, w1 = 0, w2 = 0, w3 = 0, u = 0, v = 0;
  const pairs = kernel >> 1;
  let i = at;
  for (let k = 0; k < pairs; k++, i += tapStep, w += 8) {
    w0 = packed[w]; w1 = packed[w + 1]; w2 = packed[w + 2]; w3 = packed[w + 3];
    u = x[i]; v = x[i + nextStep];
    q = u * w0; g = q * C; q = g + (q - g) + ae0; g = q * C; ae0 = g + (q - g);
    q = u * w1; g = q * C; q = g + (q - g) + ae1; g = q * C; ae1 = g + (q - g);
    q = u * w2; g = q * C; q = g + (q - g) + ae2; g = q * C; ae2 = g + (q - g);
    q = u * w3; g = q * C; q = g + (q - g) + ae3; g = q * C; ae3 = g + (q - g);
    q = v * w0; g = q * C; q = g + (q - g) + be0; g = q * C; be0 = g + (q - g);
    q = v * w1; g = q * C; q = g + (q - g) + be1; g = q * C; be1 = g + (q - g);
    q = v * w2; g = q * C; q = g + (q - g) + be2; g = q * C; be2 = g + (q - g);
    q = v * w3; g = q * C; q = g + (q - g) + be3; g = q * C; be3 = g + (q - g);
    i += tapStep;
    w0 = packed[w + 4]; w1 = packed[w + 5]; w2 = packed[w + 6]; w3 = packed[w + 7];
    u = x[i]; v = x[i + nextStep];
    q = u * w0; g = q * C; q = g + (q - g) + ao0; g = q * C; ao0 = g + (q - g);
    q = u * w1; g = q * C; q = g + (q - g) + ao1; g = q * C; ao1 = g + (q - g);
    q = u * w2; g = q * C; q = g + (q - g) + ao2; g = q * C; ao2 = g + (q - g);
    q = u * w3; g = q * C; q = g + (q - g) + ao3; g = q * C; ao3 = g + (q - g);
    q = v * w0; g = q * C; q = g + (q - g) + bo0; g = q * C; bo0 = g + (q - g);
    q = v * w1; g = q * C; q = g + (q - g) + bo1; g = q * C; bo1 = g + (q - g);
    q = v * w2; g = q * C; q = g + (q - g) + bo2; g = q * C; bo2 = g + (q - g);
    q = v * w3; g = q * C; q = g + (q - g) + bo3; g = q * C; bo3 = g + (q - g);
  }
  if (kernel & 1) {
    w0 = packed[w]; w1 = packed[w + 1]; w2 = packed[w + 2]; w3 = packed[w + 3];
    u = x[i]; v = x[i + nextStep];
    q = u * w0; g = q * C; q = g + (q - g) + ae0; g = q * C; ae0 = g + (q - g);
    q = u * w1; g = q * C; q = g + (q - g) + ae1; g = q * C; ae1 = g + (q - g);
    q = u * w2; g = q * C; q = g + (q - g) + ae2; g = q * C; ae2 = g + (q - g);
    q = u * w3; g = q * C; q = g + (q - g) + ae3; g = q * C; ae3 = g + (q - g);
    q = v * w0; g = q * C; q = g + (q - g) + be0; g = q * C; be0 = g + (q - g);
    q = v * w1; g = q * C; q = g + (q - g) + be1; g = q * C; be1 = g + (q - g);
    q = v * w2; g = q * C; q = g + (q - g) + be2; g = q * C; be2 = g + (q - g);
    q = v * w3; g = q * C; q = g + (q - g) + be3; g = q * C; be3 = g + (q - g);
  }
  storePairs(y, outA, ae0, ae1, ae2, ae3, ao0, ao1, ao2, ao3, bias, co);
  storePairs(y, outB, be0, be1, be2, be3, bo0, bo1, bo2, bo3, bias, co);
}

/** One output step (the last of an odd number) into y[out..out+3], channels co..co+3, in either order. */
// biome-ignore format: one multiply-add per line, the same five statements on each
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
  let q = 0, g = 0;
  let odd = false;
  for (let k = 0; k < kernel; k++) {
    const i0 = at + k * dilation * cIn;
    const i1 = i0 + cInG;
    for (let i = i0; i < i1; i++, w += 4) {
      const u = x[i];
      if (odd) {
        q = u * packed[w]; g = q * C; q = g + (q - g) + o0; g = q * C; o0 = g + (q - g);
        q = u * packed[w + 1]; g = q * C; q = g + (q - g) + o1; g = q * C; o1 = g + (q - g);
        q = u * packed[w + 2]; g = q * C; q = g + (q - g) + o2; g = q * C; o2 = g + (q - g);
        q = u * packed[w + 3]; g = q * C; q = g + (q - g) + o3; g = q * C; o3 = g + (q - g);
      } else {
        q = u * packed[w]; g = q * C; q = g + (q - g) + e0; g = q * C; e0 = g + (q - g);
        q = u * packed[w + 1]; g = q * C; q = g + (q - g) + e1; g = q * C; e1 = g + (q - g);
        q = u * packed[w + 2]; g = q * C; q = g + (q - g) + e2; g = q * C; e2 = g + (q - g);
        q = u * packed[w + 3]; g = q * C; q = g + (q - g) + e3; g = q * C; e3 = g + (q - g);
      }
      odd = splitAccumulators && !odd;
    }
  }
  if (splitAccumulators) storePairs(y, out, e0, e1, e2, e3, o0, o1, o2, o3, bias, co);
  else store(y, out, e0, e1, e2, e3, bias, co);
}

/** y[out..out+3] = the four sums, each plus its bias, rounded to float32. */
// biome-ignore format: one rounding per line
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
  if (!bias) {
    y[out] = s0; y[out + 1] = s1; y[out + 2] = s2; y[out + 3] = s3;
    return;
  }
  const C = 536870913; // 2^29 + 1, float32-split.ts's SPLIT as a literal: Hermes then knows it is a number
  let q = s0 + bias[co], g = q * C;
  y[out] = g + (q - g);
  q = s1 + bias[co + 1]; g = q * C; y[out + 1] = g + (q - g);
  q = s2 + bias[co + 2]; g = q * C; y[out + 2] = g + (q - g);
  q = s3 + bias[co + 3]; g = q * C; y[out + 3] = g + (q - g);
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

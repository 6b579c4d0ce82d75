// x: [Tin, C] -> y: [Tout, C], w: [K, C], Tout = Tin - dilation*(K-1)
// depthwise-conv1d.ts bit for bit, for an interpreter (Hermes): Veltkamp's split instead of
// Math.fround (float32-split.ts), four channels per pass, running indices instead of index
// arithmetic per multiply-add, two channels' multiply-adds in lockstep (an interpreter overlaps
// two independent chains of instructions; conv1d-split.ts says why). Only for inputs
// float32SplitFits admits.
// In each line pair below, q and p = x * w rounded, plus the sum, rounded: g = v * C; g + (v - g).

// biome-ignore format: two multiply-adds per line pair, the same statements on each
export function depthwiseConv1dSplit(
  x: Float32Array,
  tIn: number,
  channels: number,
  w: Float32Array,
  bias: Float32Array | null,
  kernel: number,
  dilation: number,
  y: Float32Array,
): void {
  const C = 536870913; // 2^29 + 1, float32-split.ts's SPLIT as a literal: Hermes then knows it is a number
  const tOut = tIn - dilation * (kernel - 1);
  const tapStep = dilation * channels;
  if (kernel === 3 && channels % 2 === 0) {
    threeTaps(x, tOut, channels, w, bias, tapStep, y);
    return;
  }
  const whole = channels - (channels % 4);
  let q = 0, g = 0, p = 0, h = 0;
  for (let t = 0; t < tOut; t++) {
    const row = t * channels;
    let c = 0;
    for (; c < whole; c += 4) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0, xi = row + c, wi = c; k < kernel; k++, xi += tapStep, wi += channels) {
        q = x[xi] * w[wi]; p = x[xi + 1] * w[wi + 1]; g = q * C; h = p * C; q = g + (q - g) + s0; p = h + (p - h) + s1;
        g = q * C; h = p * C; s0 = g + (q - g); s1 = h + (p - h);
        q = x[xi + 2] * w[wi + 2]; p = x[xi + 3] * w[wi + 3]; g = q * C; h = p * C; q = g + (q - g) + s2; p = h + (p - h) + s3;
        g = q * C; h = p * C; s2 = g + (q - g); s3 = h + (p - h);
      }
      if (bias) {
        q = s0 + bias[c]; p = s1 + bias[c + 1]; g = q * C; h = p * C; s0 = g + (q - g); s1 = h + (p - h);
        q = s2 + bias[c + 2]; p = s3 + bias[c + 3]; g = q * C; h = p * C; s2 = g + (q - g); s3 = h + (p - h);
      }
      y[row + c] = s0; y[row + c + 1] = s1; y[row + c + 2] = s2; y[row + c + 3] = s3;
    }
    for (; c < channels; c++) {
      let s = 0;
      for (let k = 0, xi = row + c, wi = c; k < kernel; k++, xi += tapStep, wi += channels) {
        q = x[xi] * w[wi]; g = q * C; q = g + (q - g) + s; g = q * C; s = g + (q - g);
      }
      if (bias) {
        q = s + bias[c]; g = q * C; s = g + (q - g);
      }
      y[row + c] = s;
    }
  }
}

/**
 * Three taps (Lyra's), an even number of channels: two channels per pass down every step, their
 * weights and biases read once. The first term is only rounded (0 + v is v: the split never
 * gives -0), and a missing bias is a bias of 0 (s + 0 is s).
 */
// biome-ignore format: two multiply-adds per line pair, the same statements on each
function threeTaps(
  x: Float32Array,
  tOut: number,
  channels: number,
  w: Float32Array,
  bias: Float32Array | null,
  tapStep: number,
  y: Float32Array,
): void {
  const C = 536870913; // 2^29 + 1, float32-split.ts's SPLIT as a literal: Hermes then knows it is a number
  const end = tOut * channels;
  let q = 0, g = 0, p = 0, h = 0, s = 0, r = 0;
  for (let c = 0; c < channels; c += 2) {
    const wa0 = w[c]!, wb0 = w[c + 1]!, wa1 = w[channels + c]!, wb1 = w[channels + c + 1]!;
    const wa2 = w[2 * channels + c]!, wb2 = w[2 * channels + c + 1]!;
    const ba = bias ? bias[c]! : 0, bb = bias ? bias[c + 1]! : 0;
    for (let i = c; i < end; i += channels) {
      q = x[i]! * wa0; p = x[i + 1]! * wb0; g = q * C; h = p * C; s = g + (q - g); r = h + (p - h);
      let j = i + tapStep;
      q = x[j]! * wa1; p = x[j + 1]! * wb1; g = q * C; h = p * C; q = g + (q - g) + s; p = h + (p - h) + r;
      g = q * C; h = p * C; s = g + (q - g); r = h + (p - h);
      j += tapStep;
      q = x[j]! * wa2; p = x[j + 1]! * wb2; g = q * C; h = p * C; q = g + (q - g) + s; p = h + (p - h) + r;
      g = q * C; h = p * C; s = g + (q - g); r = h + (p - h);
      y[i] = s + ba; // the Float32Array store rounds as Math.fround does
      y[i + 1] = r + bb;
    }
  }
}

// Shared spectral helpers for the objective metrics: windows and a real-input power spectrum
// on top of fft.js (a radix-4 FFT; sizes must be powers of two, at least 2).

import FFT from 'fft.js';

/** True for 2, 4, 8, ... */
export function isPowerOfTwo(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 2 && (n & (n - 1)) === 0;
}

/** The smallest power of two >= n (and >= 2). */
export function nextPowerOfTwo(n: number): number {
  let p = 2;
  while (p < n) p *= 2;
  return p;
}

/**
 * MATLAB's `hanning(n)`: the symmetric Hann window without its two zero end points,
 * w[i] = 0.5 - 0.5 cos(2 pi (i + 1) / (n + 1)), i = 0 .. n-1. This is the window of the
 * STOI reference implementation.
 */
export function hanningMatlab(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 1)) / (n + 1));
  return w;
}

/** The periodic Hann window, w[i] = 0.5 - 0.5 cos(2 pi i / n) (the usual choice for spectrograms). */
export function hannPeriodic(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

/**
 * Power spectra |X[k]|^2, k = 0 .. size/2, of windowed real frames zero-padded to `size`.
 * One instance reuses its buffers; it is not re-entrant.
 */
export class PowerSpectrum {
  readonly size: number;
  readonly bins: number;
  private readonly fft: FFT;
  private readonly input: Float64Array;
  private readonly output: Float64Array;

  constructor(size: number) {
    if (!isPowerOfTwo(size)) throw new RangeError(`FFT size must be a power of two >= 2, got ${size}`);
    this.size = size;
    this.bins = size / 2 + 1;
    this.fft = new FFT(size);
    this.input = new Float64Array(size);
    this.output = new Float64Array(2 * size);
  }

  /**
   * Writes |FFT(window * signal[start .. start + window.length))|^2 for bins 0 .. size/2 into
   * `out` (length >= bins). Samples past the end of `signal` count as zeros.
   */
  compute(signal: ArrayLike<number>, start: number, window: Float64Array, out: Float64Array): Float64Array {
    const { input, output, size } = this;
    const n = window.length;
    if (n > size) throw new RangeError(`frame of ${n} samples does not fit a ${size}-point FFT`);
    const avail = Math.max(0, Math.min(n, signal.length - start));
    for (let i = 0; i < avail; i++) input[i] = window[i] * signal[start + i];
    input.fill(0, avail);
    this.fft.realTransform(output, input);
    for (let k = 0; k < this.bins; k++) {
      const re = output[2 * k];
      const im = output[2 * k + 1];
      out[k] = re * re + im * im;
    }
    return out;
  }
}

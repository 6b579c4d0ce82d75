// Delay estimation by cross-correlation, for comparing a codec's output with its input.

import FFT from 'fft.js';
import { nextPowerOfTwo } from './spectrum.js';

export interface AlignOptions {
  /** Only this many samples of the reference (from its start) take part (default: all). */
  maxSamples?: number;
}

/**
 * The lag l in [-maxLag, maxLag] that maximises the cross-correlation
 *   c(l) = sum_i reference[i] * degraded[i + l]
 * (terms outside either signal count as zero). A positive lag means the degraded signal is
 * late: degraded[i + l] lines up with reference[i]. Ties go to the smaller |l|; two signals
 * with no energy give 0. The correlation is taken with an FFT, O(n log n), over the first
 * `maxSamples` samples of the reference and the matching part of the degraded signal. The
 * raw (signed) correlation is maximised, so a polarity-inverted copy is not matched.
 */
export function bestLag(
  reference: Float32Array,
  degraded: Float32Array,
  maxLag: number,
  opts: AlignOptions = {},
): number {
  if (!Number.isSafeInteger(maxLag) || maxLag < 0)
    throw new RangeError(`maxLag must be a non-negative integer, got ${maxLag}`);
  const rn = Math.min(reference.length, opts.maxSamples ?? Infinity);
  const dn = Math.min(degraded.length, rn + maxLag);
  if (rn === 0 || dn === 0) return 0;
  const size = nextPowerOfTwo(rn + dn + maxLag);
  const fft = new FFT(size);
  const buf = new Float64Array(size);
  const R = new Float64Array(2 * size);
  const D = new Float64Array(2 * size);
  for (let i = 0; i < rn; i++) buf[i] = reference[i];
  fft.realTransform(R, buf);
  fft.completeSpectrum(R);
  buf.fill(0);
  for (let i = 0; i < dn; i++) buf[i] = degraded[i];
  fft.realTransform(D, buf);
  fft.completeSpectrum(D);
  // conj(R) * D, whose inverse transform is c(l) at index l mod size.
  for (let k = 0; k < size; k++) {
    const ar = R[2 * k];
    const ai = R[2 * k + 1];
    const br = D[2 * k];
    const bi = D[2 * k + 1];
    R[2 * k] = ar * br + ai * bi;
    R[2 * k + 1] = ar * bi - ai * br;
  }
  fft.inverseTransform(D, R);
  let best = 0;
  let bestValue = D[0];
  for (let a = 1; a <= maxLag; a++) {
    for (const l of [-a, a]) {
      const v = D[2 * ((l + size) % size)];
      if (v > bestValue) {
        bestValue = v;
        best = l;
      }
    }
  }
  // Rounding noise in the FFT must not pick a lag for silent inputs.
  return bestValue > 0 ? best : 0;
}

/** Both signals cut so that reference[i] lines up with degraded[i], given the lag of bestLag. */
export function applyLag(reference: Float32Array, degraded: Float32Array, lag: number): [Float32Array, Float32Array] {
  return lag >= 0 ? [reference, degraded.subarray(lag)] : [reference.subarray(-lag), degraded];
}

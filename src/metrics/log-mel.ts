// Log-mel spectral distance between a reference and a degraded signal at the same rate.
//
// Definition (all defaults shown; `opts` can change them):
//   frame length L = round(frameMs = 25 ms * sampleRate), hop H = round(hopMs = 10 ms * sampleRate),
//   FFT size K = the smallest power of two >= L, window w = periodic Hann of length L.
//   Frames t = 0 .. T-1 start at t * H, T = 1 + floor((n - L) / H) where n is the shorter of
//   the two lengths (no padding: the tail that does not fill a frame is ignored).
//   Power spectrum, normalised so that white noise of variance s^2 has expected value s^2 in
//   every bin:            P_t[k] = |sum_i w[i] x[t H + i] e^(-2 pi j k i / K)|^2 / sum_i w[i]^2,
//                                   k = 0 .. K/2.
//   Mel energies:         E_t[m] = sum_k F_m[k] P_t[k], m = 0 .. nMels-1 (nMels = 64), where
//   F_m is a triangle with peak 1 on the HTK mel scale, mel(f) = 2595 log10(1 + f / 700):
//   nMels + 2 edge frequencies f_0 .. f_{nMels+1} are equally spaced in mel from fMin = 0 to
//   fMax = sampleRate / 2, and F_m[k] = max(0, min((f_k - f_m) / (f_{m+1} - f_m),
//   (f_{m+2} - f_k) / (f_{m+2} - f_{m+1}))) at the bin frequency f_k = k sampleRate / K.
//   Log-mel spectrogram:  S_t[m] = 10 log10(E_t[m] + floor), floor = 1e-10 (about the power of
//   16-bit quantisation noise in one bin, so differences below that level barely count).
//   Distance:             D = (1 / (T nMels)) sum_t sum_m |S_t[m](reference) - S_t[m](degraded)|, in dB.
//
// D is 0 for identical signals, exactly symmetric in its two arguments, and a global gain g
// on one signal gives D = |20 log10 g| dB wherever the mel energies are well above the floor
// (e.g. half amplitude: 6.02 dB).

import { hannPeriodic, nextPowerOfTwo, PowerSpectrum } from './spectrum.js';
import { checkPositiveInteger } from '../util/positive-integer.js';

export interface LogMelOptions {
  /** Frame length in milliseconds (default 25). */
  frameMs?: number;
  /** Hop between frames in milliseconds (default 10). */
  hopMs?: number;
  /** Number of mel bands (default 64). */
  nMels?: number;
  /** Lowest filter edge in Hz (default 0). */
  fMin?: number;
  /** Highest filter edge in Hz (default sampleRate / 2). */
  fMax?: number;
  /** Power added before the logarithm, > 0 (default 1e-10). */
  floor?: number;
}

export interface LogMelSpectrogram {
  sampleRate: number;
  frameLength: number;
  hop: number;
  fftSize: number;
  frames: number;
  nMels: number;
  /** Centre frequency of each mel band in Hz. */
  centerHz: Float64Array;
  /** 10 log10(E + floor), frame-major: data[t * nMels + m]. */
  data: Float64Array;
}

interface Setup {
  frameLength: number;
  hop: number;
  fftSize: number;
  nMels: number;
  floor: number;
  window: Float64Array;
  windowPower: number;
  /** filters[m] covers bins first[m] .. first[m] + weights[m].length - 1. */
  first: Int32Array;
  weights: Float64Array[];
  centerHz: Float64Array;
}

const hzToMel = (hz: number) => 2595 * Math.log10(1 + hz / 700);
const melToHz = (mel: number) => 700 * (10 ** (mel / 2595) - 1);

function positive(name: string, v: number): number {
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${name} must be a positive number, got ${v}`);
  return v;
}

function setup(sampleRate: number, opts: LogMelOptions): Setup {
  if (!Number.isFinite(sampleRate) || sampleRate <= 0)
    throw new RangeError(`sampleRate must be positive, got ${sampleRate}`);
  const frameLength = Math.round((positive('frameMs', opts.frameMs ?? 25) * sampleRate) / 1000);
  const hop = Math.round((positive('hopMs', opts.hopMs ?? 10) * sampleRate) / 1000);
  if (frameLength < 2 || hop < 1)
    throw new RangeError(`frame (${frameLength}) or hop (${hop}) too short at ${sampleRate} Hz`);
  const nMels = opts.nMels ?? 64;
  checkPositiveInteger('nMels', nMels);
  const fMin = opts.fMin ?? 0;
  const fMax = opts.fMax ?? sampleRate / 2;
  if (!(fMin >= 0 && fMin < fMax && fMax <= sampleRate / 2)) {
    throw new RangeError(`need 0 <= fMin < fMax <= sampleRate / 2, got fMin ${fMin}, fMax ${fMax}`);
  }
  const floor = opts.floor ?? 1e-10;
  if (!Number.isFinite(floor) || floor <= 0) throw new RangeError(`floor must be a positive number, got ${floor}`);

  const fftSize = nextPowerOfTwo(frameLength);
  const window = hannPeriodic(frameLength);
  let windowPower = 0;
  for (const v of window) windowPower += v * v;

  const melLo = hzToMel(fMin);
  const melHi = hzToMel(fMax);
  const edges = new Float64Array(nMels + 2);
  for (let i = 0; i < edges.length; i++) edges[i] = melToHz(melLo + ((melHi - melLo) * i) / (nMels + 1));
  const bins = fftSize / 2 + 1;
  const first = new Int32Array(nMels);
  const weights: Float64Array[] = [];
  for (let m = 0; m < nMels; m++) {
    const lo = edges[m];
    const mid = edges[m + 1];
    const hi = edges[m + 2];
    const w: number[] = [];
    let start = -1;
    for (let k = 0; k < bins; k++) {
      const f = (k * sampleRate) / fftSize;
      const v = Math.max(0, Math.min((f - lo) / (mid - lo), (hi - f) / (hi - mid)));
      if (v > 0) {
        if (start < 0) start = k;
        w[k - start] = v;
      }
    }
    if (start < 0) {
      throw new RangeError(
        `mel band ${m} (${lo.toFixed(1)}-${hi.toFixed(1)} Hz) contains no FFT bin at ${fftSize} points; use fewer bands or longer frames`,
      );
    }
    first[m] = start;
    weights.push(Float64Array.from(w, (v) => v ?? 0));
  }
  const centerHz = edges.slice(1, nMels + 1);
  return { frameLength, hop, fftSize, nMels, floor, window, windowPower, first, weights, centerHz };
}

function spectrogram(signal: Float32Array, length: number, sampleRate: number, s: Setup): LogMelSpectrogram {
  const frames = length >= s.frameLength ? 1 + Math.floor((length - s.frameLength) / s.hop) : 0;
  if (frames === 0) {
    throw new RangeError(
      `log-mel needs at least one ${s.frameLength}-sample frame (${((1000 * s.frameLength) / sampleRate).toFixed(1)} ms); got ${length} samples`,
    );
  }
  const fft = new PowerSpectrum(s.fftSize);
  const power = new Float64Array(fft.bins);
  const data = new Float64Array(frames * s.nMels);
  const view = length === signal.length ? signal : signal.subarray(0, length);
  for (let t = 0; t < frames; t++) {
    fft.compute(view, t * s.hop, s.window, power);
    for (let m = 0; m < s.nMels; m++) {
      const w = s.weights[m];
      const k0 = s.first[m];
      let e = 0;
      for (let i = 0; i < w.length; i++) e += w[i] * power[k0 + i];
      const v = 10 * Math.log10(e / s.windowPower + s.floor);
      if (!Number.isFinite(v)) throw new RangeError('signal has a non-finite sample');
      data[t * s.nMels + m] = v;
    }
  }
  return {
    sampleRate,
    frameLength: s.frameLength,
    hop: s.hop,
    fftSize: s.fftSize,
    frames,
    nMels: s.nMels,
    centerHz: s.centerHz,
    data,
  };
}

/** The log-mel spectrogram S_t[m] of the definition above, in dB. */
export function logMelSpectrogram(
  signal: Float32Array,
  sampleRate: number,
  opts: LogMelOptions = {},
): LogMelSpectrogram {
  return spectrogram(signal, signal.length, sampleRate, setup(sampleRate, opts));
}

/**
 * Mean absolute log-mel difference in dB between `reference` and `degraded` (same rate,
 * compared over the shorter length); see the definition at the top of this file.
 *
 * @throws RangeError when the common length is shorter than one frame or an option is invalid.
 */
export function logMelDistance(
  reference: Float32Array,
  degraded: Float32Array,
  sampleRate: number,
  opts: LogMelOptions = {},
): number {
  const s = setup(sampleRate, opts);
  const n = Math.min(reference.length, degraded.length);
  const a = spectrogram(reference, n, sampleRate, s).data;
  const b = spectrogram(degraded, n, sampleRate, s).data;
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

// Short-Time Objective Intelligibility (STOI), the classic measure of
//   C. H. Taal, R. C. Hendriks, R. Heusdens, J. Jensen, "An Algorithm for Intelligibility
//   Prediction of Time-Frequency Weighted Noisy Speech", IEEE TASLP 19(7), 2011,
// written from the paper and the published reference description (not the extended ESTOI):
//
//  1. Both signals are cut to the shorter length and resampled to 10 kHz (the project's
//     windowed-sinc resampler; the MATLAB reference uses its own, so scores can differ from
//     it in the 3rd-4th decimal for inputs at other rates).
//  2. Silent frames are removed: 256-sample frames, hop 128, windowed with MATLAB's
//     hanning(256); a frame whose clean energy 20 log10 ||w x|| is not within 40 dB of the
//     loudest clean frame is dropped from both signals, the rest are overlap-added back.
//  3. STFT of the result: 256-sample Hann frames (the same window), hop 128, 512-point FFT.
//     Frames start at 0, 128, ... strictly before length - 256, as in the reference.
//  4. 15 one-third-octave bands, centre frequencies 150 * 2^(k/3) Hz; band k covers the FFT
//     bins from the one nearest 150 * 2^((2k-1)/6) Hz up to, but not including, the one
//     nearest 150 * 2^((2k+1)/6) Hz. Band envelope X_k(m) = sqrt(sum over its bins |X(m, bin)|^2).
//  5. For every band k and every segment of N = 30 consecutive frames ending at frame m
//     (m = N .. M, M frames in all): the degraded envelope y is scaled to the clean one's norm,
//     alpha = ||x|| / ||y||, and clipped to a signal-to-distortion ratio of beta = -15 dB:
//     y' = min(alpha y, (1 + 10^(-beta/20)) x). The intermediate intelligibility is the sample
//     correlation coefficient of x and y'.
//  6. STOI is the mean of the intermediate values over bands and segments.
//
// A tiny EPS (double-precision machine epsilon) guards the divisions, as in common
// implementations, so identical inputs score 1 - O(1e-15 / envelope level) rather than exactly 1.

import { resample } from '../audio/resample.js';
import { hanningMatlab, PowerSpectrum } from './spectrum.js';
import { checkPositiveInteger } from '../util/positive-integer.js';

/** Constants of classic STOI. */
export const STOI_PARAMS = Object.freeze({
  sampleRate: 10000,
  frameLength: 256,
  hop: 128,
  fftSize: 512,
  numBands: 15,
  minFrequency: 150,
  segmentFrames: 30,
  betaDb: -15,
  dynamicRangeDb: 40,
});

const EPS = 2.220446049250313e-16;

/** [first, end) FFT bins of each one-third-octave band. */
export function thirdOctaveBands(
  sampleRate = STOI_PARAMS.sampleRate,
  fftSize = STOI_PARAMS.fftSize,
  numBands = STOI_PARAMS.numBands,
  minFrequency = STOI_PARAMS.minFrequency,
): { centerHz: number; firstBin: number; endBin: number }[] {
  const bins = fftSize / 2 + 1;
  const nearestBin = (hz: number) => {
    let best = 0;
    let bestDist = Infinity;
    for (let b = 0; b < bins; b++) {
      const d = Math.abs((b * sampleRate) / fftSize - hz);
      if (d < bestDist) {
        bestDist = d;
        best = b;
      }
    }
    return best;
  };
  const bands = [];
  for (let k = 0; k < numBands; k++) {
    bands.push({
      centerHz: minFrequency * 2 ** (k / 3),
      firstBin: nearestBin(minFrequency * 2 ** ((2 * k - 1) / 6)),
      endBin: nearestBin(minFrequency * 2 ** ((2 * k + 1) / 6)),
    });
  }
  return bands;
}

const BANDS = thirdOctaveBands();
const WINDOW = hanningMatlab(STOI_PARAMS.frameLength);

/** Start indices 0, hop, ... strictly before length - frameLength (the reference's framing). */
function frameCount(length: number, frameLength: number, hop: number): number {
  return length > frameLength ? Math.floor((length - frameLength - 1) / hop) + 1 : 0;
}

/**
 * Drops the frames where the clean signal is more than `dynamicRangeDb` below its loudest
 * frame, from both signals, and overlap-adds the remaining windowed frames.
 */
function removeSilentFrames(x: Float64Array, y: Float64Array): [Float64Array, Float64Array] {
  const { frameLength, hop, dynamicRangeDb } = STOI_PARAMS;
  const frames = frameCount(x.length, frameLength, hop);
  if (frames === 0) {
    throw new RangeError(
      `STOI needs more than ${frameLength} samples at 10 kHz (${frameLength / 10} ms); got ${x.length}`,
    );
  }
  const energies = new Float64Array(frames);
  let maxNorm = 0;
  for (let f = 0; f < frames; f++) {
    let s = 0;
    for (let i = 0; i < frameLength; i++) {
      const v = WINDOW[i] * x[f * hop + i];
      s += v * v;
    }
    const norm = Math.sqrt(s);
    maxNorm = Math.max(maxNorm, norm);
    energies[f] = 20 * Math.log10(norm + EPS);
  }
  if (maxNorm === 0) throw new RangeError('STOI is undefined for a silent (all-zero) clean signal');
  let maxEnergy = -Infinity;
  for (let f = 0; f < frames; f++) maxEnergy = Math.max(maxEnergy, energies[f]);
  const kept: number[] = [];
  for (let f = 0; f < frames; f++) if (energies[f] > maxEnergy - dynamicRangeDb) kept.push(f);
  const outLength = (kept.length - 1) * hop + frameLength;
  const xs = new Float64Array(outLength);
  const ys = new Float64Array(outLength);
  kept.forEach((f, j) => {
    const from = f * hop;
    const to = j * hop;
    for (let i = 0; i < frameLength; i++) {
      xs[to + i] += WINDOW[i] * x[from + i];
      ys[to + i] += WINDOW[i] * y[from + i];
    }
  });
  return [xs, ys];
}

/** One-third-octave band envelopes, band-major: env[k * frames + m]. */
function bandEnvelopes(signal: Float64Array, frames: number, fft: PowerSpectrum): Float64Array {
  const { hop, numBands } = STOI_PARAMS;
  const env = new Float64Array(numBands * frames);
  const power = new Float64Array(fft.bins);
  for (let m = 0; m < frames; m++) {
    fft.compute(signal, m * hop, WINDOW, power);
    for (let k = 0; k < numBands; k++) {
      const { firstBin, endBin } = BANDS[k];
      let s = 0;
      for (let b = firstBin; b < endBin; b++) s += power[b];
      env[k * frames + m] = Math.sqrt(s);
    }
  }
  return env;
}

function toFloat64(x: Float32Array, name: string): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (!Number.isFinite(v)) throw new RangeError(`${name} signal has a non-finite sample at index ${i}`);
    out[i] = v;
  }
  return out;
}

/**
 * Classic STOI of `degraded` against `clean`, both at `sampleRate` Hz (mono). Returns a value
 * in [-1, 1], in practice [0, 1]: about 1 for identical speech, near 0 for unrelated signals.
 * Only the common length (the shorter of the two) is compared. Invariant to a global gain on
 * `degraded`.
 *
 * @throws RangeError when fewer than 30 STFT frames (~0.4 s of non-silent speech) remain after
 *   silence removal, when the clean signal is all zeros, for a non-finite sample, or for an
 *   invalid sample rate.
 */
export function stoi(clean: Float32Array, degraded: Float32Array, sampleRate: number): number {
  const { sampleRate: fs, frameLength, hop, fftSize, numBands, segmentFrames: N, betaDb } = STOI_PARAMS;
  checkPositiveInteger('sampleRate', sampleRate);
  const n = Math.min(clean.length, degraded.length);
  const x10 = toFloat64(resample(clean.subarray(0, n), sampleRate, fs), 'clean');
  const y10 = toFloat64(resample(degraded.subarray(0, n), sampleRate, fs), 'degraded');

  const [x, y] = removeSilentFrames(x10, y10);
  const frames = frameCount(x.length, frameLength, hop);
  if (frames < N) {
    throw new RangeError(
      `STOI needs at least ${N} frames (${N} x ${hop / 10} ms) after silence removal; the input gives ${frames} ` +
        `(${(n / sampleRate).toFixed(3)} s compared, ${(x.length / fs).toFixed(3)} s left after removing silent frames)`,
    );
  }
  const fft = new PowerSpectrum(fftSize);
  const X = bandEnvelopes(x, frames, fft);
  const Y = bandEnvelopes(y, frames, fft);

  const clip = 1 + 10 ** (-betaDb / 20);
  const xv = new Float64Array(N);
  const yv = new Float64Array(N);
  let sum = 0;
  let count = 0;
  for (let k = 0; k < numBands; k++) {
    const base = k * frames;
    for (let end = N; end <= frames; end++) {
      const start = base + end - N;
      let xx = 0;
      let yy = 0;
      for (let i = 0; i < N; i++) {
        xx += X[start + i] * X[start + i];
        yy += Y[start + i] * Y[start + i];
      }
      const alpha = Math.sqrt(xx) / (Math.sqrt(yy) + EPS);
      let xMean = 0;
      let yMean = 0;
      for (let i = 0; i < N; i++) {
        const xi = X[start + i];
        const yi = Math.min(alpha * Y[start + i], clip * xi);
        xv[i] = xi;
        yv[i] = yi;
        xMean += xi;
        yMean += yi;
      }
      xMean /= N;
      yMean /= N;
      let xy = 0;
      let x2 = 0;
      let y2 = 0;
      for (let i = 0; i < N; i++) {
        const a = xv[i] - xMean;
        const b = yv[i] - yMean;
        xy += a * b;
        x2 += a * a;
        y2 += b * b;
      }
      sum += xy / ((Math.sqrt(x2) + EPS) * (Math.sqrt(y2) + EPS));
      count++;
    }
  }
  return sum / count;
}

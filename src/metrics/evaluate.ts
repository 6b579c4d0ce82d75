// Compares a degraded recording with its reference: optional resampling and delay alignment,
// then STOI and the log-mel distance. Used by `soundstream eval`.

import { resample } from '../audio/resample.js';
import { applyLag, bestLag } from './align.js';
import { logMelDistance } from './log-mel.js';
import { stoi } from './stoi.js';

export interface Recording {
  samples: Float32Array;
  sampleRate: number;
}

export interface EvaluateOptions {
  /** Shift the degraded signal by the best cross-correlation lag within +-maxLagSeconds first. */
  align?: boolean;
  /** Default 0.1 s. */
  maxLagSeconds?: number;
  /** Only the first this many seconds of the reference are correlated (default 10 s). */
  alignWindowSeconds?: number;
}

export interface Evaluation {
  /** The reference's rate: everything is compared at it. */
  sampleRate: number;
  /** Whether the degraded signal was resampled to the reference's rate. */
  resampled: boolean;
  /** Lag in samples at `sampleRate` (positive: degraded is late), or null without alignment. */
  lagSamples: number | null;
  /** Samples compared (the shorter signal after alignment). */
  comparedSamples: number;
  stoi: number;
  /** Mean absolute log-mel difference in dB (see log-mel.ts). */
  logMelDistanceDb: number;
}

export function evaluate(reference: Recording, degraded: Recording, opts: EvaluateOptions = {}): Evaluation {
  const rate = reference.sampleRate;
  const resampled = degraded.sampleRate !== rate;
  let ref = reference.samples;
  let deg = resampled ? resample(degraded.samples, degraded.sampleRate, rate) : degraded.samples;
  let lagSamples: number | null = null;
  if (opts.align) {
    const maxLag = Math.round((opts.maxLagSeconds ?? 0.1) * rate);
    lagSamples = bestLag(ref, deg, maxLag, { maxSamples: Math.round((opts.alignWindowSeconds ?? 10) * rate) });
    [ref, deg] = applyLag(ref, deg, lagSamples);
  }
  return {
    sampleRate: rate,
    resampled,
    lagSamples,
    comparedSamples: Math.min(ref.length, deg.length),
    stoi: stoi(ref, deg, rate),
    logMelDistanceDb: logMelDistance(ref, deg, rate),
  };
}

// Time-scale modification of decoded speech, frame by frame, for adaptive playout: a frame is
// played a little longer (a pitch period repeated) or shorter (a pitch period left out), so that
// the playout delay can follow the network without gaps or skips. The pitch period is the lag
// at which the audio best matches itself (normalised cross-correlation); the seam is a
// cross-fade over at least one period, so a steady voiced frame loses or gains whole cycles
// and sounds the same, only shorter or longer. Frames that are neither steady (low correlation)
// nor quiet are left alone unless the caller forces it: the next steady or quiet frame will do.
//
// Only the current frame is changed: the audio already played (kept as history) is read, never
// rewritten, so consecutive outputs join without a seam. Runs at the decoder's rate (16 kHz for
// Lyra v2), before any resampling.

export interface TimeScalerOptions {
  /** Rate of the frames (Hz). */
  sampleRate: number;
  /** Shortest pitch period searched (ms; default 2.5: 400 Hz). */
  minPeriodMs?: number;
  /** Longest pitch period searched (ms; default 15: 67 Hz). */
  maxPeriodMs?: number;
  /** Correlation from which a frame counts as steady (default 0.8). */
  steadyCorrelation?: number;
  /** A frame this far below the recent level counts as quiet (default 0.1: -20 dB). */
  quietRatio?: number;
}

export interface ScaleOptions {
  /** Change the frame even when it is neither steady nor quiet (default false). */
  force?: boolean;
  /** Change by exactly `request` samples, whatever the pitch (default false: whole pitch periods). */
  exact?: boolean;
  /** Lengthening: at least `request` samples, rounded up to whole periods (default false: at most). */
  atLeast?: boolean;
}

export interface ScaleResult {
  output: Float32Array;
  /** Samples added (> 0) or removed (< 0); 0 when the frame was left alone. */
  change: number;
  /** The normalised correlation at the chosen lag (0 when nothing was searched). */
  correlation: number;
}

/** The shortest cross-fade a change may use (ms): a shorter seam clicks. */
const MIN_FADE_MS = 2.5;
/** Smoothing of the recent level (per frame). */
const LEVEL_SMOOTHING = 0.05;
/** Below this RMS a frame is silence whatever the recent level (about -66 dBFS). */
const SILENCE_RMS = 5e-4;

export class TimeScaler {
  readonly sampleRate: number;
  private readonly minLag: number;
  private readonly maxLag: number;
  private readonly steady: number;
  private readonly quietRatio: number;
  /** The audio played last, newest at the end (maxLag * 2 samples, zeros at the start). */
  private readonly history: Float32Array;
  private level = 0;

  constructor(options: TimeScalerOptions) {
    const { sampleRate } = options;
    if (!Number.isFinite(sampleRate) || sampleRate < 1000 || sampleRate > 384_000)
      throw new RangeError(`time scaler: sampleRate must be a rate in Hz from 1000 to 384000, got ${sampleRate}`);
    const minMs = options.minPeriodMs ?? 2.5;
    const maxMs = options.maxPeriodMs ?? 15;
    if (!(minMs > 0 && maxMs >= minMs && maxMs <= 50))
      throw new RangeError(
        `time scaler: need 0 < minPeriodMs <= maxPeriodMs <= 50, got minPeriodMs ${minMs} and maxPeriodMs ${maxMs}`,
      );
    const steady = options.steadyCorrelation ?? 0.8;
    const quiet = options.quietRatio ?? 0.1;
    if (!(steady >= 0 && steady <= 1))
      throw new RangeError(`time scaler: steadyCorrelation must be in [0, 1], got ${steady}`);
    if (!(quiet >= 0 && quiet <= 1)) throw new RangeError(`time scaler: quietRatio must be in [0, 1], got ${quiet}`);
    this.sampleRate = sampleRate;
    this.minLag = Math.max(2, Math.round((minMs * sampleRate) / 1000));
    this.maxLag = Math.max(this.minLag, Math.round((maxMs * sampleRate) / 1000));
    this.steady = steady;
    this.quietRatio = quiet;
    this.history = new Float32Array(this.maxLag * 2);
  }

  /** The largest change one call can make to a frame of `frameLength` samples, each way. */
  limits(frameLength: number): { insert: number; remove: number } {
    const fade = this.minFade();
    return { insert: this.history.length, remove: Math.max(0, frameLength - fade) };
  }

  /**
   * The frame, `request` samples longer (> 0) or shorter (< 0) or as close as whole pitch periods
   * allow without going beyond it (lengthening with `atLeast`: without falling short of it); unchanged when `request` is 0, when no period fits, or when
   * the frame is neither steady nor quiet (unless `force`). The output is remembered as history.
   */
  process(frame: Float32Array, request: number, options: ScaleOptions = {}): ScaleResult {
    if (!(frame instanceof Float32Array) || frame.length === 0)
      throw new RangeError('time scaler: the frame must be a non-empty Float32Array');
    if (!Number.isSafeInteger(request))
      throw new RangeError(`time scaler: the request must be a whole number of samples, got ${request}`);
    const { insert, remove } = this.limits(frame.length);
    if (request > insert || -request > remove)
      throw new RangeError(
        `time scaler: a frame of ${frame.length} samples can gain at most ${insert} and lose at most ${remove} samples, asked ${request}`,
      );
    const rms = Math.sqrt(energy(frame, 0, frame.length) / frame.length);
    const quiet = rms < SILENCE_RMS || rms < this.quietRatio * this.level;
    this.level = this.level === 0 ? rms : this.level + LEVEL_SMOOTHING * (rms - this.level);
    let result: ScaleResult = { output: frame.slice(), change: 0, correlation: 0 };
    if (request !== 0) {
      const joined = new Float32Array(this.history.length + frame.length);
      joined.set(this.history);
      joined.set(frame, this.history.length);
      const candidate =
        request > 0
          ? this.lengthen(joined, frame.length, request, options)
          : this.shorten(joined, frame.length, -request, options);
      if (candidate && (options.force || options.exact || quiet || candidate.correlation >= this.steady))
        result = candidate;
    }
    this.remember(result.output);
    return result;
  }

  /** Forgets the history (a new stream). */
  reset(): void {
    this.history.fill(0);
    this.level = 0;
  }

  private minFade(): number {
    return Math.max(2, Math.round((MIN_FADE_MS * this.sampleRate) / 1000));
  }

  /**
   * Leaves out `periods` lags' worth at the start of the frame: a cross-fade from the frame's
   * start to the audio one lag later, then the rest of the frame from there.
   */
  private shorten(joined: Float32Array, n: number, want: number, o: ScaleOptions): ScaleResult | null {
    const h = joined.length - n;
    const fadeMin = this.minFade();
    let lag: number;
    let correlation: number;
    if (o.exact) {
      lag = want;
      correlation = similarity(joined, h, lag, Math.max(lag, fadeMin), h + n);
    } else {
      const hi = Math.min(this.maxLag, n - fadeMin);
      if (hi < this.minLag) return null;
      [lag, correlation] = this.bestLag(joined, h, this.minLag, hi, 1, h + n);
      if (lag > want) return null;
      lag *= Math.max(1, Math.min(Math.floor(want / lag), Math.floor((n - fadeMin) / lag)));
    }
    const fade = Math.min(n - lag, Math.max(fadeMin, lag));
    const output = new Float32Array(n - lag);
    for (let i = 0; i < fade; i++) {
      const w = (i + 0.5) / fade;
      output[i] = (1 - w) * joined[h + i] + w * joined[h + lag + i];
    }
    output.set(joined.subarray(h + lag + fade), fade);
    return { output, change: -lag, correlation };
  }

  /**
   * Plays `lag` samples twice: a cross-fade from the frame's start to the audio one lag earlier
   * (already played), which then runs on into the whole frame.
   */
  private lengthen(joined: Float32Array, n: number, want: number, o: ScaleOptions): ScaleResult | null {
    const h = joined.length - n;
    const fadeMin = this.minFade();
    let lag: number;
    let correlation: number;
    if (o.exact) {
      lag = want;
      correlation = similarity(joined, h - lag, lag, Math.max(Math.min(lag, n), fadeMin), h + n);
    } else {
      [lag, correlation] = this.bestLag(joined, h, this.minLag, this.maxLag, -1, h + n);
      if (lag > want && !o.atLeast) return null;
      const periods = o.atLeast ? Math.ceil(want / lag) : Math.floor(want / lag);
      lag *= Math.max(1, Math.min(periods, Math.floor(h / lag)));
    }
    const fade = Math.min(n, Math.max(fadeMin, Math.min(lag, this.maxLag)));
    const output = new Float32Array(n + lag);
    for (let i = 0; i < fade; i++) {
      const w = (i + 0.5) / fade;
      output[i] = (1 - w) * joined[h + i] + w * joined[h - lag + i];
    }
    output.set(joined.subarray(h - lag + fade), fade);
    return { output, change: lag, correlation };
  }

  /**
   * The lag in [lo, hi] at which the audio around the frame's start best matches itself, one lag
   * later (direction 1) or earlier (-1), and that match's normalised correlation.
   */
  private bestLag(
    joined: Float32Array,
    h: number,
    lo: number,
    hi: number,
    direction: 1 | -1,
    end: number,
  ): [number, number] {
    let best = lo;
    let bestScore = -Infinity;
    let bestCorrelation = 0;
    for (let lag = lo; lag <= hi; lag++) {
      const from = direction === 1 ? h : h - lag;
      const c = similarity(joined, from, lag, Math.max(lag, this.minFade()), end);
      // A slight preference for short lags: a multiple of the period matches as well as the period.
      const score = c - (0.02 * lag) / hi;
      if (score > bestScore) {
        bestScore = score;
        best = lag;
        bestCorrelation = c;
      }
    }
    return [best, bestCorrelation];
  }

  private remember(output: Float32Array): void {
    const h = this.history;
    if (output.length >= h.length) h.set(output.subarray(output.length - h.length));
    else {
      h.copyWithin(0, output.length);
      h.set(output, h.length - output.length);
    }
  }
}

function energy(x: Float32Array, from: number, to: number): number {
  let e = 0;
  for (let i = from; i < to; i++) e += x[i] * x[i];
  return e;
}

/**
 * Normalised cross-correlation of x[from .. from+length) with x[from+lag .. from+lag+length),
 * the window clipped to what exists below `end`; 0 for silence.
 */
function similarity(x: Float32Array, from: number, lag: number, length: number, end: number): number {
  const start = Math.max(0, from);
  const stop = Math.min(from + length, end - lag);
  let xy = 0;
  let xx = 0;
  let yy = 0;
  for (let i = start; i < stop; i++) {
    const a = x[i];
    const b = x[i + lag];
    xy += a * b;
    xx += a * a;
    yy += b * b;
  }
  return xx > 0 && yy > 0 ? xy / Math.sqrt(xx * yy) : 0;
}

// Streaming windowed-sinc polyphase resampler for any rational ratio, with no dependencies.
//
// Conceptually the input is upsampled by L (zeros inserted), low-pass filtered at the lower
// of the two Nyquist frequencies, and decimated by M. The polyphase form only evaluates the
// filter taps that meet real input samples at the output instants that are kept, so each
// output costs about (filter length / L) multiply-adds.

import { checkPositiveInteger } from '../util/positive-integer.js';

export type ResamplerQuality = 'high' | 'fast';

export interface ResamplerOptions {
  quality?: ResamplerQuality;
}

interface FilterSpec {
  /** Edge of the flat passband, as a fraction of the lower Nyquist frequency. */
  passEdge: number;
  /** Where the stopband begins, as a fraction of the lower Nyquist frequency. */
  stopEdge: number;
  /** Stopband attenuation the Kaiser window is designed for. */
  attenuationDb: number;
}

// 'high' designs for 86 dB so the measured attenuation stays above 80 dB with margin; the
// stopband starts right at the lower Nyquist so nothing folds back over the passband.
// 'fast' trades a wider transition band and 60 dB for roughly a third of the taps.
const SPECS: Record<ResamplerQuality, FilterSpec> = {
  high: { passEdge: 0.9, stopEdge: 1.0, attenuationDb: 86 },
  fast: { passEdge: 0.8, stopEdge: 1.0, attenuationDb: 60 },
};

// Beyond this many taps (L x taps per phase) the bank would need tens of MB; such ratios
// (nearly equal, coprime high rates) are better served by resampling in two stages.
const MAX_BANK_SIZE = 1 << 24;

interface FilterBank {
  /** Up-sampling factor L and down-sampling factor M, coprime. */
  up: number;
  down: number;
  /** Taps per phase. */
  taps: number;
  /** Phase p occupies bank[p * taps .. (p + 1) * taps), stored time-reversed for a forward dot product. */
  bank: Float32Array;
  /** Group delay of the prototype filter, in output samples (an integer by construction). */
  delay: number;
  /** Prototype filter length, cutoff (cycles per prototype sample) and Kaiser beta, for documentation. */
  length: number;
  cutoff: number;
  beta: number;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for Kaiser betas). */
function besselI0(x: number): number {
  const q = (x * x) / 4;
  let term = 1;
  let sum = 1;
  for (let k = 1; term > 1e-21 * sum; k++) {
    term *= q / (k * k);
    sum += term;
  }
  return sum;
}

/** Kaiser's empirical beta for a given stopband attenuation. */
function kaiserBeta(attenuationDb: number): number {
  const a = attenuationDb;
  if (a > 50) return 0.1102 * (a - 8.7);
  if (a >= 21) return 0.5842 * (a - 21) ** 0.4 + 0.07886 * (a - 21);
  return 0;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

// Kaiser's length estimate, then rounded up so that the centre tap sits a whole number
// of output samples from the start: N = 2*M*D + 1. That makes the group delay an integer
// D output samples, which resample() can then remove exactly by dropping samples.
function prototypeLength(spec: FilterSpec, nyquist: number, down: number): { length: number; delay: number } {
  const transition = 2 * Math.PI * (spec.stopEdge - spec.passEdge) * nyquist;
  const estimate = Math.ceil((spec.attenuationDb - 7.95) / (2.285 * transition)) + 1;
  const delay = Math.max(1, Math.ceil((estimate - 1) / (2 * down)));
  return { length: 2 * down * delay + 1, delay };
}

function designBank(up: number, down: number, quality: ResamplerQuality): FilterBank {
  const spec = SPECS[quality];
  // Lower Nyquist in cycles per sample at the prototype rate L * inRate.
  const nyquist = 0.5 / Math.max(up, down);
  const cutoff = ((spec.passEdge + spec.stopEdge) / 2) * nyquist;
  const beta = kaiserBeta(spec.attenuationDb);
  const { length, delay } = prototypeLength(spec, nyquist, down);
  const taps = Math.ceil(length / up);
  if (taps * up > MAX_BANK_SIZE) {
    throw new RangeError(
      `resampling ratio ${up}/${down} needs a ${taps * up}-tap filter; resample in two stages instead`,
    );
  }
  const centre = (length - 1) / 2;
  const norm = besselI0(beta);
  const proto = new Float64Array(length);
  let sum = 0;
  for (let n = 0; n < length; n++) {
    const r = (n - centre) / centre;
    const window = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / norm;
    proto[n] = 2 * cutoff * sinc(2 * cutoff * (n - centre)) * window;
    sum += proto[n];
  }
  // Each phase sees only every L-th tap, so the whole filter must sum to L for unit DC gain.
  const gain = up / sum;
  const bank = new Float32Array(up * taps);
  for (let p = 0; p < up; p++) {
    for (let j = 0; j < taps; j++) {
      const n = p + j * up;
      bank[p * taps + (taps - 1 - j)] = n < length ? proto[n] * gain : 0;
    }
  }
  return { up, down, taps, bank, delay, length, cutoff, beta };
}

// Filter design costs a few ms for awkward ratios such as 44.1k -> 16k; cache it because
// callers typically resample many buffers at the same ratio.
const bankCache = new Map<string, FilterBank>();

function getBank(up: number, down: number, quality: ResamplerQuality): FilterBank {
  const key = `${up}/${down}/${quality}`;
  let bank = bankCache.get(key);
  if (!bank) {
    bank = designBank(up, down, quality);
    bankCache.set(key, bank);
  }
  return bank;
}

/** Design parameters of the filter a Resampler would use, for documentation and tests. */
export interface ResamplerDesign {
  up: number;
  down: number;
  filterLength: number;
  tapsPerPhase: number;
  kaiserBeta: number;
  /** -6 dB cutoff in Hz, relative to the input/output signal. */
  cutoffHz: number;
  delaySamples: number;
}

/**
 * Streaming resampler. Output sample n is the filtered signal at input time n * inRate / outRate,
 * delayed by `delaySamples` output samples. Chunking never changes the result: every output is
 * computed from the same taps and samples in the same order however the input was split.
 */
export class Resampler {
  readonly inRate: number;
  readonly outRate: number;
  /** Group delay in output samples: output n lines up with input time (n - delaySamples) / outRate. */
  readonly delaySamples: number;
  private readonly fb: FilterBank;
  // Integer and fractional (in units of 1/L) input-sample advance per output sample.
  private readonly stepInt: number;
  private readonly stepFrac: number;
  /** The last (taps - 1) input samples, zeros before the stream starts. */
  private history: Float32Array;
  private inCount = 0;
  private outCount = 0;
  /** Newest input index that output `outCount` needs, and which polyphase branch it uses. */
  private nextIndex = 0;
  private nextPhase = 0;

  constructor(inRate: number, outRate: number, opts: ResamplerOptions = {}) {
    checkPositiveInteger('inRate', inRate);
    checkPositiveInteger('outRate', outRate);
    const quality = opts.quality ?? 'high';
    if (quality !== 'high' && quality !== 'fast')
      throw new RangeError(`quality must be 'high' or 'fast', got ${quality}`);
    const g = gcd(inRate, outRate);
    this.inRate = inRate;
    this.outRate = outRate;
    this.fb = getBank(outRate / g, inRate / g, quality);
    this.delaySamples = this.fb.delay;
    this.stepInt = Math.floor(this.fb.down / this.fb.up);
    this.stepFrac = this.fb.down % this.fb.up;
    this.history = new Float32Array(this.fb.taps - 1);
  }

  get design(): ResamplerDesign {
    const { up, down, length, taps, beta, cutoff } = this.fb;
    return {
      up,
      down,
      filterLength: length,
      tapsPerPhase: taps,
      kaiserBeta: beta,
      cutoffHz: cutoff * up * this.inRate,
      delaySamples: this.delaySamples,
    };
  }

  /** Feeds any number of input samples; returns every output sample that is now complete. */
  process(input: Float32Array): Float32Array {
    return this.consume(input, Infinity);
  }

  /**
   * Ends the stream: zero-pads the tail and returns the outputs still owed, so that the total
   * output is ceil(inputLength * outRate / inRate) + delaySamples samples. Then resets.
   */
  flush(): Float32Array {
    const { up, down } = this.fb;
    const target = ceilDiv(this.inCount * up, down) + this.delaySamples;
    const owed = target - this.outCount;
    // Newest input index the last owed output needs; everything past the real input is zero.
    const lastIndex = Math.floor(((target - 1) * down) / up);
    const zeros = new Float32Array(Math.max(0, lastIndex - this.inCount + 1));
    const tail = owed > 0 ? this.consume(zeros, owed) : new Float32Array(0);
    this.reset();
    return tail;
  }

  /** Forgets all input, as if newly constructed. */
  reset(): void {
    this.history.fill(0);
    this.inCount = 0;
    this.outCount = 0;
    this.nextIndex = 0;
    this.nextPhase = 0;
  }

  private consume(input: Float32Array, maxOutputs: number): Float32Array {
    const { up, down, taps } = this.fb;
    const keep = taps - 1;
    // Window over [history, input]: work[0] is absolute input index inCount - keep.
    const work = new Float32Array(keep + input.length);
    work.set(this.history, 0);
    work.set(input, keep);
    const base = this.inCount;
    this.inCount += input.length;
    // Outputs whose newest input index is < inCount are complete: n * M / L < inCount.
    const ready = ceilDiv(this.inCount * up, down) - this.outCount;
    const out = new Float32Array(Math.max(0, Math.min(ready, maxOutputs)));
    this.filter(work, base, out);
    this.history = work.slice(work.length - keep);
    return out;
  }

  // The hot loop: one dot product of `taps` coefficients per output sample.
  private filter(work: Float32Array, base: number, out: Float32Array): void {
    const { bank, taps, up } = this.fb;
    const { stepInt, stepFrac } = this;
    let index = this.nextIndex;
    let phase = this.nextPhase;
    for (let n = 0; n < out.length; n++) {
      // Newest input in the window is absolute `index`; with work offset by keep, the oldest is work[index - base].
      const start = index - base;
      out[n] = dot(bank, phase * taps, work, start, taps);
      index += stepInt;
      phase += stepFrac;
      if (phase >= up) {
        phase -= up;
        index++;
      }
    }
    this.nextIndex = index;
    this.nextPhase = phase;
    this.outCount += out.length;
  }
}

// Four independent accumulators let the CPU overlap the multiply-adds (about 2x faster in V8
// than one running sum). The summation order is fixed per output, so results do not depend
// on how the input was chunked.
function dot(a: Float32Array, aStart: number, b: Float32Array, bStart: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += a[aStart + i] * b[bStart + i];
    s1 += a[aStart + i + 1] * b[bStart + i + 1];
    s2 += a[aStart + i + 2] * b[bStart + i + 2];
    s3 += a[aStart + i + 3] * b[bStart + i + 3];
  }
  for (; i < n; i++) s0 += a[aStart + i] * b[bStart + i];
  return s0 + s1 + (s2 + s3);
}

function ceilDiv(a: number, b: number): number {
  return Math.floor((a + b - 1) / b);
}

/**
 * Resamples a whole signal. The output has round(input.length * outRate / inRate) samples and is
 * time-aligned with the input: the filter's group delay is removed. Equal rates return a copy.
 */
export function resample(input: Float32Array, inRate: number, outRate: number): Float32Array {
  checkPositiveInteger('inRate', inRate);
  checkPositiveInteger('outRate', outRate);
  if (inRate === outRate) return input.slice();
  const r = new Resampler(inRate, outRate);
  const head = r.process(input);
  const tail = r.flush();
  const all = new Float32Array(head.length + tail.length);
  all.set(head, 0);
  all.set(tail, head.length);
  const g = gcd(inRate, outRate);
  const length = Math.round((input.length * (outRate / g)) / (inRate / g));
  // Drop the first delaySamples outputs: they hold the filter's ramp-up, not the signal's start.
  // flush() guarantees at least delaySamples + length outputs, so no padding is needed.
  return all.slice(r.delaySamples, r.delaySamples + length);
}

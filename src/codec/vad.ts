// Voice-activity detection per 20 ms frame, for DTX (docs/dtx.md).
//
// The decision is a band signal-to-noise test against a tracked noise floor, the approach of the
// telephone-codec VADs (AMR, G.729 annex B) in a simpler form:
//
//   1. the frame (Hann-windowed, zero-padded to a power of two) is split into Bark-like bands and
//      each band's energy is measured;
//   2. each band has a noise floor: it falls quickly toward a quieter frame (so a pause between
//      words resets it), rises slowly while speech is present and follows the band at a moderate
//      rate in frames judged noise (so a louder background is taken up within about a second);
//   3. the frame is active when the mean of the bands' SNRs (in dB, clipped to 0..30) passes a
//      threshold and the frame is above an absolute floor (near-digital silence is never speech);
//   4. a hangover keeps the decision active for some frames after the last active one, so word
//      endings (low-energy fricatives, decaying vowels) and short pauses are not cut; a burst of
//      one or two active frames after a long silence gets a shorter hangover than real speech.
//
// Stationary noise, coloured or not, is then inactive whatever its level, and speech over it is
// active as long as it rises above the noise in enough bands. Sounds that are neither speech nor
// stationary (a door, a dog, keyboard clicks) count as active: DTX then just sends them.

import { checkPositiveInteger } from '../util/positive-integer.js';

export interface VadOptions {
  /** Rate of the frames' samples (default 16000). */
  sampleRate?: number;
  /** Samples per frame (default 320: 20 ms at 16 kHz). */
  frameSize?: number;
  /** Mean band SNR in dB above which a frame is speech (default 4). */
  thresholdDb?: number;
  /** Frames kept active after the last active one, once speech has lasted (default 10: 200 ms). */
  hangoverFrames?: number;
  /** Frames below this level (dB relative to a full-scale square wave) are never speech (default -65). */
  silenceDb?: number;
}

export interface VadResult {
  /** The decision with hangover: whether the frame should be sent as speech. */
  active: boolean;
  /** The decision before hangover. */
  voiced: boolean;
  /** Mean clipped band SNR in dB. */
  snrDb: number;
  /** Frame level in dB relative to full scale (mean square of 1 = 0 dB). */
  levelDb: number;
}

const DEFAULTS: Required<VadOptions> = {
  sampleRate: 16000,
  frameSize: 320,
  thresholdDb: 4,
  hangoverFrames: 10,
  silenceDb: -65,
};

/** Band edges in Hz, roughly a Bark scale: narrow where speech's formants and pitch harmonics are. */
const BAND_EDGES_HZ = [80, 250, 400, 550, 700, 900, 1100, 1350, 1650, 2000, 2400, 2900, 3500, 4300, 5300, 6500, 7800];

const SNR_CEILING_DB = 30;
/** Weight of the new frame in the smoothed band energies the floor is tracked on. */
const SMOOTHING = 0.4;
/** The floor is the minimum of the smoothed energies over SUBWINDOWS x SUBWINDOW_FRAMES frames (2.56 s)... */
const SUBWINDOWS = 8;
const SUBWINDOW_FRAMES = 16;
/** ... raised by this factor (2.5 dB), as the minimum of a fluctuating energy lies below its mean. */
const MINIMUM_BIAS = 10 ** (2.5 / 10);
/** Active runs shorter than this get only `SHORT_HANGOVER` frames: a click is not a sentence. */
const SPEECH_RUN_FRAMES = 3;
const SHORT_HANGOVER = 2;
/** Energy floor that keeps logs finite. */
const TINY = 1e-12;

function checkVadOptions(o: Required<VadOptions>): void {
  checkPositiveInteger('Vad: sampleRate', o.sampleRate);
  checkPositiveInteger('Vad: frameSize', o.frameSize);
  if (o.frameSize > 1 << 15) throw new RangeError(`Vad: frameSize must be at most 32768, got ${o.frameSize}`);
  if (!Number.isFinite(o.thresholdDb) || o.thresholdDb <= 0 || o.thresholdDb > SNR_CEILING_DB)
    throw new RangeError(`Vad: thresholdDb must be in (0, ${SNR_CEILING_DB}], got ${o.thresholdDb}`);
  if (!Number.isInteger(o.hangoverFrames) || o.hangoverFrames < 0)
    throw new RangeError(`Vad: hangoverFrames must be a non-negative integer, got ${o.hangoverFrames}`);
  if (!Number.isFinite(o.silenceDb)) throw new RangeError(`Vad: silenceDb must be a finite number, got ${o.silenceDb}`);
}

/** In-place radix-2 complex FFT (re, im of a power-of-two length). */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let size = 2; size <= n; size <<= 1) {
    const half = size >> 1;
    const step = (-2 * Math.PI) / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < half; k++) {
        const c = Math.cos(step * k);
        const s = Math.sin(step * k);
        const a = start + k;
        const b = a + half;
        const tr = re[b] * c - im[b] * s;
        const ti = re[b] * s + im[b] * c;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
      }
    }
  }
}

/** Frame -> mean energy per band (Hann-windowed power spectrum summed over each band's bins). */
export class BandAnalyzer {
  readonly bands: number;
  private readonly window: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  /** First bin of band b is binStart[b], last is binStart[b + 1] - 1. */
  private readonly binStart: Int32Array;

  constructor(sampleRate: number, frameSize: number) {
    let size = 1;
    while (size < frameSize) size <<= 1;
    this.re = new Float64Array(size);
    this.im = new Float64Array(size);
    this.window = new Float64Array(frameSize);
    for (let i = 0; i < frameSize; i++) this.window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / frameSize);
    const nyquist = sampleRate / 2;
    const edges = BAND_EDGES_HZ.filter((hz) => hz < nyquist);
    if (edges.length < 3) throw new RangeError(`Vad: sampleRate ${sampleRate} leaves too few bands`);
    const binOf = (hz: number) => Math.min(size / 2, Math.max(1, Math.round((hz * size) / sampleRate)));
    const starts: number[] = [];
    for (const hz of edges) {
      const bin = binOf(hz);
      if (starts.length === 0 || bin > starts[starts.length - 1]) starts.push(bin);
    }
    this.binStart = Int32Array.from(starts);
    this.bands = starts.length - 1;
  }

  /** Energies of `frame` per band into `out` (length `bands`). */
  analyze(frame: Float32Array, out: Float64Array): void {
    const { re, im, window } = this;
    re.fill(0);
    im.fill(0);
    for (let i = 0; i < window.length; i++) re[i] = frame[i] * window[i];
    fft(re, im);
    for (let b = 0; b < this.bands; b++) {
      let sum = 0;
      const end = this.binStart[b + 1];
      for (let k = this.binStart[b]; k < end; k++) sum += re[k] * re[k] + im[k] * im[k];
      out[b] = sum / (end - this.binStart[b]) + TINY;
    }
  }
}

/** Mean square of a frame as dB (a full-scale square wave is 0 dB). */
export function levelDb(frame: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < frame.length; i++) sum += frame[i] * frame[i];
  return 10 * Math.log10(sum / Math.max(1, frame.length) + TINY);
}

/** A stateful voice-activity detector: one call per frame, in order. */
export class Vad {
  readonly options: Readonly<Required<VadOptions>>;
  private readonly analyzer: BandAnalyzer;
  private readonly energies: Float64Array;
  private readonly smoothed: Float64Array;
  /** Per band: the minimum of each finished subwindow (SUBWINDOWS rows) and of the current one. */
  private readonly windowMinima: Float64Array;
  private readonly currentMinimum: Float64Array;
  private subwindowFrame = 0;
  private subwindowIndex = 0;
  private started = false;
  private hangover = 0;
  private run = 0;

  constructor(options: VadOptions = {}) {
    this.options = { ...DEFAULTS, ...options };
    checkVadOptions(this.options);
    this.analyzer = new BandAnalyzer(this.options.sampleRate, this.options.frameSize);
    const bands = this.analyzer.bands;
    this.energies = new Float64Array(bands);
    this.smoothed = new Float64Array(bands);
    this.windowMinima = new Float64Array(SUBWINDOWS * bands);
    this.currentMinimum = new Float64Array(bands);
  }

  /** The tracked noise floor of band `b` (mean band energy). */
  private floorOf(b: number): number {
    const bands = this.energies.length;
    let m = this.currentMinimum[b];
    for (let w = 0; w < SUBWINDOWS; w++) m = Math.min(m, this.windowMinima[w * bands + b]);
    return m * MINIMUM_BIAS;
  }

  /** Decides one frame of `frameSize` samples; RangeError for any other length. */
  process(frame: Float32Array): VadResult {
    const { frameSize, thresholdDb, silenceDb, hangoverFrames } = this.options;
    if (!(frame instanceof Float32Array) || frame.length !== frameSize)
      throw new RangeError(`Vad.process: expected a Float32Array of ${frameSize} samples`);
    const level = levelDb(frame);
    const { energies, smoothed, currentMinimum, windowMinima } = this;
    const bands = energies.length;
    this.analyzer.analyze(frame, energies);
    if (!this.started) {
      smoothed.set(energies);
      currentMinimum.set(energies);
      for (let w = 0; w < SUBWINDOWS; w++) windowMinima.set(energies, w * bands);
      this.started = true;
    }
    let snrSum = 0;
    for (let b = 0; b < bands; b++) {
      smoothed[b] += SMOOTHING * (energies[b] - smoothed[b]);
      currentMinimum[b] = Math.min(currentMinimum[b], smoothed[b]);
      const snr = 10 * Math.log10(energies[b] / this.floorOf(b));
      snrSum += Math.min(SNR_CEILING_DB, Math.max(0, snr));
    }
    if (++this.subwindowFrame === SUBWINDOW_FRAMES) {
      windowMinima.set(currentMinimum, this.subwindowIndex * bands);
      this.subwindowIndex = (this.subwindowIndex + 1) % SUBWINDOWS;
      this.subwindowFrame = 0;
      currentMinimum.set(smoothed);
    }
    const snrDb = snrSum / bands;
    const voiced = level > silenceDb && snrDb > thresholdDb;

    if (voiced) {
      this.run++;
      this.hangover = this.run >= SPEECH_RUN_FRAMES ? hangoverFrames : Math.max(this.hangover, SHORT_HANGOVER);
    } else {
      this.run = 0;
      if (this.hangover > 0) this.hangover--;
      else return { active: false, voiced, snrDb, levelDb: level };
    }
    return { active: true, voiced, snrDb, levelDb: level };
  }

  reset(): void {
    this.started = false;
    this.hangover = 0;
    this.run = 0;
    this.subwindowFrame = 0;
    this.subwindowIndex = 0;
  }
}

// Comfort noise for DTX (docs/dtx.md): the background described in 11 bytes, and played back.
//
// Sender: BackgroundEstimator averages the autocorrelation of the frames that are not speech and
// turns it into a level and 10 reflection coefficients (Levinson-Durbin): an all-pole model of the
// background's spectral envelope, the description RFC 3389 uses for comfort noise too.
// The SID body carries them quantised (encodeSidBody / parseSidBody, layout in docs/dtx.md).
//
// Receiver: ComfortNoise runs seeded white noise through the all-pole lattice filter given by the
// reflection coefficients, scaled to the level. A new description is reached by interpolating the
// level (in amplitude, per sample) and the coefficients (per frame: a lattice filter stays stable
// for any mix of stable coefficient sets) over `rampFrames`, so updates do not click.

import { xorshift32 } from '../util/prng.js';

/** The all-pole model's order: 10 coefficients, as in telephone codecs' comfort noise. */
export const SID_ORDER = 10;
/** Bytes of a SID body: one level byte + one byte per reflection coefficient. */
export const SID_BODY_BYTES = 1 + SID_ORDER;
/** The level byte counts dB below full scale, 0..127 (0 dB = mean square 1). */
export const SID_MAX_ATTENUATION_DB = 127;
/** Reflection coefficients are quantised as the angle asin(k), uniformly over +-asin(K_MAX). */
const K_MAX = 0.995;
const ANGLE_MAX = Math.asin(K_MAX);
const ANGLE_STEPS = 127;

export class SidFormatError extends Error {
  override name = 'SidFormatError';
}

/** A background description: level (mean square, as dB re full scale) and reflection coefficients. */
export interface NoiseDescription {
  levelDb: number;
  /** SID_ORDER reflection coefficients, each in (-1, 1). */
  reflection: Float64Array;
}

/** Quantises a description into a new SID body of SID_BODY_BYTES bytes. */
export function encodeSidBody(description: NoiseDescription): Uint8Array {
  const { levelDb, reflection } = description;
  if (reflection.length !== SID_ORDER)
    throw new RangeError(`SID: expected ${SID_ORDER} reflection coefficients, got ${reflection.length}`);
  const body = new Uint8Array(SID_BODY_BYTES);
  const attenuation = Number.isFinite(levelDb) ? Math.round(-levelDb) : SID_MAX_ATTENUATION_DB;
  body[0] = Math.min(SID_MAX_ATTENUATION_DB, Math.max(0, attenuation));
  for (let i = 0; i < SID_ORDER; i++) {
    const k = Math.min(K_MAX, Math.max(-K_MAX, Number.isFinite(reflection[i]) ? reflection[i] : 0));
    body[1 + i] = 128 + Math.round((Math.asin(k) / ANGLE_MAX) * ANGLE_STEPS);
  }
  return body;
}

/**
 * A SID body -> its description. SidFormatError for a body that is not SID_BODY_BYTES long, a
 * level byte above 127 (its top bit is reserved and must be 0) or a coefficient byte of 0 (the
 * code 128 +- 127 uses 1..255; 0 is reserved).
 */
export function parseSidBody(body: Uint8Array): NoiseDescription {
  if (!(body instanceof Uint8Array)) throw new SidFormatError('SID body must be a Uint8Array');
  if (body.length !== SID_BODY_BYTES)
    throw new SidFormatError(`SID body has ${body.length} bytes, expected ${SID_BODY_BYTES}`);
  if (body[0] > SID_MAX_ATTENUATION_DB)
    throw new SidFormatError(`SID level byte is ${body[0]}: its top bit is reserved and must be 0`);
  const reflection = new Float64Array(SID_ORDER);
  for (let i = 0; i < SID_ORDER; i++) {
    const code = body[1 + i];
    if (code === 0) throw new SidFormatError(`SID reflection coefficient ${i + 1} has the reserved code 0`);
    reflection[i] = Math.sin(((code - 128) / ANGLE_STEPS) * ANGLE_MAX);
  }
  return { levelDb: -body[0], reflection };
}

/**
 * Autocorrelation r[0..order] -> reflection coefficients (Levinson-Durbin, A(z) = 1 + sum a_j z^-j,
 * k_i = a_i of order i). A lag window and a tiny white-noise correction keep it well conditioned.
 */
export function reflectionFromAutocorrelation(
  r: Float64Array,
  order: number,
  out = new Float64Array(order),
): Float64Array {
  out.fill(0);
  if (!(r[0] > 0)) return out;
  const lagged = new Float64Array(order + 1);
  lagged[0] = r[0] * 1.0001;
  // Gaussian lag window (60 Hz at 16 kHz): smooths the envelope so no coefficient runs to +-1.
  for (let i = 1; i <= order; i++) lagged[i] = r[i] * Math.exp(-0.5 * ((2 * Math.PI * 60 * i) / 16000) ** 2);
  const a = new Float64Array(order + 1);
  const previous = new Float64Array(order + 1);
  a[0] = 1;
  let error = lagged[0];
  for (let i = 1; i <= order; i++) {
    let acc = lagged[i];
    for (let j = 1; j < i; j++) acc += a[j] * lagged[i - j];
    const k = -acc / error;
    if (!(Math.abs(k) < 1)) break;
    out[i - 1] = k;
    previous.set(a);
    for (let j = 1; j < i; j++) a[j] = previous[j] + k * previous[i - j];
    a[i] = k;
    error *= 1 - k * k;
  }
  return out;
}

export interface BackgroundEstimatorOptions {
  /** Weight of each new frame in the running autocorrelation (default 0.2: about 5 frames' memory). */
  smoothing?: number;
}

/** The sender's running description of its background, fed the frames that are not speech. */
export class BackgroundEstimator {
  private readonly autocorrelation = new Float64Array(SID_ORDER + 1);
  private readonly frameCorrelation = new Float64Array(SID_ORDER + 1);
  private readonly smoothing: number;
  private frames = 0;

  constructor(options: BackgroundEstimatorOptions = {}) {
    this.smoothing = options.smoothing ?? 0.2;
    if (!(this.smoothing > 0 && this.smoothing <= 1))
      throw new RangeError(`BackgroundEstimator: smoothing must be in (0, 1], got ${this.smoothing}`);
  }

  /** Whether any frame has been seen since creation or reset(). */
  get ready(): boolean {
    return this.frames > 0;
  }

  /** Adds one frame of background. */
  observe(frame: Float32Array): void {
    const n = frame.length;
    const c = this.frameCorrelation;
    for (let lag = 0; lag <= SID_ORDER; lag++) {
      let sum = 0;
      for (let i = lag; i < n; i++) sum += frame[i] * frame[i - lag];
      c[lag] = sum / Math.max(1, n);
    }
    // The first frame sets the estimate; later ones are averaged in.
    const w = this.frames === 0 ? 1 : this.smoothing;
    for (let lag = 0; lag <= SID_ORDER; lag++) this.autocorrelation[lag] += w * (c[lag] - this.autocorrelation[lag]);
    this.frames++;
  }

  describe(): NoiseDescription {
    const r = this.autocorrelation;
    return {
      levelDb: 10 * Math.log10(Math.max(r[0], 1e-13)),
      reflection: reflectionFromAutocorrelation(r, SID_ORDER),
    };
  }

  reset(): void {
    this.autocorrelation.fill(0);
    this.frames = 0;
  }
}

export interface ComfortNoiseOptions {
  /** Seed of the noise (default 1): the same seed and inputs give the same samples. */
  seed?: number;
  /** Frames over which a new description is reached (default 4: 80 ms at 20 ms frames). */
  rampFrames?: number;
}

/** The receiver's comfort-noise generator: noise shaped like the last description received. */
export class ComfortNoise {
  private readonly seed: number;
  private random: () => number;
  private readonly rampFrames: number;
  private readonly reflection = new Float64Array(SID_ORDER);
  private readonly targetReflection = new Float64Array(SID_ORDER);
  /** Lattice state: backward errors b_0..b_{p-1} of the previous sample. */
  private readonly backward = new Float64Array(SID_ORDER + 1);
  private amplitude = 0;
  private targetAmplitude = 0;
  private rampLeft = 0;
  private described = false;

  constructor(options: ComfortNoiseOptions = {}) {
    this.seed = options.seed ?? 1;
    this.random = xorshift32(this.seed);
    this.rampFrames = options.rampFrames ?? 4;
    if (!Number.isInteger(this.rampFrames) || this.rampFrames < 0)
      throw new RangeError(`ComfortNoise: rampFrames must be a non-negative integer, got ${this.rampFrames}`);
  }

  /** Whether a description has been received (before that, generate() gives silence). */
  get hasDescription(): boolean {
    return this.described;
  }

  /** Current output RMS (the ramp's position). */
  get rms(): number {
    return this.amplitude;
  }

  /**
   * A new background description, reached over rampFrames. `startRms`, when given, is the level to
   * ramp from (e.g. the RMS of the last decoded frame, for a smooth entry into comfort noise).
   */
  update(description: NoiseDescription, startRms?: number): void {
    this.targetAmplitude = 10 ** (description.levelDb / 20);
    this.targetReflection.set(description.reflection);
    if (!this.described) {
      this.reflection.set(description.reflection);
      this.amplitude = startRms ?? this.targetAmplitude;
      this.described = true;
    } else if (startRms !== undefined) {
      this.amplitude = startRms;
    }
    this.rampLeft = this.rampFrames;
  }

  /** Fills `out` with the next samples of comfort noise (silence before the first description). */
  generate(out: Float32Array): Float32Array {
    if (!this.described) return out.fill(0);
    const steps = this.rampLeft;
    const endAmplitude =
      steps > 0 ? this.amplitude + (this.targetAmplitude - this.amplitude) / steps : this.targetAmplitude;
    if (steps > 0) {
      for (let i = 0; i < SID_ORDER; i++) this.reflection[i] += (this.targetReflection[i] - this.reflection[i]) / steps;
      this.rampLeft--;
    } else {
      this.reflection.set(this.targetReflection);
    }
    // White noise through 1/A(z) has variance 1 / prod(1 - k^2): scale the excitation so the output has the target RMS.
    let gainSquared = 1;
    for (let i = 0; i < SID_ORDER; i++) gainSquared *= 1 - this.reflection[i] * this.reflection[i];
    const excitationScale = Math.sqrt(3 * gainSquared);
    const k = this.reflection;
    const b = this.backward;
    const n = out.length;
    for (let s = 0; s < n; s++) {
      const amplitude = this.amplitude + ((endAmplitude - this.amplitude) * (s + 1)) / n;
      let f = (2 * this.random() - 1) * excitationScale;
      for (let i = SID_ORDER; i >= 1; i--) {
        f -= k[i - 1] * b[i - 1];
        b[i] = k[i - 1] * f + b[i - 1];
      }
      b[0] = f;
      out[s] = f * amplitude;
    }
    this.amplitude = endAmplitude;
    return out;
  }

  /** Forgets everything, the noise sequence included: as if newly created. */
  reset(): void {
    this.random = xorshift32(this.seed);
    this.backward.fill(0);
    this.described = false;
    this.amplitude = 0;
    this.targetAmplitude = 0;
    this.rampLeft = 0;
  }
}

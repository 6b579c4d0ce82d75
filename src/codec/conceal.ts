// Packet-loss concealment in embedding space.
//
// Every frame, received or concealed, goes through the same streaming decoder, so its
// convolution histories stay continuous and a lost frame never produces a discontinuity of
// its own making; on recovery the decoder simply carries on with the real embeddings. What
// this module chooses is the embedding to feed for a lost frame:
//
//   e_k = c + w_k * (a^k * last - c)          k = 1, 2, ... lost frames in a row
//
//   last  the last received embedding;
//   a     `attenuation` per lost frame (default 0.2), which pulls the embedding quickly toward
//         the origin. Lyra v2's decoder renders the zero embedding as a quiet continuation of
//         its own state (the speech already in its histories rings out at about -35 dBFS),
//         which measured better than holding the last embedding: repeating it (or decaying it
//         slowly, 0.9^k) puts full-level speech with the wrong phase into the gap;
//   w_k   1 for the first `holdFrames` (3) lost frames, then a linear cross-fade to 0 over
//         `fadeFrames` (5) frames, so from the 8th lost frame (160 ms) on the decoder is fed c;
//   c     the comfort-noise embedding: the embedding of a recent quiet frame, picked by a
//         minimum-statistics noise-floor tracker on the decoded output level: the first received
//         frame below `maxComfortRms` sets the floor, each quieter frame lowers it at once, and it
//         rises by `floorRise` per received frame so that a louder background is taken up within
//         seconds. Until a quiet enough frame has been seen, c is the encoder's embedding of
//         digital silence, which decodes to about -80 dBFS.
//
// So short losses are bridged by the decoder's own continuation, and long gaps settle into
// stationary background noise at the level of the quietest recent frames instead of a click
// or a buzzing repeat. test/conceal.test.ts measures continuity, recovery, fade and the error
// against the loss-free decode, and prints the numbers.

import { Encoder } from './encoder.js';
import type { ComputeMode } from '../model/compute.js';
import type { Model } from '../model/load.js';
import { checkPositiveInteger } from '../util/positive-integer.js';

export interface ConcealerOptions {
  /** Factor applied to the last received embedding per lost frame (0..1; default 0.2). */
  attenuation?: number;
  /** Lost frames before the cross-fade to comfort noise starts (default 3). */
  holdFrames?: number;
  /** Length of that cross-fade in frames (default 5; 0 switches at once). */
  fadeFrames?: number;
  /** Per received frame growth of the tracked noise floor (default 1.02, about 8.6 dB/s). */
  floorRise?: number;
  /** Received frames louder than this RMS never become comfort noise (default 0.02, about -34 dBFS). */
  maxComfortRms?: number;
}

const DEFAULTS: Required<ConcealerOptions> = {
  attenuation: 0.2,
  holdFrames: 3,
  fadeFrames: 5,
  floorRise: 1.02,
  maxComfortRms: 0.02,
};

function checkOptions(o: Required<ConcealerOptions>): void {
  const bad = (name: string, v: number, range: string) =>
    new RangeError(`Concealer: ${name} must be ${range}, got ${v}`);
  if (!(o.attenuation >= 0 && o.attenuation <= 1)) throw bad('attenuation', o.attenuation, 'in 0..1');
  if (!Number.isInteger(o.holdFrames) || o.holdFrames < 0)
    throw bad('holdFrames', o.holdFrames, 'a non-negative integer');
  if (!Number.isInteger(o.fadeFrames) || o.fadeFrames < 0)
    throw bad('fadeFrames', o.fadeFrames, 'a non-negative integer');
  if (!(o.floorRise >= 1 && Number.isFinite(o.floorRise))) throw bad('floorRise', o.floorRise, 'a finite number >= 1');
  if (!(o.maxComfortRms > 0)) throw bad('maxComfortRms', o.maxComfortRms, 'positive');
}

/** Chooses the embedding fed to the decoder for each lost frame. No allocation per frame. */
export class Concealer {
  readonly dim: number;
  private readonly options: Required<ConcealerOptions>;
  private readonly silence: Float32Array;
  private readonly last: Float32Array;
  private readonly comfort: Float32Array;
  private hasLast = false;
  private floor = Infinity;
  private run = 0;
  private total = 0;

  /**
   * `silence`: the comfort-noise embedding to start from (see silenceEmbedding()); zeros when
   * omitted, which Lyra v2 decodes as faint noise rather than silence.
   */
  constructor(dim: number, silence?: Float32Array, options: ConcealerOptions = {}) {
    checkPositiveInteger('Concealer: dim', dim);
    if (silence && silence.length !== dim)
      throw new RangeError(`Concealer: silence embedding has ${silence.length} values, expected ${dim}`);
    this.dim = dim;
    this.options = { ...DEFAULTS, ...stripUndefined(options) };
    checkOptions(this.options);
    this.silence = silence ? Float32Array.from(silence) : new Float32Array(dim);
    this.last = new Float32Array(dim);
    this.comfort = Float32Array.from(this.silence);
  }

  /** Lost frames in a row so far (0 after a received frame). */
  get consecutiveLost(): number {
    return this.run;
  }

  /** Lost frames concealed since construction or reset(). */
  get concealedFrames(): number {
    return this.total;
  }

  /** Call for every received frame, with its embedding and the decoder's output for it. */
  observe(embedding: Float32Array, pcm: Float32Array): void {
    if (embedding.length !== this.dim)
      throw new RangeError(`Concealer.observe: embedding has ${embedding.length} values, expected ${this.dim}`);
    this.last.set(embedding);
    this.hasLast = true;
    this.run = 0;
    let sum = 0;
    for (let i = 0; i < pcm.length; i++) sum += pcm[i] * pcm[i];
    const rms = pcm.length > 0 ? Math.sqrt(sum / pcm.length) : 0;
    // Minimum statistics: a frame at or below the floor becomes the comfort noise; the floor
    // creeps up otherwise so that a louder background is picked up after a while.
    if (rms <= this.floor && rms <= this.options.maxComfortRms) {
      this.comfort.set(embedding);
      this.floor = rms;
    } else {
      this.floor = Math.max(this.floor, 1e-6) * this.options.floorRise; // Infinity stays Infinity
    }
  }

  /** The embedding to decode in place of the next lost frame (written to `out`). */
  conceal(out: Float32Array = new Float32Array(this.dim)): Float32Array {
    if (out.length !== this.dim)
      throw new RangeError(`Concealer.conceal: output has ${out.length} values, expected ${this.dim}`);
    const k = ++this.run;
    this.total++;
    const { attenuation, holdFrames, fadeFrames } = this.options;
    const w = k <= holdFrames ? 1 : fadeFrames === 0 ? 0 : Math.max(0, 1 - (k - holdFrames) / fadeFrames);
    const c = this.comfort;
    if (!this.hasLast || w === 0) {
      out.set(c);
      return out;
    }
    const g = attenuation ** k;
    for (let i = 0; i < this.dim; i++) out[i] = c[i] + w * (g * this.last[i] - c[i]);
    return out;
  }

  /** Forgets the stream: no last frame, comfort noise back to the silence embedding. */
  reset(): void {
    this.last.fill(0);
    this.hasLast = false;
    this.comfort.set(this.silence);
    this.floor = Infinity;
    this.run = 0;
    this.total = 0;
  }
}

function stripUndefined(o: ConcealerOptions): ConcealerOptions {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v as number;
  return out;
}

const SILENCE_FRAMES = 8;
const silenceCache = new WeakMap<Model, Map<ComputeMode, Float32Array>>();

/**
 * The model encoder's embedding of digital silence (after a few frames, once its histories hold
 * only silence). Computed once per model and mode (a few tens of ms), then cached. Models without
 * an encoder graph give zeros.
 */
export function silenceEmbedding(model: Model, mode: ComputeMode = 'int8'): Float32Array {
  let perMode = silenceCache.get(model);
  if (!perMode) {
    perMode = new Map();
    silenceCache.set(model, perMode);
  }
  let emb = perMode.get(mode);
  if (!emb) {
    const dim = model.manifest.embeddingDim;
    if (!model.manifest.encoder) {
      emb = new Float32Array(dim);
    } else {
      const encoder = new Encoder(model, { mode });
      const frame = new Float32Array(encoder.frameSize);
      const out = new Float32Array(dim);
      for (let i = 0; i < SILENCE_FRAMES; i++) encoder.encodeFrame(frame, out);
      emb = out;
    }
    perMode.set(mode, emb);
  }
  return emb.slice();
}

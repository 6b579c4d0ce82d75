// The parity sweep: our engine against the reference runtime on any audio, stage by stage
// (encoder, residual quantizer at 3.2 / 6 / 9.2 kbps, decoder), frame by frame and as one call,
// counting identical values and locating the first divergence down to the graph node. Used by
// scripts/parity-sweep.ts (the whole corpus) and test/parity/sweep-*.test.ts (the CI subset).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { FLACDecoder } from '@wasm-audio-decoders/flac';
import { Decoder } from '../../src/codec/decoder.js';
import { Encoder } from '../../src/codec/encoder.js';
import { buildGraph } from '../../src/model/compute.js';
import { Quantizer } from '../../src/codec/quantizer.js';
import { resample } from '../../src/audio/resample.js';
import { decodeWav } from '../../src/audio/wav.js';
import { readTFLite } from '../../src/import/tflite.js';
import type { LyraV2Files } from '../../src/import/lyra-v2.js';
import type { Model } from '../../src/model/load.js';
import { mulberry32 } from '../../src/util/prng.js';
import { DIM, FRAME, NUM_QUANTIZERS, padToFrames } from './lyra.js';
import { withProbeOutput } from './probe.js';
import { swapSubgraphs } from './reorder-subgraphs.js';
import { ReferenceRunner } from './runtime.js';
import type { TfliteWebRunner } from './tflite-web.js';

export const SAMPLE_RATE = 16000;
export const BITRATES = [
  [3200, 16],
  [6000, 30],
  [9200, 46],
] as const;

/** Where two outputs first differ: frame, element within the frame, both values, and the graph node found responsible. */
export interface Divergence {
  frame: number;
  element: number;
  ours: number;
  reference: number;
  /** The first node of our graph whose output differs from the reference's tensor at that frame. */
  node?: { index: number; op: string; tensor: string; element: number; ours: number; reference: number };
}

export interface Tally {
  values: number;
  identical: number;
  first: Divergence | null;
}

export interface SweepReport {
  name: string;
  frames: number;
  encoder: { frameByFrame: Tally; oneCall: Tally };
  /** By bitrate: indices from the reference's embeddings, from ours (the whole chain), and our dequantization of the reference's indices. */
  quantizer: Record<number, { fedReference: Tally; chain: Tally; dequantized: Tally }>;
  /** Decoded samples at one bitrate, both decoders fed the same packets: the reference's, then ours. */
  decoder: {
    bitrate: number;
    fedReference: { frameByFrame: Tally; oneCall: Tally };
    fedOurs: { frameByFrame: Tally; oneCall: Tally; sameAsReferencePackets: boolean };
  };
}

export interface SweepSignal {
  name: string;
  /** 16 kHz, a whole number of 20 ms frames. */
  samples: Float32Array;
}

// ------------------------------------------------------------------------------ audio

const flac = new FLACDecoder();

/** Any WAV or FLAC file -> mono 16 kHz, last frame zero-padded. Integer PCM is scaled by 1 / 2^(bits-1), as Lyra does. */
export async function loadSignal(path: string, name = path): Promise<SweepSignal> {
  const bytes = new Uint8Array(readFileSync(path));
  let mono: Float32Array;
  let rate: number;
  if (path.toLowerCase().endsWith('.flac')) {
    await flac.ready;
    await flac.reset();
    const decoded = await flac.decodeFile(bytes);
    if (decoded.errors.length > 0 || decoded.channelData.length === 0)
      throw new Error(`${path}: FLAC decoding failed (${decoded.errors[0]?.message ?? 'no audio'})`);
    // The decoder scales by 1 / (2^(bits-1) - 1); recover the integers, then scale as Lyra does.
    const full = 2 ** (decoded.bitDepth - 1);
    const channels = decoded.channelData;
    mono = new Float32Array(channels[0].length);
    for (let i = 0; i < mono.length; i++) {
      let sum = 0;
      for (const c of channels) sum += Math.round(c[i] * (full - 1)) / full;
      mono[i] = sum / channels.length;
    }
    rate = decoded.sampleRate;
  } else {
    const wav = decodeWav(bytes);
    mono = wav.samples;
    rate = wav.sampleRate;
  }
  return { name, samples: padToFrames(rate === SAMPLE_RATE ? mono : resample(mono, rate, SAMPLE_RATE)) };
}

/** WAV and FLAC files under each path (a file or a folder, searched recursively), sorted. */
export function audioFiles(paths: string[]): string[] {
  const out: string[] = [];
  const visit = (p: string) => {
    if (statSync(p).isDirectory()) for (const entry of readdirSync(p).sort()) visit(join(p, entry));
    else if (/\.(wav|flac)$/i.test(p)) out.push(p);
  };
  for (const p of paths) visit(p);
  return out;
}

/**
 * At least `minSeconds` of speech, chosen by rule: the corpus folders in turn (one file from each
 * per round, so every dataset and many speakers are in), each folder's files in a seeded shuffle.
 */
export async function speechSubset(speechDir: string, minSeconds: number, seed = 20261130): Promise<string[]> {
  const folders = readdirSync(speechDir)
    .sort()
    .map((d) => join(speechDir, d))
    .filter((d) => statSync(d).isDirectory());
  const queues = folders.map((folder) => shuffled(audioFiles([folder]), mulberry32(seed)));
  const chosen: string[] = [];
  let seconds = 0;
  while (seconds < minSeconds && queues.some((q) => q.length > 0)) {
    for (const q of queues) {
      const file = q.shift();
      if (file === undefined || seconds >= minSeconds) continue;
      chosen.push(file);
      seconds += (await loadSignal(file)).samples.length / SAMPLE_RATE;
    }
  }
  return chosen;
}

function shuffled<T>(items: T[], random: () => number): T[] {
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** Signals no recording contains: full scale, clipping, steps, DC, impulses, noise from -90 to 0 dBFS, sweeps, tiny values. */
export function hostileSignals(): SweepSignal[] {
  const seconds = (s: number) => new Float32Array(Math.round(s * SAMPLE_RATE));
  const signals: SweepSignal[] = [];
  const add = (name: string, x: Float32Array) => signals.push({ name, samples: padToFrames(x) });

  for (const hz of [50, 440, 3000]) {
    const x = seconds(1.5);
    for (let i = 0; i < x.length; i++) x[i] = Math.floor((2 * hz * i) / SAMPLE_RATE) % 2 === 0 ? 1 : -1;
    add(`square ${hz} Hz, full scale`, x);
  }
  const clipped = seconds(2);
  for (let i = 0; i < clipped.length; i++)
    clipped[i] = Math.max(
      -1,
      Math.min(
        1,
        4 * Math.sin((2 * Math.PI * 220 * i) / SAMPLE_RATE) + 2 * Math.sin((2 * Math.PI * 1370 * i) / SAMPLE_RATE),
      ),
    );
  add('two tones hard-clipped at +-1.0', clipped);
  const steps = seconds(3);
  for (let i = 0; i < steps.length; i++) {
    const t = i / SAMPLE_RATE;
    steps[i] = t < 1 ? 0 : t < 1.5 ? 1 : t < 2 ? -1 : t < 2.5 ? 1 : 0;
  }
  add('silence, then full-scale steps +1 / -1 / +1 / 0', steps);
  for (const dc of [0.5, -1, 0.01]) add(`DC offset ${dc}`, seconds(1.5).fill(dc));
  const speechLike = seconds(2);
  const rand = mulberry32(7);
  for (let i = 0; i < speechLike.length; i++)
    speechLike[i] =
      0.3 +
      0.2 *
        Math.sin((2 * Math.PI * 180 * i) / SAMPLE_RATE) *
        (0.5 + 0.5 * Math.sin((2 * Math.PI * 3 * i) / SAMPLE_RATE)) +
      0.02 * (rand() - 0.5);
  add('DC 0.3 under a modulated tone', speechLike);
  const impulses = seconds(2);
  for (let i = 0; i < impulses.length; i += 4001) impulses[i] = (i / 4001) % 2 === 0 ? 1 : -1;
  add('single-sample impulses +-1.0 in silence', impulses);
  add('silence', seconds(1));
  for (const db of [-90, -60, -30, -10, 0]) {
    add(`white noise ${db} dBFS`, noise(seconds(1.5), db, 'white', 1000 - db));
    add(`pink noise ${db} dBFS`, noise(seconds(1.5), db, 'pink', 2000 - db));
  }
  for (const amplitude of [0.5, 1]) {
    const sweep = seconds(4);
    const f0 = 20,
      f1 = 8000,
      duration = sweep.length / SAMPLE_RATE,
      k = Math.log(f1 / f0);
    for (let i = 0; i < sweep.length; i++) {
      const t = i / SAMPLE_RATE;
      sweep[i] = amplitude * Math.sin(((2 * Math.PI * f0 * duration) / k) * (Math.exp((t / duration) * k) - 1));
    }
    add(`log sine sweep 20 Hz - 8 kHz, amplitude ${amplitude}`, sweep);
  }
  const tiny = seconds(1.5);
  const r = mulberry32(11);
  const smallestNormal = 2 ** -126;
  for (let i = 0; i < tiny.length; i++)
    tiny[i] = (r() < 0.5 ? -1 : 1) * smallestNormal * Math.floor(1 + r() * 4) * (r() < 0.1 ? 0 : 1);
  add('values near the smallest float32 normal (+-1..4 x 2^-126)', tiny);
  return signals;
}

/** Gaussian white or pink noise at an RMS of `db` dBFS, clipped to +-1. */
function noise(x: Float32Array, db: number, colour: 'white' | 'pink', seed: number): Float32Array {
  const random = mulberry32(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const rows = new Float64Array(12);
  for (let i = 0; i < x.length; i++) {
    if (colour === 'white') {
      x[i] = gaussian();
    } else {
      // Voss: row k is redrawn every 2^k samples; their sum has a roughly 1/f spectrum.
      for (let k = 0; k < rows.length; k++) if (i % (1 << k) === 0) rows[k] = gaussian();
      x[i] = rows.reduce((s, v) => s + v, 0);
    }
  }
  let power = 0;
  for (const v of x) power += v * v;
  const gain = 10 ** (db / 20) / Math.sqrt(power / x.length);
  for (let i = 0; i < x.length; i++) x[i] = Math.max(-1, Math.min(1, x[i] * gain));
  return x;
}

// ------------------------------------------------------------------------------ comparison

function tally(ours: ArrayLike<number>, reference: ArrayLike<number>, perFrame: number): Tally {
  let identical = 0;
  let first: Divergence | null = null;
  for (let i = 0; i < reference.length; i++) {
    if (ours[i] === reference[i] || (Number.isNaN(ours[i]) && Number.isNaN(reference[i]))) identical++;
    else first ??= { frame: Math.floor(i / perFrame), element: i % perFrame, ours: ours[i], reference: reference[i] };
  }
  return { values: reference.length, identical, first };
}

/** Reference indices hold all 46 stages (-1 where unused); ours only the used ones. */
function usedStages(reference: Int32Array, stages: number): Int32Array {
  const frames = reference.length / NUM_QUANTIZERS;
  const out = new Int32Array(frames * stages);
  for (let t = 0; t < frames; t++)
    out.set(reference.subarray(t * NUM_QUANTIZERS, t * NUM_QUANTIZERS + stages), t * stages);
  return out;
}

function frameByFrame(
  run: (x: Float32Array) => Float32Array,
  input: Float32Array,
  inSize: number,
  outSize: number,
): Float32Array {
  const frames = input.length / inSize;
  const out = new Float32Array(frames * outSize);
  for (let t = 0; t < frames; t++) out.set(run(input.subarray(t * inSize, (t + 1) * inSize)), t * outSize);
  return out;
}

// ------------------------------------------------------------------------------ the sweep

export class ParitySweep {
  private readonly quantizeRunner: TfliteWebRunner;
  private readonly dequantizeRunner: TfliteWebRunner;
  private readonly quantizer: Quantizer;

  private constructor(
    private readonly files: LyraV2Files,
    private readonly model: Model,
    runners: [TfliteWebRunner, TfliteWebRunner],
  ) {
    [this.quantizeRunner, this.dequantizeRunner] = runners;
    this.quantizer = new Quantizer(model);
  }

  static async create(files: LyraV2Files, model: Model): Promise<ParitySweep> {
    // The quantizer has no state: one interpreter per signature serves every file.
    const runners = await Promise.all([
      ReferenceRunner.create(swapSubgraphs(files.quantizer)),
      ReferenceRunner.create(files.quantizer),
    ]);
    return new ParitySweep(files, model, runners as [TfliteWebRunner, TfliteWebRunner]);
  }

  /** `decodeBitrate`: the bitrate whose packets both decoders are fed. */
  async run(signal: SweepSignal, decodeBitrate: number): Promise<SweepReport> {
    const x = signal.samples;
    const frames = x.length / FRAME;
    const refEmbeddings = await this.reference(this.files.encoder, x, FRAME, DIM);
    const encoder = new Encoder(this.model);
    const ours = frameByFrame((f) => encoder.encodeFrame(f), x, FRAME, DIM);
    const encoderFrames = tally(ours, refEmbeddings, DIM);
    if (encoderFrames.first)
      encoderFrames.first.node = await this.locate('encoder', x, FRAME, encoderFrames.first.frame);
    const encoderOneCall = tally(new Encoder(this.model).encode(x), refEmbeddings, DIM);

    const quantizer: SweepReport['quantizer'] = {};
    let decoderReport: SweepReport['decoder'] | undefined;
    for (const [bitrate, stages] of BITRATES) {
      const refIndices = this.referenceQuantize(refEmbeddings, stages);
      const refUsed = usedStages(refIndices, stages);
      const fedReference = tally(this.quantizer.quantize(refEmbeddings, stages), refUsed, stages);
      const ourIndices = this.quantizer.quantize(ours, stages);
      const chain = tally(ourIndices, refUsed, stages);
      const refPackets = this.referenceDequantize(refIndices);
      const dequantized = tally(this.quantizer.dequantize(refUsed, stages), refPackets, DIM);
      quantizer[bitrate] = { fedReference, chain, dequantized };
      if (bitrate !== decodeBitrate) continue;

      const fedReferenceDecode = await this.decodeBoth(refPackets);
      const samePackets = chain.identical === chain.values;
      const fedOurs = samePackets
        ? fedReferenceDecode
        : await this.decodeBoth(this.referenceDequantize(withUnusedStages(ourIndices, stages)));
      decoderReport = {
        bitrate,
        fedReference: fedReferenceDecode,
        fedOurs: { ...fedOurs, sameAsReferencePackets: samePackets },
      };
    }
    if (!decoderReport)
      throw new RangeError(`decode bitrate ${decodeBitrate} is not one of ${BITRATES.map(([b]) => b).join(', ')}`);
    return {
      name: signal.name,
      frames,
      encoder: { frameByFrame: encoderFrames, oneCall: encoderOneCall },
      quantizer,
      decoder: decoderReport,
    };
  }

  dispose(): void {
    this.quantizeRunner.dispose();
    this.dequantizeRunner.dispose();
  }

  private async decodeBoth(embeddings: Float32Array): Promise<{ frameByFrame: Tally; oneCall: Tally }> {
    const refAudio = await this.reference(this.files.decoder, embeddings, DIM, FRAME);
    const decoder = new Decoder(this.model);
    const perFrame = tally(
      frameByFrame((e) => decoder.decodeFrame(e), embeddings, DIM, FRAME),
      refAudio,
      FRAME,
    );
    if (perFrame.first) perFrame.first.node = await this.locate('decoder', embeddings, DIM, perFrame.first.frame);
    return { frameByFrame: perFrame, oneCall: tally(new Decoder(this.model).decode(embeddings), refAudio, FRAME) };
  }

  /** A stateful reference model run frame by frame from a fresh state; returns every frame's first output. */
  private async reference(
    modelBytes: Uint8Array,
    input: Float32Array,
    inSize: number,
    outSize: number,
  ): Promise<Float32Array> {
    const runner = await ReferenceRunner.create(modelBytes);
    try {
      const frames = input.length / inSize;
      const out = new Float32Array(frames * outSize);
      for (let t = 0; t < frames; t++)
        out.set(runner.run(input.subarray(t * inSize, (t + 1) * inSize))[0] as Float32Array, t * outSize);
      return out;
    } finally {
      runner.dispose();
    }
  }

  private referenceQuantize(embeddings: Float32Array, stages: number): Int32Array {
    const frames = embeddings.length / DIM;
    const out = new Int32Array(frames * NUM_QUANTIZERS);
    const count = new Int32Array([stages]);
    for (let t = 0; t < frames; t++) {
      const indices = this.quantizeRunner
        .run(count, embeddings.subarray(t * DIM, (t + 1) * DIM))
        .find((o) => o.length === NUM_QUANTIZERS);
      if (!indices) throw new Error('reference quantizer gave no indices');
      out.set(indices, t * NUM_QUANTIZERS);
    }
    return out;
  }

  private referenceDequantize(indices: Int32Array): Float32Array {
    const frames = indices.length / NUM_QUANTIZERS;
    const out = new Float32Array(frames * DIM);
    for (let t = 0; t < frames; t++)
      out.set(
        this.dequantizeRunner.run(indices.subarray(t * NUM_QUANTIZERS, (t + 1) * NUM_QUANTIZERS))[0] as Float32Array,
        t * DIM,
      );
    return out;
  }

  /**
   * The first node of our graph whose output at `frame` differs from the reference's tensor of
   * the same name, by bisection over the nodes in graph order (a difference, once made, flows on).
   */
  private async locate(
    which: 'encoder' | 'decoder',
    input: Float32Array,
    inSize: number,
    frame: number,
  ): Promise<Divergence['node']> {
    const modelBytes = which === 'encoder' ? this.files.encoder : this.files.decoder;
    const tensors = readTFLite(modelBytes).subgraphs[0].tensors;
    const byName = new Map(tensors.map((t, i) => [t.name, i] as const));
    const graph = buildGraph(this.model, which, inSize);
    for (let t = 0; t <= frame; t++) graph.run(input.subarray(t * inSize, (t + 1) * inSize), 1);
    // Nodes whose output is a whole tensor of the reference model (not, e.g., the frame part of a state concatenation).
    const candidates = this.model.manifest[which]!.nodes.flatMap((node, index) => {
      const tensorIndex = node.source === undefined ? undefined : byName.get(node.source);
      if (!('output' in node) || tensorIndex === undefined) return [];
      const size = tensors[tensorIndex].shape.reduce((a, d) => a * d, 1);
      const ours = graph.activation(node.output).slice(0, size);
      return ours.length === size ? [{ index, op: node.op, tensor: node.source!, tensorIndex, ours }] : [];
    });
    const differs = async (c: (typeof candidates)[number]) => {
      const runner = await ReferenceRunner.create(withProbeOutput(modelBytes, c.tensorIndex));
      try {
        let last: ArrayLike<number> = [];
        for (let t = 0; t <= frame; t++) last = runner.run(input.subarray(t * inSize, (t + 1) * inSize))[0];
        return tally(c.ours, last, c.ours.length).first;
      } finally {
        runner.dispose();
      }
    };
    let lo = 0;
    let hi = candidates.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (await differs(candidates[mid])) hi = mid;
      else lo = mid + 1;
    }
    const c = candidates[lo];
    const d = c && (await differs(c));
    return c && d
      ? { index: c.index, op: c.op, tensor: c.tensor, element: d.element, ours: d.ours, reference: d.reference }
      : undefined;
  }
}

function withUnusedStages(indices: Int32Array, stages: number): Int32Array {
  const frames = indices.length / stages;
  const out = new Int32Array(frames * NUM_QUANTIZERS).fill(-1);
  for (let t = 0; t < frames; t++) out.set(indices.subarray(t * stages, (t + 1) * stages), t * NUM_QUANTIZERS);
  return out;
}

/** Every comparison of a report, named, in pipeline order. */
function stageTallies(r: SweepReport): [string, Tally][] {
  return [
    ['encoder', r.encoder.frameByFrame],
    ['encoder one call', r.encoder.oneCall],
    ...Object.entries(r.quantizer).flatMap(
      ([b, q]) =>
        [
          [`indices ${b} fed reference`, q.fedReference],
          [`indices ${b} chain`, q.chain],
          [`dequantized ${b}`, q.dequantized],
        ] as [string, Tally][],
    ),
    [`decoder ${r.decoder.bitrate} fed reference packets`, r.decoder.fedReference.frameByFrame],
    [`decoder ${r.decoder.bitrate} fed reference packets, one call`, r.decoder.fedReference.oneCall],
    [`decoder ${r.decoder.bitrate} fed our packets`, r.decoder.fedOurs.frameByFrame],
    [`decoder ${r.decoder.bitrate} fed our packets, one call`, r.decoder.fedOurs.oneCall],
  ];
}

/** True when every stage of a report is bit-identical. */
export function allIdentical(r: SweepReport): boolean {
  return stageTallies(r).every(([, t]) => t.identical === t.values);
}

/** The first stage that differs, where, and the graph node found responsible. */
export function describeFirst(r: SweepReport): string {
  const stages = stageTallies(r);
  const found = stages.find(([, t]) => t.first !== null);
  if (!found) return 'identical';
  const [stage, { first: f }] = found as [string, Tally & { first: Divergence }];
  const node = f.node
    ? `; first differing node #${f.node.index} ${f.node.op} (${f.node.tensor}) element ${f.node.element}: ours ${f.node.ours}, reference ${f.node.reference}`
    : '';
  return `${stage}: frame ${f.frame}, element ${f.element}: ours ${f.ours}, reference ${f.reference}${node}`;
}

/** A short, readable name for a corpus file: its path below `root`. */
export function displayName(path: string, root: string): string {
  const rel = relative(root, path);
  return rel.startsWith('..') ? basename(path) : rel;
}

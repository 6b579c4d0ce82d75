// The `soundstream` command line: import/fetch Lyra v2 weights, encode, decode, round-trip and
// inspect files. Bundled by scripts/build.mjs to dist/src/cli.js and run through
// bin/soundstream.mjs. Only node: built-ins; arguments are parsed by hand.
//
// Exit codes: 0 success (decode may print warnings about concealed frames), 1 an error (one
// line on stderr), 2 a usage error (unknown command or option, missing argument).

import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Concealer, silenceEmbedding } from './codec/conceal.js';
import { Decoder } from './codec/decoder.js';
import { Denoiser } from './codec/denoiser.js';
import { Encoder } from './codec/encoder.js';
import { LYRA_BITRATES, packetBytes, packIndices, unpackIndices } from './codec/lyra-packet.js';
import { Quantizer } from './codec/quantizer.js';
import { resample } from './codec/resample.js';
import { decodeSst, encodeSst, looksLikeSst, type SstFrame, type SstHeader } from './codec/sst.js';
import { decodeWav, describeWav, encodeWav, WavFormatError } from './codec/wav.js';
import { importLyraV2, LYRA_V2_FILES } from './import/lyra-v2.js';
import { loadModel, loadModelFromBytes, ModelError, type Model } from './model/load.js';
import type { Manifest } from './model/manifest.js';
import type { FloatPrecision } from './layers/layer.js';
import { OutputDirError, writeDirAtomic, writeFileAtomic } from './cli/atomic-write.js';
import { evaluate } from './metrics/evaluate.js'; // eval command

// ------------------------------------------------------------------------------ constants

const DEFAULT_MODEL_DIR = 'weights/lyra-v2';
const DEFAULT_DENOISER_DIR = 'weights/lyra-v2-denoise';
const DEFAULT_BITRATE = 9200;
const LYRA_V2_COMMIT = '47698dadf0010abff6a848e02642f55f806d4842';
const LYRA_V2_URL_PREFIX = `https://raw.githubusercontent.com/google/lyra/${LYRA_V2_COMMIT}/lyra/model_coeffs/`;
/** sha256 of the Lyra v2 release files at LYRA_V2_COMMIT. */
const LYRA_V2_SHA256: Record<(typeof LYRA_V2_FILES)[number], string> = {
  'soundstream_encoder.tflite': '237da0b16226fb0a68d49551c81bebf614e42142af72764448359f68581e88f1',
  'quantizer.tflite': '841ee05989687d32d1f616a8ad1419fc7eda37599d3c05c7cf5a0d60ccf8ac5c',
  'lyragan.tflite': '50e7839cda4f30599a3a34cfaddcd9c98449b049eee884e1a74295780448ad06',
};
/** Inputs longer than this get a progress bar (on a terminal, without --json). */
const PROGRESS_MIN_SECONDS = 30;

const USAGE = `soundstream: SoundStream / Lyra v2 speech codec in pure TypeScript

Usage:
  soundstream <command> [arguments] [options]

Commands:
  import-tflite <dir> [--out <dir>]
      Convert Lyra v2's soundstream_encoder.tflite, quantizer.tflite and lyragan.tflite
      found in <dir> into manifest.json + model.bin under --out (default ${DEFAULT_MODEL_DIR}).
      The folder is written atomically: nothing is left behind on failure.

  fetch-weights lyra-v2 [--from <dir-or-url>] [--out <dir>]
      Get the three Lyra v2 .tflite files, check their pinned sha256, then import them as
      import-tflite does. --from: a folder, or an http(s) URL prefix to which each file name
      is appended (default ${LYRA_V2_URL_PREFIX}).

  encode <in.wav> <out> [--bitrate 3200|6000|9200] [--format sst|lyra] [--model <dir>]
      WAV (any rate, mixed to mono, resampled to 16 kHz) -> encoded stream.
      --bitrate  bits per second (default ${DEFAULT_BITRATE}): 16, 30 or 46 quantizers of 4 bits
      --format   sst (default): checksummed container recording model, rates and frame count;
                 lyra: raw Lyra packets back to back, exactly as Google's encoder writes them

  decode <in> <out.wav> [--format sst|lyra] [--bitrate N] [--rate <Hz>] [--model <dir>]
      Encoded stream -> 16-bit WAV. The format is detected when --format is not given
      (anything that is not .sst is read as raw Lyra). Raw Lyra needs the --bitrate it was
      encoded at (default ${DEFAULT_BITRATE}); .sst records it per frame.
      --rate     output sample rate (default: the .sst's original input rate, else 16000)
      Damaged or lost frames (checksum mismatch, truncation) are concealed and reported on
      stderr; the exit code stays 0 as long as at least one frame decoded. A bad or
      truncated header, or a stream with no decodable frame, is an error (exit 1).

  roundtrip <in.wav> <out.wav> [--bitrate N] [--model <dir>]
      Encode and decode in memory; report packet sizes, encode/decode time, real-time
      factors (compute time / audio duration) and the SNR against the 16 kHz input.

  info <file>
      Describe an .sst file (header, frames, bitrates, duration, problems) or a WAV file.

  eval <ref.wav> <deg.wav> [--align]
      Objective quality of deg.wav against ref.wav (mono mixes): STOI (classic, 0..1, higher
      is better) and the mean absolute log-mel spectral distance in dB (lower is better).
      deg.wav is resampled to ref.wav's rate if they differ; the shorter length is compared.
      --align    first shift deg.wav by the lag, within +-0.1 s, that maximises its
                 cross-correlation with ref.wav over the first 10 s (e.g. a codec's delay)

Denoising (encode, roundtrip; decode applies it on the receiving side):
  --denoise on|off       run the FiLM denoising bottleneck on the embeddings (default off);
                         the stream stays plain Lyra v2, playable by any Lyra decoder
  --denoise-model <dir>  its weights (default ${DEFAULT_DENOISER_DIR})

Arithmetic (encode, decode, roundtrip):
  --precision exact|fast  exact (default): float layers round as Google's runtime does, so
                         packets and audio are bit-identical to it; fast: they sum in float64,
                         about 1.3x faster, decoded audio ~40 dB SNR from exact

Options for every command:
  --model <dir>  model folder (default ${DEFAULT_MODEL_DIR}, relative to the current directory)
  --json         print one JSON object with the figures on stdout instead of text
  -h, --help     show this help

Outputs are written to a temporary file beside the target and renamed into place, so a
failure never leaves a partial file; an output that is the input file is refused.

Exit status: 0 success, 1 error (one line on stderr), 2 usage error.
`;

// ------------------------------------------------------------------------------ errors

/** A wrong invocation: unknown command or option, missing or malformed argument (exit 2). */
class UsageError extends Error {
  override name = 'UsageError';
}

/** A failure the CLI itself detects (unreadable file, refused output, ...) (exit 1). */
class CliError extends Error {
  override name = 'CliError';
}

function errnoText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a component of the path is not a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOSPC':
      return 'no space left on device';
    case 'EROFS':
      return 'read-only file system';
    default:
      return e?.message ?? String(err);
  }
}

// ------------------------------------------------------------------------------ argument parsing

type OptionValues = Map<string, string | true>;

interface CommandSpec {
  positionals: string[];
  /** Options that take a value. */
  valued: string[];
  /** Options that are plain flags. */
  flags: string[];
  run: (pos: string[], opts: OptionValues, ctx: Context) => Promise<void>;
}

interface Context {
  json: boolean;
  out: (text: string) => void;
  warn: (text: string) => void;
}

function parseArgs(args: string[], spec: CommandSpec, command: string): { pos: string[]; opts: OptionValues } {
  const pos: string[] = [];
  const opts: OptionValues = new Map();
  let onlyPositionals = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (onlyPositionals || !arg.startsWith('-') || arg === '-') {
      pos.push(arg);
      continue;
    }
    if (arg === '--') {
      onlyPositionals = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = (eq >= 0 ? arg.slice(0, eq) : arg).replace(/^--?/, '');
    if (spec.flags.includes(name)) {
      if (eq >= 0) throw new UsageError(`option --${name} takes no value`);
      opts.set(name, true);
    } else if (spec.valued.includes(name)) {
      let value: string;
      if (eq >= 0) value = arg.slice(eq + 1);
      else {
        if (i + 1 >= args.length) throw new UsageError(`option --${name} needs a value`);
        value = args[++i];
      }
      if (value === '') throw new UsageError(`option --${name} needs a value`);
      opts.set(name, value);
    } else {
      throw new UsageError(`unknown option ${eq >= 0 ? arg.slice(0, eq) : arg} for ${command}`);
    }
  }
  if (pos.length !== spec.positionals.length) {
    const want = spec.positionals.map((p) => `<${p}>`).join(' ');
    const problem = pos.length < spec.positionals.length ? `missing <${spec.positionals[pos.length]}>` : `unexpected argument ${pos[spec.positionals.length]}`;
    throw new UsageError(`${command}: ${problem} (usage: soundstream ${command} ${want} ...)`);
  }
  return { pos, opts };
}

function str(opts: OptionValues, name: string): string | undefined {
  const v = opts.get(name);
  return typeof v === 'string' ? v : undefined;
}

function positiveInt(opts: OptionValues, name: string): number | undefined {
  const v = str(opts, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 0xffffffff) {
    throw new UsageError(`option --${name} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return Number(v);
}

function formatOpt(opts: OptionValues): 'sst' | 'lyra' | undefined {
  const v = str(opts, 'format');
  if (v === undefined) return undefined;
  if (v !== 'sst' && v !== 'lyra') throw new UsageError(`option --format must be sst or lyra, got ${JSON.stringify(v)}`);
  return v;
}

// ------------------------------------------------------------------------------ files

async function readInput(path: string, what = 'input file'): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (err) {
    throw new CliError(`cannot read ${what} ${path}: ${errnoText(err)}`);
  }
}

/** Refuses an output that is the input: same path, or another name (link) for the same file. */
async function refuseSameFile(input: string, output: string): Promise<void> {
  let same = resolve(input) === resolve(output);
  if (!same) {
    try {
      const [a, b] = await Promise.all([stat(input), stat(output)]);
      same = a.dev === b.dev && a.ino === b.ino;
    } catch {
      // one of them does not exist: not the same file
    }
  }
  if (same) throw new CliError(`refusing to overwrite the input file ${input}`);
}

async function writeOutput(path: string, data: Uint8Array): Promise<void> {
  try {
    await writeFileAtomic(path, data);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`cannot write ${path}: directory ${dirname(path)} does not exist`);
    throw new CliError(`cannot write ${path}: ${errnoText(err)}`);
  }
}

// ------------------------------------------------------------------------------ model

interface Codec {
  model: Model;
  dir: string;
  encoder: Encoder;
  decoder: Decoder;
  quantizer: Quantizer;
  sampleRate: number;
  frameSize: number;
  embeddingDim: number;
  bitsPerIndex: number;
  /** First 8 bytes of the weights' sha256. */
  shaPrefix: Uint8Array;
  /** The denoising bottleneck when --denoise on, else null. */
  denoiser: Denoiser | null;
}

async function openCodec(opts: OptionValues): Promise<Codec> {
  const dir = str(opts, 'model') ?? DEFAULT_MODEL_DIR;
  let model: Model;
  try {
    model = await loadModel(dir);
  } catch (err) {
    if (err instanceof ModelError) throw err;
    throw new ModelError(`${dir}: cannot load model: ${(err as Error).message}`);
  }
  const quantizer = new Quantizer(model);
  const precision = precisionOption(opts);
  return {
    model,
    dir,
    encoder: new Encoder(model, { precision }),
    decoder: new Decoder(model, { precision }),
    quantizer,
    sampleRate: model.manifest.sampleRate,
    frameSize: model.manifest.frameSize,
    embeddingDim: model.manifest.embeddingDim,
    bitsPerIndex: quantizer.bitsPerIndex,
    shaPrefix: hexToBytes(model.manifest.blob.sha256.slice(0, 16)),
    denoiser: await openDenoiser(opts, model),
  };
}

function precisionOption(opts: OptionValues): FloatPrecision {
  const value = str(opts, 'precision') ?? 'exact';
  if (value !== 'exact' && value !== 'fast') throw new UsageError(`option --precision must be exact or fast, got ${JSON.stringify(value)}`);
  return value;
}

/** --denoise on|off (default off): loads --denoise-model (default weights/lyra-v2-denoise) when on. */
async function openDenoiser(opts: OptionValues, codec: Model): Promise<Denoiser | null> {
  const flag = str(opts, 'denoise') ?? 'off';
  if (flag !== 'on' && flag !== 'off') throw new UsageError(`option --denoise must be on or off, got ${JSON.stringify(flag)}`);
  if (flag === 'off') return null;
  const dir = str(opts, 'denoise-model') ?? DEFAULT_DENOISER_DIR;
  const model = await loadModel(dir);
  Denoiser.checkCompatible(model, codec);
  return new Denoiser(model);
}

function bitrateTable(codec: Codec): Record<string, number> {
  return codec.model.manifest.quantizer?.bitrates ?? (LYRA_BITRATES as unknown as Record<string, number>);
}

function quantizersFor(codec: Codec, bitrate: number): number {
  const table = bitrateTable(codec);
  const n = table[String(bitrate)];
  if (n === undefined) {
    throw new RangeError(`unsupported bitrate ${bitrate} bps; the model supports ${Object.keys(table).join(', ')}`);
  }
  return n;
}

/** Bits per second of `numQuantizers` indices per frame, e.g. 46 -> 9200 for Lyra v2. */
function bitrateOf(numQuantizers: number, bitsPerIndex: number, frameSize: number, sampleRate: number): number {
  return (packetBytes(numQuantizers, bitsPerIndex) * 8 * sampleRate) / frameSize;
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

// ------------------------------------------------------------------------------ progress

/** A one-line progress bar on stderr; drawn only when enabled (terminal, long input, no --json). */
class Progress {
  private last = 0;
  private drawn = false;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly enabled: boolean,
  ) {}

  tick(done: number): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (done < this.total && now - this.last < 100) return;
    this.last = now;
    const width = 30;
    const fraction = this.total > 0 ? done / this.total : 1;
    const filled = Math.round(fraction * width);
    const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
    process.stderr.write(`\r${this.label} [${bar}] ${Math.floor(fraction * 100)}% (${done}/${this.total} frames)`);
    this.drawn = true;
  }

  finish(): void {
    if (this.drawn) process.stderr.write('\r\x1b[2K');
    this.drawn = false;
  }
}

function progressWanted(ctx: Context, seconds: number): boolean {
  return !ctx.json && process.stderr.isTTY === true && seconds > PROGRESS_MIN_SECONDS;
}

// ------------------------------------------------------------------------------ codec loops

/** 16 kHz audio -> one packet per frame (the tail zero-padded to a whole frame). */
function encodeAudio(codec: Codec, audio: Float32Array, numQuantizers: number, progress: Progress): { packets: Uint8Array[]; ms: number } {
  const { frameSize } = codec;
  const frames = Math.ceil(audio.length / frameSize);
  const padded = new Float32Array(frames * frameSize);
  padded.set(audio);
  const embedding = new Float32Array(codec.embeddingDim);
  const indices = new Int32Array(numQuantizers);
  const packets: Uint8Array[] = [];
  const start = performance.now();
  for (let f = 0; f < frames; f++) {
    codec.encoder.encodeFrame(padded.subarray(f * frameSize, (f + 1) * frameSize), embedding);
    codec.denoiser?.process(embedding, true, embedding);
    codec.quantizer.quantize(embedding, numQuantizers, indices);
    packets.push(packIndices(indices, codec.bitsPerIndex));
    progress.tick(f + 1);
  }
  const ms = performance.now() - start;
  progress.finish();
  return { packets, ms };
}

type InFrame = SstFrame;

interface DecodeResult {
  audio: Float32Array;
  ms: number;
  decoded: number;
  concealed: number;
}

/** Packets (or lost-frame markers) -> 16 kHz audio, one frame each; problems go to `report`. */
function decodeFrames(codec: Codec, frames: InFrame[], progress: Progress, report: (line: string) => void): DecodeResult {
  const { frameSize, embeddingDim } = codec;
  const audio = new Float32Array(frames.length * frameSize);
  const embedding = new Float32Array(embeddingDim);
  const concealer = new Concealer(embeddingDim, silenceEmbedding(codec.model));
  let decoded = 0;
  let concealed = 0;
  const start = performance.now();
  frames.forEach((frame, f) => {
    let reason: string | null = null;
    if ('lost' in frame) {
      reason = frame.reason;
    } else if (frame.numQuantizers > codec.quantizer.numQuantizers) {
      reason = `${frame.numQuantizers} quantizers but the model has ${codec.quantizer.numQuantizers}`;
    }
    let samples: Float32Array;
    if (reason === null && !('lost' in frame)) {
      const indices = unpackIndices(frame.packet, frame.numQuantizers, codec.bitsPerIndex);
      codec.quantizer.dequantize(indices, frame.numQuantizers, embedding);
      codec.denoiser?.process(embedding, true, embedding);
      samples = codec.decoder.decodeFrame(embedding);
      concealer.observe(embedding, samples);
      decoded++;
    } else {
      samples = codec.decoder.decodeFrame(concealer.conceal(embedding));
      report(`frame ${frame.index}: ${reason}; concealed`);
      concealed++;
    }
    audio.set(samples, f * frameSize);
    progress.tick(f + 1);
  });
  const ms = performance.now() - start;
  progress.finish();
  return { audio, ms, decoded, concealed };
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function fitLength(x: Float32Array, length: number): Float32Array {
  if (x.length === length) return x;
  const out = new Float32Array(length);
  out.set(x.subarray(0, Math.min(length, x.length)));
  return out;
}

function readWav(path: string, bytes: Uint8Array) {
  try {
    return decodeWav(bytes);
  } catch (err) {
    if (err instanceof WavFormatError) throw new WavFormatError(`${path}: ${err.message}`);
    throw err;
  }
}

const fmtSeconds = (s: number) => `${s.toFixed(2)} s`;
const fmtMs = (ms: number) => `${ms.toFixed(0)} ms`;
const round = (x: number, digits = 3) => Number(x.toFixed(digits));

// ------------------------------------------------------------------------------ commands

async function buildModelFiles(files: { encoder: Uint8Array; quantizer: Uint8Array; decoder: Uint8Array }) {
  const { manifest, blob } = await importLyraV2(files);
  const manifestText = JSON.stringify(manifest, null, 2) + '\n';
  // Check the result loads exactly as `--model` will load it before anything is written.
  const model = await loadModelFromBytes(manifestText, blob, 'imported model');
  new Encoder(model);
  new Decoder(model);
  new Quantizer(model);
  return { manifest, blob, manifestText };
}

async function writeModelDir(out: string, manifest: Manifest, blob: Uint8Array, manifestText: string): Promise<void> {
  const files: Record<string, Uint8Array> = {
    'manifest.json': new TextEncoder().encode(manifestText),
    [manifest.blob.file]: blob,
  };
  try {
    await writeDirAtomic(out, files, ['manifest.json', 'model.bin', manifest.blob.file]);
  } catch (err) {
    if (err instanceof OutputDirError) throw new CliError(err.message);
    throw new CliError(`cannot write ${out}: ${errnoText(err)}`);
  }
}

function reportImport(ctx: Context, source: string, out: string, manifest: Manifest, extra: Record<string, unknown> = {}): void {
  const written = ['manifest.json', manifest.blob.file].map((f) => join(out, f));
  if (ctx.json) {
    ctx.out(JSON.stringify({
      model: manifest.model, source, out, files: written, tensors: manifest.tensors.length,
      bytes: manifest.blob.byteLength, sha256: manifest.blob.sha256, ...extra,
    }));
    return;
  }
  ctx.out(`imported ${manifest.model} from ${source}`);
  ctx.out(`  tensors: ${manifest.tensors.length}`);
  ctx.out(`  bytes:   ${manifest.blob.byteLength} (${manifest.blob.file})`);
  ctx.out(`  sha256:  ${manifest.blob.sha256}`);
  ctx.out(`wrote ${written.join(' and ')}`);
}

async function sameDir(a: string, b: string): Promise<boolean> {
  if (resolve(a) === resolve(b)) return true;
  try {
    const [x, y] = await Promise.all([stat(a), stat(b)]);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

async function cmdImportTflite([dir]: string[], opts: OptionValues, ctx: Context): Promise<void> {
  const out = str(opts, 'out') ?? DEFAULT_MODEL_DIR;
  if (await sameDir(dir, out)) throw new CliError(`refusing to write the model into the input folder ${dir}; choose another --out`);
  const [encoder, quantizer, decoder] = await Promise.all(LYRA_V2_FILES.map((f) => readInput(join(dir, f), 'model file')));
  const { manifest, blob, manifestText } = await buildModelFiles({ encoder, quantizer, decoder });
  await writeModelDir(out, manifest, blob, manifestText);
  reportImport(ctx, dir, out, manifest);
}

async function download(url: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    throw new CliError(`cannot download ${url}: ${cause ?? (err as Error).message}`);
  }
  if (!res.ok) throw new CliError(`cannot download ${url}: HTTP ${res.status} ${res.statusText}`.trimEnd());
  return new Uint8Array(await res.arrayBuffer());
}

async function cmdFetchWeights([name]: string[], opts: OptionValues, ctx: Context): Promise<void> {
  if (name !== 'lyra-v2') throw new UsageError(`fetch-weights: unknown model ${JSON.stringify(name)}; available: lyra-v2`);
  const from = str(opts, 'from') ?? LYRA_V2_URL_PREFIX;
  const out = str(opts, 'out') ?? DEFAULT_MODEL_DIR;
  const isUrl = /^https?:\/\//i.test(from);
  if (!isUrl && (await sameDir(from, out))) throw new CliError(`refusing to write the model into the source folder ${from}; choose another --out`);
  const prefix = isUrl && !from.endsWith('/') ? from + '/' : from;
  const got: Uint8Array[] = [];
  for (const file of LYRA_V2_FILES) {
    const where = isUrl ? prefix + file : join(from, file);
    const bytes = isUrl ? await download(where) : await readInput(where, 'model file');
    const actual = createHash('sha256').update(bytes).digest('hex');
    const expected = LYRA_V2_SHA256[file];
    if (actual !== expected) {
      throw new CliError(`${file}: sha256 mismatch (expected ${expected}, got ${actual}) from ${where}; nothing written`);
    }
    got.push(bytes);
  }
  const { manifest, blob, manifestText } = await buildModelFiles({ encoder: got[0], quantizer: got[1], decoder: got[2] });
  await writeModelDir(out, manifest, blob, manifestText);
  reportImport(ctx, from, out, manifest, { verified: Object.fromEntries(LYRA_V2_FILES.map((f) => [f, LYRA_V2_SHA256[f]])) });
}

async function cmdEncode([input, output]: string[], opts: OptionValues, ctx: Context): Promise<void> {
  const format = formatOpt(opts) ?? 'sst';
  const bitrate = positiveInt(opts, 'bitrate') ?? DEFAULT_BITRATE;
  await refuseSameFile(input, output);
  const wav = readWav(input, await readInput(input));
  const codec = await openCodec(opts);
  const numQuantizers = quantizersFor(codec, bitrate);
  const audio = resample(wav.samples, wav.sampleRate, codec.sampleRate);
  const seconds = wav.frames / wav.sampleRate;
  const progress = new Progress('encoding', Math.ceil(audio.length / codec.frameSize), progressWanted(ctx, seconds));
  const { packets, ms } = encodeAudio(codec, audio, numQuantizers, progress);
  let bytes: Uint8Array;
  if (format === 'sst') {
    const header: SstHeader = {
      modelId: codec.model.manifest.model,
      modelSha256Prefix: codec.shaPrefix,
      sampleRate: codec.sampleRate,
      frameSize: codec.frameSize,
      bitsPerIndex: codec.bitsPerIndex,
      inputSampleRate: wav.sampleRate,
      frameCount: packets.length,
    };
    bytes = encodeSst(header, packets.map((packet) => ({ numQuantizers, packet })));
  } else {
    bytes = concatBytes(packets);
  }
  await writeOutput(output, bytes);
  const packetSize = packetBytes(numQuantizers, codec.bitsPerIndex);
  const figures = {
    command: 'encode', input, output, format, bitrate, numQuantizers, packetBytes: packetSize,
    frames: packets.length, inputSampleRate: wav.sampleRate, inputChannels: wav.channels,
    inputDurationSeconds: round(seconds, 4), outputBytes: bytes.length, encodeMs: round(ms, 1),
    realTimeFactor: round(seconds > 0 ? ms / 1000 / seconds : 0, 4),
  };
  if (ctx.json) return ctx.out(JSON.stringify(figures));
  ctx.out(`encoded ${input} (${fmtSeconds(seconds)}, ${wav.sampleRate} Hz, ${wav.channels} ch) -> ${output}`);
  ctx.out(`  ${format}, ${bitrate} bps: ${packets.length} frames of ${numQuantizers} quantizers (${packetSize}-byte packets), ${bytes.length} bytes`);
  ctx.out(`  encode ${fmtMs(ms)}, real-time factor ${figures.realTimeFactor}`);
}

async function cmdDecode([input, output]: string[], opts: OptionValues, ctx: Context): Promise<void> {
  const forced = formatOpt(opts);
  const bitrateOpt = positiveInt(opts, 'bitrate');
  const rateOpt = positiveInt(opts, 'rate');
  await refuseSameFile(input, output);
  const bytes = await readInput(input);
  const format = forced ?? (looksLikeSst(bytes) ? 'sst' : 'lyra');
  if (forced === undefined && format === 'lyra' && bytes.length >= 12 && String.fromCharCode(...bytes.subarray(0, 4)) === 'RIFF') {
    throw new CliError(`${input} is a WAV file, not an encoded stream (use encode or roundtrip)`);
  }
  let header: SstHeader | null = null;
  let frames: InFrame[];
  let problems: string[] = [];
  let bitrate: number | null = null;
  if (format === 'sst') {
    let parsed: ReturnType<typeof decodeSst>;
    try {
      parsed = decodeSst(bytes);
    } catch (err) {
      throw Object.assign(err as Error, { message: `${input}: ${(err as Error).message}` });
    }
    header = parsed.header;
    frames = parsed.frames;
    problems = parsed.problems;
    if (bitrateOpt !== undefined) ctx.warn('warning: --bitrate is ignored for .sst input (each frame records its own)');
  } else {
    bitrate = bitrateOpt ?? DEFAULT_BITRATE;
    frames = []; // filled once the model gives the packet size
  }
  const codec = await openCodec(opts);
  if (header !== null) {
    if (header.sampleRate !== codec.sampleRate || header.frameSize !== codec.frameSize || header.bitsPerIndex !== codec.bitsPerIndex) {
      throw new ModelError(
        `${input} was encoded at ${header.sampleRate} Hz, ${header.frameSize}-sample frames, ${header.bitsPerIndex}-bit indices; ` +
          `the model at ${codec.dir} uses ${codec.sampleRate} Hz, ${codec.frameSize}, ${codec.bitsPerIndex}`,
      );
    }
    const fileSha = bytesToHex(header.modelSha256Prefix);
    const modelSha = bytesToHex(codec.shaPrefix);
    if (fileSha !== modelSha || header.modelId !== codec.model.manifest.model) {
      ctx.warn(
        `warning: ${input} was encoded with model ${header.modelId} (sha256 ${fileSha}...) but the loaded model is ` +
          `${codec.model.manifest.model} (sha256 ${modelSha}...); the output may be garbage`,
      );
    }
  } else {
    const numQuantizers = quantizersFor(codec, bitrate!);
    const size = packetBytes(numQuantizers, codec.bitsPerIndex);
    const count = Math.floor(bytes.length / size);
    for (let i = 0; i < count; i++) frames.push({ index: i, numQuantizers, packet: bytes.subarray(i * size, (i + 1) * size) });
    const trailing = bytes.length - count * size;
    if (trailing > 0) problems.push(`${trailing} trailing bytes do not make a whole ${size}-byte packet (${bitrate} bps); ignored`);
  }

  const inputRate = header?.inputSampleRate ?? codec.sampleRate;
  const outRate = rateOpt ?? inputRate;
  const seconds = (frames.length * codec.frameSize) / codec.sampleRate;
  const progress = new Progress('decoding', frames.length, progressWanted(ctx, seconds));
  const frameLines: string[] = [];
  const result = decodeFrames(codec, frames, progress, (line) => {
    frameLines.push(line);
    ctx.warn(line);
  });
  // Checksum mismatches were just reported frame by frame; the rest (truncation, counts) here.
  const otherProblems = problems.filter((p) => !/checksum mismatch; frame marked lost$/.test(p));
  for (const p of otherProblems) ctx.warn(`warning: ${p}`);
  if (result.decoded === 0 && (problems.length > 0 || frames.length > 0 || bytes.length > 0)) {
    throw new CliError(`${input}: no frame could be decoded${problems.length > 0 ? ` (${problems[0]})` : ''}`);
  }
  const out = resample(result.audio, codec.sampleRate, outRate);
  const wavBytes = encodeWav(out, outRate, { bitsPerSample: 16 });
  await writeOutput(output, wavBytes);

  const usage = new Map<number, number>();
  for (const f of frames) if (!('lost' in f)) usage.set(f.numQuantizers, (usage.get(f.numQuantizers) ?? 0) + 1);
  const bitrates = Object.fromEntries(
    [...usage].map(([nq, n]) => [String(bitrateOf(nq, codec.bitsPerIndex, codec.frameSize, codec.sampleRate)), n]),
  );
  const outSeconds = out.length / outRate;
  const figures = {
    command: 'decode', input, output, format, frames: frames.length, decodedFrames: result.decoded,
    concealedFrames: result.concealed, bitrates, problems: [...frameLines, ...otherProblems],
    outputSampleRate: outRate, durationSeconds: round(outSeconds, 4), outputBytes: wavBytes.length,
    decodeMs: round(result.ms, 1), realTimeFactor: round(seconds > 0 ? result.ms / 1000 / seconds : 0, 4),
  };
  if (ctx.json) return ctx.out(JSON.stringify(figures));
  const rates = Object.entries(bitrates).map(([bps, n]) => `${bps} bps x ${n}`).join(', ') || 'none';
  ctx.out(`decoded ${input} (${format}) -> ${output}`);
  ctx.out(`  ${frames.length} frames (${result.decoded} decoded, ${result.concealed} concealed); bitrates: ${rates}`);
  ctx.out(`  ${fmtSeconds(outSeconds)} at ${outRate} Hz, 16-bit; decode ${fmtMs(result.ms)}, real-time factor ${figures.realTimeFactor}`);
}

/** SNR of `test` against `ref` in dB (over the common length). */
function snrDb(ref: Float32Array, test: Float32Array, lag = 0): number {
  let signal = 0;
  let noise = 0;
  for (let i = 0; i < ref.length; i++) {
    const j = i + lag;
    const y = j >= 0 && j < test.length ? test[j] : 0;
    signal += ref[i] * ref[i];
    noise += (ref[i] - y) * (ref[i] - y);
  }
  if (signal === 0) return noise === 0 ? Infinity : -Infinity;
  return noise === 0 ? Infinity : 10 * Math.log10(signal / noise);
}

/** The codec's delay (output lags input), by cross-correlation over the first 10 s, lags 0..maxLag. */
function bestLag(ref: Float32Array, test: Float32Array, maxLag: number, sampleRate: number): number {
  const n = Math.min(ref.length, 10 * sampleRate);
  let best = 0;
  let bestScore = -Infinity;
  for (let lag = 0; lag <= maxLag; lag++) {
    let s = 0;
    for (let i = 0; i < n && i + lag < test.length; i++) s += ref[i] * test[i + lag];
    if (s > bestScore) {
      bestScore = s;
      best = lag;
    }
  }
  return best;
}

async function cmdRoundtrip([input, output]: string[], opts: OptionValues, ctx: Context): Promise<void> {
  const bitrate = positiveInt(opts, 'bitrate') ?? DEFAULT_BITRATE;
  await refuseSameFile(input, output);
  const wav = readWav(input, await readInput(input));
  const codec = await openCodec(opts);
  const numQuantizers = quantizersFor(codec, bitrate);
  const audio = resample(wav.samples, wav.sampleRate, codec.sampleRate);
  const seconds = wav.frames / wav.sampleRate;
  const show = progressWanted(ctx, seconds);
  const frameCount = Math.ceil(audio.length / codec.frameSize);
  const enc = encodeAudio(codec, audio, numQuantizers, new Progress('encoding', frameCount, show));
  const frames: InFrame[] = enc.packets.map((packet, index) => ({ index, numQuantizers, packet }));
  const dec = decodeFrames(codec, frames, new Progress('decoding', frameCount, show), (line) => ctx.warn(line));
  const decoded16 = dec.audio.subarray(0, audio.length);
  const out = fitLength(resample(decoded16, codec.sampleRate, wav.sampleRate), wav.frames);
  const wavBytes = encodeWav(out, wav.sampleRate, { bitsPerSample: 16 });
  await writeOutput(output, wavBytes);

  const snr = snrDb(audio, decoded16);
  const lag = bestLag(audio, decoded16, 4 * codec.frameSize, codec.sampleRate);
  const snrAligned = snrDb(audio.subarray(0, Math.max(0, audio.length - lag)), decoded16, lag);
  const packetSize = packetBytes(numQuantizers, codec.bitsPerIndex);
  const rtf = (ms: number) => round(seconds > 0 ? ms / 1000 / seconds : 0, 4);
  const finite = (x: number) => (Number.isFinite(x) ? round(x, 2) : null);
  const figures = {
    command: 'roundtrip', input, output, inputDurationSeconds: round(seconds, 4), inputSampleRate: wav.sampleRate,
    bitrate, numQuantizers, frames: enc.packets.length, packetBytes: packetSize, totalPacketBytes: packetSize * enc.packets.length,
    encodeMs: round(enc.ms, 1), decodeMs: round(dec.ms, 1), encodeRtf: rtf(enc.ms), decodeRtf: rtf(dec.ms),
    snrDb: finite(snr), delaySamples: lag, snrAlignedDb: finite(snrAligned),
  };
  if (ctx.json) return ctx.out(JSON.stringify(figures));
  ctx.out(`roundtrip ${input} -> ${output}`);
  ctx.out(`  input:     ${fmtSeconds(seconds)} at ${wav.sampleRate} Hz (${wav.channels} ch), ${enc.packets.length} frames`);
  ctx.out(`  bitrate:   ${bitrate} bps, ${numQuantizers} quantizers, ${packetSize}-byte packets, ${figures.totalPacketBytes} bytes in all`);
  ctx.out(`  encode:    ${fmtMs(enc.ms)}, real-time factor ${figures.encodeRtf}`);
  ctx.out(`  decode:    ${fmtMs(dec.ms)}, real-time factor ${figures.decodeRtf}`);
  ctx.out(
    `  SNR vs 16 kHz input: ${figures.snrDb ?? snr} dB; ${figures.snrAlignedDb ?? snrAligned} dB after ` +
      `${lag}-sample delay alignment (informational: a generative codec does not preserve the waveform)`,
  );
}

async function cmdInfo([file]: string[], _opts: OptionValues, ctx: Context): Promise<void> {
  const bytes = await readInput(file);
  if (looksLikeSst(bytes)) return infoSst(file, bytes, ctx);
  let d: ReturnType<typeof describeWav>;
  try {
    d = describeWav(bytes);
  } catch (err) {
    if (err instanceof WavFormatError && err.message.startsWith('not a WAV file')) {
      throw new WavFormatError(`${file}: neither a WAV nor an .sst file (${err.message}); raw Lyra streams carry no header to describe`);
    }
    if (err instanceof WavFormatError) throw new WavFormatError(`${file}: ${err.message}`);
    throw err;
  }
  if (ctx.json) {
    return ctx.out(JSON.stringify({ type: 'wav', file, bytes: bytes.length, ...d, durationSeconds: round(d.durationSeconds, 4) }));
  }
  ctx.out(`${file}: WAV, ${bytes.length} bytes`);
  ctx.out(`  format:    ${d.format === 'pcm' ? 'PCM' : 'IEEE float'} ${d.bitsPerSample}-bit`);
  ctx.out(`  rate:      ${d.sampleRate} Hz`);
  ctx.out(`  channels:  ${d.channels}`);
  ctx.out(`  frames:    ${d.frames}`);
  ctx.out(`  duration:  ${fmtSeconds(d.durationSeconds)}`);
}

function infoSst(file: string, bytes: Uint8Array, ctx: Context): void {
  let parsed: ReturnType<typeof decodeSst>;
  try {
    parsed = decodeSst(bytes);
  } catch (err) {
    throw Object.assign(err as Error, { message: `${file}: ${(err as Error).message}` });
  }
  const { header: h, frames, problems } = parsed;
  const lost = frames.filter((f) => 'lost' in f).length;
  const usage = new Map<number, number>();
  for (const f of frames) if (!('lost' in f)) usage.set(f.numQuantizers, (usage.get(f.numQuantizers) ?? 0) + 1);
  const lyraRates = Object.entries(LYRA_BITRATES) as [string, number][];
  const bitrates = [...usage].sort((a, b) => a[0] - b[0]).map(([nq, count]) => ({
    numQuantizers: nq,
    bitrate: h.frameSize > 0 ? bitrateOf(nq, h.bitsPerIndex, h.frameSize, h.sampleRate) : null,
    lyra: lyraRates.some(([, q]) => q === nq),
    frames: count,
  }));
  const duration = h.sampleRate > 0 ? (frames.length * h.frameSize) / h.sampleRate : 0;
  const sha = bytesToHex(h.modelSha256Prefix);
  if (ctx.json) {
    return ctx.out(JSON.stringify({
      type: 'sst', file, bytes: bytes.length, version: 1, modelId: h.modelId, modelSha256Prefix: sha,
      sampleRate: h.sampleRate, frameSize: h.frameSize, bitsPerIndex: h.bitsPerIndex, inputSampleRate: h.inputSampleRate,
      headerFrameCount: h.frameCount, frames: frames.length, lostFrames: lost, bitrates,
      durationSeconds: round(duration, 4), problems,
    }));
  }
  ctx.out(`${file}: .sst, ${bytes.length} bytes`);
  ctx.out(`  model:       ${h.modelId} (weights sha256 ${sha}...)`);
  ctx.out(`  codec:       ${h.sampleRate} Hz, ${h.frameSize}-sample frames, ${h.bitsPerIndex} bits per index`);
  ctx.out(`  input rate:  ${h.inputSampleRate} Hz`);
  ctx.out(`  frames:      ${frames.length} read (header: ${h.frameCount ?? 'unknown'}), ${lost} lost`);
  const rates = bitrates.map((b) => `${b.bitrate} bps (${b.numQuantizers} quantizers) x ${b.frames}`).join(', ');
  ctx.out(`  bitrates:    ${rates || 'none'}`);
  ctx.out(`  duration:    ${fmtSeconds(duration)}`);
  ctx.out(`  problems:    ${problems.length === 0 ? 'none' : problems.length}`);
  for (const p of problems) ctx.out(`    ${p}`);
}

// ------------------------------------------------------------------------------ eval (metrics)

async function cmdEval([refPath, degPath]: string[], opts: OptionValues, ctx: Context): Promise<void> {
  const [refBytes, degBytes] = await Promise.all([readInput(refPath, 'reference file'), readInput(degPath, 'degraded file')]);
  const ref = readWav(refPath, refBytes);
  const deg = readWav(degPath, degBytes);
  const align = opts.get('align') === true;
  const e = evaluate(ref, deg, { align });
  const rate = e.sampleRate;
  const figures = {
    command: 'eval', reference: refPath, degraded: degPath, sampleRate: rate,
    referenceSeconds: round(ref.frames / ref.sampleRate, 4), degradedSeconds: round(deg.frames / deg.sampleRate, 4),
    degradedSampleRate: deg.sampleRate, resampled: e.resampled, lagSamples: e.lagSamples,
    comparedSeconds: round(e.comparedSamples / rate, 4), stoi: round(e.stoi, 4), logMelDistanceDb: round(e.logMelDistanceDb, 3),
  };
  if (ctx.json) return ctx.out(JSON.stringify(figures));
  ctx.out(`eval ${degPath} against ${refPath}`);
  ctx.out(`  reference: ${fmtSeconds(ref.frames / ref.sampleRate)} at ${ref.sampleRate} Hz`);
  ctx.out(`  degraded:  ${fmtSeconds(deg.frames / deg.sampleRate)} at ${deg.sampleRate} Hz${e.resampled ? ` (resampled to ${rate} Hz)` : ''}`);
  if (e.lagSamples !== null) ctx.out(`  aligned:   degraded shifted by ${e.lagSamples} samples (${((1000 * e.lagSamples) / rate).toFixed(2)} ms)`);
  ctx.out(`  compared:  ${fmtSeconds(e.comparedSamples / rate)}`);
  ctx.out(`  STOI:      ${e.stoi.toFixed(4)}`);
  ctx.out(`  log-mel distance: ${e.logMelDistanceDb.toFixed(3)} dB`);
}

// ------------------------------------------------------------------------------ main

const JSON_FLAG = ['json'];
const COMMANDS: Record<string, CommandSpec> = {
  'import-tflite': { positionals: ['dir'], valued: ['out'], flags: JSON_FLAG, run: cmdImportTflite },
  'fetch-weights': { positionals: ['model'], valued: ['from', 'out'], flags: JSON_FLAG, run: cmdFetchWeights },
  encode: { positionals: ['in.wav', 'out'], valued: ['bitrate', 'format', 'model', 'denoise', 'denoise-model', 'precision'], flags: JSON_FLAG, run: cmdEncode },
  decode: { positionals: ['in', 'out.wav'], valued: ['format', 'bitrate', 'rate', 'model', 'denoise', 'denoise-model', 'precision'], flags: JSON_FLAG, run: cmdDecode },
  roundtrip: { positionals: ['in.wav', 'out.wav'], valued: ['bitrate', 'model', 'denoise', 'denoise-model', 'precision'], flags: JSON_FLAG, run: cmdRoundtrip },
  info: { positionals: ['file'], valued: [], flags: JSON_FLAG, run: cmdInfo },
  eval: { positionals: ['ref.wav', 'deg.wav'], valued: [], flags: [...JSON_FLAG, 'align'], run: cmdEval },
};

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** Runs the CLI on `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const ctx: Context = {
    json: false,
    out: (text) => void process.stdout.write(text + '\n'),
    warn: (text) => void process.stderr.write(text + '\n'),
  };
  if (argv.length === 0 || argv.some((a) => a === '--help' || a === '-h') || argv[0] === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const [command, ...rest] = argv;
  try {
    const spec = COMMANDS[command];
    if (!spec) throw new UsageError(`unknown command ${JSON.stringify(command)}; commands: ${Object.keys(COMMANDS).join(', ')}`);
    const { pos, opts } = parseArgs(rest, spec, command);
    ctx.json = opts.get('json') === true;
    await spec.run(pos, opts, ctx);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      ctx.warn(`soundstream: ${oneLine(err.message)}`);
      ctx.warn("run 'soundstream --help' for usage");
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    ctx.warn(`soundstream: error: ${oneLine(message)}`);
    if (process.env.SOUNDSTREAM_DEBUG && err instanceof Error && err.stack) ctx.warn(err.stack);
    return 1;
  }
}

// Entry point: bin/soundstream.mjs imports this bundle, which runs at once. The exit code is
// set rather than forced so that stdout is flushed first when it is a pipe.
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});

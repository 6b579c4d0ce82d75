// soundstream decode <in> <out.wav> [--format sst|lyra] [--bitrate N] [--rate <Hz>] [--model <dir>]

import { resample } from '../audio/resample.js';
import { encodeWav } from '../audio/wav.js';
import { indexBitrate } from '../codec/bitrates.js';
import { splitLyraStream } from '../codec/lyra-packet.js';
import { decodeSst, looksLikeSst, type SstFrame, type SstHeader } from '../codec/sst.js';
import { ModelError } from '../model/load.js';
import { bytesToHex } from '../util/hex.js';
import { formatOpt, positiveInt, type Context, type OptionValues } from './args.js';
import { decodeFrames, openCodec } from './codec.js';
import { fmtMs, fmtSeconds, round } from './format.js';
import { CliError, readInput, refuseSameFile, writeOutput } from './files.js';
import { Progress, progressWanted } from './progress.js';
import { DEFAULT_BITRATE } from './usage.js';

export async function cmdDecode([input, output]: string[], opts: OptionValues, ctx: Context): Promise<void> {
  const forced = formatOpt(opts);
  const bitrateOpt = positiveInt(opts, 'bitrate');
  const rateOpt = positiveInt(opts, 'rate');
  await refuseSameFile(input, output, opts.get('force') === true);
  const bytes = await readInput(input);
  if (bytes.length === 0) throw new CliError(`${input} is empty: not an encoded stream; nothing written`);
  const format = forced ?? (looksLikeSst(bytes) ? 'sst' : 'lyra');
  if (
    forced === undefined &&
    format === 'lyra' &&
    bytes.length >= 12 &&
    String.fromCharCode(...bytes.subarray(0, 4)) === 'RIFF'
  ) {
    throw new CliError(`${input} is a WAV file, not an encoded stream (use encode or roundtrip)`);
  }
  let header: SstHeader | null = null;
  let frames: SstFrame[];
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
    frames = []; // split once the model gives the packet size
  }
  const codec = await openCodec(opts);
  if (header !== null) {
    if (
      header.sampleRate !== codec.sampleRate ||
      header.frameSize !== codec.frameSize ||
      header.bitsPerIndex !== codec.bitsPerIndex
    ) {
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
    const numQuantizers = codec.bitrates.quantizersFor(bitrate!);
    const {
      packets,
      packetBytes: size,
      trailingBytes: trailing,
    } = splitLyraStream(bytes, numQuantizers, codec.bitsPerIndex);
    frames = packets.map((packet, index) => ({ index, numQuantizers, packet }));
    if (trailing > 0 && forced === undefined && bitrateOpt === undefined) {
      // Guessed raw Lyra at the default bitrate, and it does not even fit: most likely not a stream at all.
      throw new CliError(
        `${input} is not an .sst file, and its ${bytes.length} bytes are not a whole number of ${size}-byte Lyra packets ` +
          `(${bitrate} bps); nothing written. To decode it as raw packets anyway, pass --format lyra and --bitrate`,
      );
    }
    if (trailing > 0)
      problems.push(`${trailing} trailing bytes do not make a whole ${size}-byte packet (${bitrate} bps); ignored`);
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
  if (result.decoded + result.comfortNoise === 0 && (problems.length > 0 || frames.length > 0 || bytes.length > 0)) {
    throw new CliError(`${input}: no frame could be decoded${problems.length > 0 ? ` (${problems[0]})` : ''}`);
  }
  const out = resample(result.audio, codec.sampleRate, outRate);
  const wavBytes = encodeWav(out, outRate, { bitsPerSample: 16 });
  await writeOutput(output, wavBytes, opts.get('force') === true);

  const usage = new Map<number, number>();
  for (const f of frames) if ('packet' in f) usage.set(f.numQuantizers, (usage.get(f.numQuantizers) ?? 0) + 1);
  const bitrates = Object.fromEntries(
    [...usage].map(([nq, n]) => [
      String(codec.bitrates.bitrateOf(nq) ?? indexBitrate(nq, codec.bitsPerIndex, codec.frameSize, codec.sampleRate)),
      n,
    ]),
  );
  const outSeconds = out.length / outRate;
  const figures = {
    command: 'decode',
    input,
    output,
    format,
    frames: frames.length,
    decodedFrames: result.decoded,
    concealedFrames: result.concealed,
    recoveredFrames: result.recovered,
    comfortNoiseFrames: result.comfortNoise,
    bitrates,
    problems: [...frameLines, ...otherProblems],
    outputSampleRate: outRate,
    durationSeconds: round(outSeconds, 4),
    outputBytes: wavBytes.length,
    decodeMs: round(result.ms, 1),
    realTimeFactor: round(seconds > 0 ? result.ms / 1000 / seconds : 0, 4),
  };
  if (ctx.json) return ctx.out(JSON.stringify(figures));
  const rates =
    Object.entries(bitrates)
      .map(([bps, n]) => `${bps} bps x ${n}`)
      .join(', ') || 'none';
  ctx.out(`decoded ${input} (${format}) -> ${output}`);
  const recovered = result.recovered > 0 ? `, ${result.recovered} from redundancy` : '';
  const comfort = result.comfortNoise > 0 ? `, ${result.comfortNoise} comfort noise` : '';
  ctx.out(
    `  ${frames.length} frames (${result.decoded} decoded, ${result.concealed} concealed${recovered}${comfort}); bitrates: ${rates}`,
  );
  ctx.out(
    `  ${fmtSeconds(outSeconds)} at ${outRate} Hz, 16-bit; decode ${fmtMs(result.ms)}, real-time factor ${figures.realTimeFactor}`,
  );
}

// soundstream encode <in.wav> <out> [--bitrate N | --quantizers N] [--redundancy N] [--dtx] [--format sst|lyra] [--model <dir>]

import { packetBytes } from '../codec/lyra-packet.js';
import { encodeSst, type SstHeader } from '../codec/sst.js';
import { concatBytes } from '../util/concat.js';
import { formatOpt, UsageError, type Context, type OptionValues } from './args.js';
import { dtxFigures, dtxLine, encodeAudio, openEncodeInput } from './codec.js';
import { fmtMs, fmtSeconds, round } from './format.js';
import { writeOutput } from './files.js';
import { Progress, progressWanted } from './progress.js';

export async function cmdEncode([input, output]: string[], opts: OptionValues, ctx: Context): Promise<void> {
  const format = formatOpt(opts) ?? 'sst';
  const { wav, codec, rate, audio, seconds } = await openEncodeInput(input, output, opts);
  const { numQuantizers, bitrate } = rate;
  if (format === 'lyra' && !codec.bitrates.isListed(numQuantizers))
    throw new UsageError(
      `--format lyra carries only the Lyra rates (${codec.bitrates.bitrates.join(', ')} bps), not ${bitrate} bps (${numQuantizers} quantizers); use --format sst`,
    );
  if (format === 'lyra' && rate.redundantQuantizers > 0)
    throw new UsageError('--format lyra cannot carry --redundancy; use --format sst');
  if (format === 'lyra' && rate.dtx)
    throw new UsageError(
      '--format lyra cannot carry --dtx (raw Lyra packets have no comfort-noise updates or gaps); use --format sst',
    );
  const progress = new Progress('encoding', Math.ceil(audio.length / codec.frameSize), progressWanted(ctx, seconds));
  const encoded = encodeAudio(codec, audio, rate, progress);
  const { frames: packets, ms } = encoded;
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
    bytes = encodeSst(header, packets);
  } else {
    // --format lyra refuses --dtx above: every frame is speech.
    bytes = concatBytes(packets.map((f) => ('packet' in f ? f.packet : new Uint8Array(0))));
  }
  await writeOutput(output, bytes, opts.get('force') === true);
  const packetSize = packetBytes(numQuantizers, codec.bitsPerIndex);
  const figures = {
    command: 'encode',
    input,
    output,
    format,
    bitrate,
    numQuantizers,
    lyraCompatible: codec.bitrates.isListed(numQuantizers),
    redundantQuantizers: rate.redundantQuantizers,
    packetBytes: packetSize,
    frames: packets.length,
    ...(rate.dtx ? { dtx: dtxFigures(encoded, seconds) } : {}),
    inputSampleRate: wav.sampleRate,
    inputChannels: wav.channels,
    inputDurationSeconds: round(seconds, 4),
    outputBytes: bytes.length,
    encodeMs: round(ms, 1),
    realTimeFactor: round(seconds > 0 ? ms / 1000 / seconds : 0, 4),
  };
  if (ctx.json) return ctx.out(JSON.stringify(figures));
  ctx.out(`encoded ${input} (${fmtSeconds(seconds)}, ${wav.sampleRate} Hz, ${wav.channels} ch) -> ${output}`);
  ctx.out(
    `  ${format}, ${bitrate} bps: ${packets.length} frames of ${numQuantizers} quantizers (${packetSize}-byte packets${rate.redundantQuantizers > 0 ? `, + ${rate.redundantQuantizers} quantizers of the previous frame` : ''}), ${bytes.length} bytes`,
  );
  if (figures.dtx) ctx.out(`  ${dtxLine(figures.dtx)}`);
  ctx.out(`  encode ${fmtMs(ms)}, real-time factor ${figures.realTimeFactor}`);
}

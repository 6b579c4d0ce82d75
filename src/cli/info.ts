// soundstream info <file>: describe an .sst or WAV file.

import { describeWav, WavFormatError } from '../audio/wav.js';
import { indexBitrate, LYRA_TABLE } from '../codec/bitrates.js';
import { decodeSst, looksLikeSst } from '../codec/sst.js';
import { bytesToHex } from '../util/hex.js';
import type { Context, OptionValues } from './args.js';
import { fmtSeconds, round } from './format.js';
import { readInput } from './files.js';

export async function cmdInfo([file]: string[], _opts: OptionValues, ctx: Context): Promise<void> {
  const bytes = await readInput(file);
  if (looksLikeSst(bytes)) return infoSst(file, bytes, ctx);
  let d: ReturnType<typeof describeWav>;
  try {
    d = describeWav(bytes);
  } catch (err) {
    if (err instanceof WavFormatError && err.message.startsWith('not a WAV file')) {
      throw new WavFormatError(
        `${file}: neither a WAV nor an .sst file (${err.message}); raw Lyra streams carry no header to describe`,
      );
    }
    if (err instanceof WavFormatError) throw new WavFormatError(`${file}: ${err.message}`);
    throw err;
  }
  if (ctx.json) {
    ctx.out(
      JSON.stringify({ type: 'wav', file, bytes: bytes.length, ...d, durationSeconds: round(d.durationSeconds, 4) }),
    );
    return;
  }
  ctx.out(`${file}: WAV, ${bytes.length} bytes`);
  ctx.out(`  format:    ${d.format === 'pcm' ? 'PCM' : 'IEEE float'} ${d.bitsPerSample}-bit`);
  ctx.out(`  rate:      ${d.sampleRate} Hz`);
  ctx.out(`  channels:  ${d.channels}`);
  ctx.out(`  frames:    ${d.frames}`);
  ctx.out(`  duration:  ${fmtSeconds(d.durationSeconds)}`);
}

export function infoSst(file: string, bytes: Uint8Array, ctx: Context): void {
  let parsed: ReturnType<typeof decodeSst>;
  try {
    parsed = decodeSst(bytes);
  } catch (err) {
    throw Object.assign(err as Error, { message: `${file}: ${(err as Error).message}` });
  }
  const { header: h, frames, problems } = parsed;
  const lost = frames.filter((f) => 'lost' in f).length;
  const notSent = frames.filter((f) => 'notSent' in f).length;
  const comfortNoise = frames.filter((f) => 'comfortNoise' in f).length;
  const withRedundancy = frames.filter((f) => 'redundancy' in f).length;
  const usage = new Map<number, number>();
  for (const f of frames) if ('packet' in f) usage.set(f.numQuantizers, (usage.get(f.numQuantizers) ?? 0) + 1);
  const bitrates = [...usage]
    .sort((a, b) => a[0] - b[0])
    .map(([nq, count]) => ({
      numQuantizers: nq,
      bitrate: LYRA_TABLE.bitrateOf(nq) ?? indexBitrate(nq, h.bitsPerIndex, h.frameSize, h.sampleRate),
      lyra: LYRA_TABLE.bitrateOf(nq) !== undefined,
      frames: count,
    }));
  const duration = h.sampleRate > 0 ? (frames.length * h.frameSize) / h.sampleRate : 0;
  const sha = bytesToHex(h.modelSha256Prefix);
  if (ctx.json) {
    ctx.out(
      JSON.stringify({
        type: 'sst',
        file,
        bytes: bytes.length,
        version: h.version,
        modelId: h.modelId,
        modelSha256Prefix: sha,
        sampleRate: h.sampleRate,
        frameSize: h.frameSize,
        bitsPerIndex: h.bitsPerIndex,
        inputSampleRate: h.inputSampleRate,
        headerFrameCount: h.frameCount,
        frames: frames.length,
        lostFrames: lost,
        notSentFrames: notSent,
        comfortNoiseFrames: comfortNoise,
        redundantFrames: withRedundancy,
        bitrates,
        durationSeconds: round(duration, 4),
        problems,
      }),
    );
    return;
  }
  ctx.out(`${file}: .sst, ${bytes.length} bytes`);
  ctx.out(`  model:       ${h.modelId} (weights sha256 ${sha}...)`);
  ctx.out(`  codec:       ${h.sampleRate} Hz, ${h.frameSize}-sample frames, ${h.bitsPerIndex} bits per index`);
  ctx.out(`  input rate:  ${h.inputSampleRate} Hz`);
  ctx.out(`  frames:      ${frames.length} read (header: ${h.frameCount ?? 'unknown'}), ${lost} lost`);
  if (notSent + comfortNoise + withRedundancy > 0)
    ctx.out(
      `  kinds:       ${notSent} not sent (DTX), ${comfortNoise} comfort-noise updates, ${withRedundancy} with redundancy`,
    );
  const rates = bitrates.map((b) => `${b.bitrate} bps (${b.numQuantizers} quantizers) x ${b.frames}`).join(', ');
  ctx.out(`  bitrates:    ${rates || 'none'}`);
  ctx.out(`  duration:    ${fmtSeconds(duration)}`);
  ctx.out(`  problems:    ${problems.length === 0 ? 'none' : problems.length}`);
  for (const p of problems) ctx.out(`    ${p}`);
}

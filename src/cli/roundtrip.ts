// soundstream roundtrip <in.wav> <out.wav> [--bitrate N | --quantizers N] [--dtx] [--model <dir>]

import { resample } from '../audio/resample.js';
import { encodeWav } from '../audio/wav.js';
import { packetBytes } from '../codec/lyra-packet.js';
import type { SstFrame } from '../codec/sst.js';
import { evaluate } from '../metrics/evaluate.js';
import type { Context, OptionValues } from './args.js';
import { decodeFrames, dtxFigures, dtxLine, encodeAudio, openEncodeInput } from './codec.js';
import { fmtMs, fmtSeconds, round } from './format.js';
import { writeOutput } from './files.js';
import { Progress, progressWanted } from './progress.js';

/** SNR of `test` against `ref` in dB (over ref's length), `test` read `lag` samples later. */
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

/** The codec's delay is searched within this many frames. */
const MAX_DELAY_FRAMES = 4;

export async function cmdRoundtrip([input, output]: string[], opts: OptionValues, ctx: Context): Promise<void> {
  const { wav, codec, rate, audio, seconds } = await openEncodeInput(input, output, opts);
  const { numQuantizers, bitrate } = rate;
  const show = progressWanted(ctx, seconds);
  const frameCount = Math.ceil(audio.length / codec.frameSize);
  const enc = encodeAudio(codec, audio, rate, new Progress('encoding', frameCount, show));
  const frames: SstFrame[] = enc.frames.map((frame, index) => ({ index, ...frame }));
  const dec = decodeFrames(codec, frames, new Progress('decoding', frameCount, show), (line) => ctx.warn(line));
  const decoded16 = dec.audio.subarray(0, audio.length);
  const out = fitLength(resample(decoded16, codec.sampleRate, wav.sampleRate), wav.frames);
  const wavBytes = encodeWav(out, wav.sampleRate, { bitsPerSample: 16 });
  await writeOutput(output, wavBytes, opts.get('force') === true);

  // Judged at the codec's rate against what it was given, after removing its delay (as eval --align does).
  const quality = evaluate(
    { samples: audio, sampleRate: codec.sampleRate },
    { samples: decoded16, sampleRate: codec.sampleRate },
    { align: true, maxLagSeconds: (MAX_DELAY_FRAMES * codec.frameSize) / codec.sampleRate },
  );
  const lag = quality.lagSamples ?? 0;
  const snr = snrDb(audio, decoded16);
  const snrAligned = snrDb(audio.subarray(0, Math.max(0, audio.length - lag)), decoded16, lag);
  const packetSize = packetBytes(numQuantizers, codec.bitsPerIndex);
  const rtf = (ms: number) => round(seconds > 0 ? ms / 1000 / seconds : 0, 4);
  const finite = (x: number) => (Number.isFinite(x) ? round(x, 2) : null);
  const figures = {
    command: 'roundtrip',
    input,
    output,
    inputDurationSeconds: round(seconds, 4),
    inputSampleRate: wav.sampleRate,
    bitrate,
    numQuantizers,
    frames: enc.frames.length,
    ...(rate.dtx ? { dtx: dtxFigures(enc, seconds), comfortNoiseFrames: dec.comfortNoise } : {}),
    packetBytes: packetSize,
    totalPacketBytes: packetSize * enc.frames.length,
    encodeMs: round(enc.ms, 1),
    decodeMs: round(dec.ms, 1),
    encodeRtf: rtf(enc.ms),
    decodeRtf: rtf(dec.ms),
    snrDb: finite(snr),
    delaySamples: lag,
    snrAlignedDb: finite(snrAligned),
    stoi: round(quality.stoi, 4),
    logMelDistanceDb: round(quality.logMelDistanceDb, 3),
  };
  if (ctx.json) return ctx.out(JSON.stringify(figures));
  ctx.out(`roundtrip ${input} -> ${output}`);
  ctx.out(
    `  input:     ${fmtSeconds(seconds)} at ${wav.sampleRate} Hz (${wav.channels} ch), ${enc.frames.length} frames`,
  );
  ctx.out(
    `  bitrate:   ${bitrate} bps, ${numQuantizers} quantizers, ${packetSize}-byte packets, ${figures.totalPacketBytes} bytes in all`,
  );
  if (figures.dtx) ctx.out(`  ${dtxLine(figures.dtx)}`);
  ctx.out(`  encode:    ${fmtMs(enc.ms)}, real-time factor ${figures.encodeRtf}`);
  ctx.out(`  decode:    ${fmtMs(dec.ms)}, real-time factor ${figures.decodeRtf}`);
  ctx.out(`  quality vs ${codec.sampleRate} Hz input, after ${lag}-sample delay alignment:`);
  ctx.out(`    STOI ${quality.stoi.toFixed(4)}, log-mel distance ${quality.logMelDistanceDb.toFixed(3)} dB`);
  ctx.out(
    `    SNR ${figures.snrAlignedDb ?? snrAligned} dB (${figures.snrDb ?? snr} dB unaligned; informational: a generative ` +
      'codec does not preserve the waveform)',
  );
}

function fitLength(x: Float32Array, length: number): Float32Array {
  if (x.length === length) return x;
  const out = new Float32Array(length);
  out.set(x.subarray(0, Math.min(length, x.length)));
  return out;
}

// soundstream eval <ref.wav> <deg.wav> [--align]: STOI and log-mel distance.

import { evaluate } from '../metrics/evaluate.js';
import type { Context, OptionValues } from './args.js';
import { fmtSeconds, round } from './format.js';
import { readInput, readWav } from './files.js';

export async function cmdEval([refPath, degPath]: string[], opts: OptionValues, ctx: Context): Promise<void> {
  const [refBytes, degBytes] = await Promise.all([
    readInput(refPath, 'reference file'),
    readInput(degPath, 'degraded file'),
  ]);
  const ref = readWav(refPath, refBytes);
  const deg = readWav(degPath, degBytes);
  const align = opts.get('align') === true;
  const e = evaluate(ref, deg, { align });
  const rate = e.sampleRate;
  const figures = {
    command: 'eval',
    reference: refPath,
    degraded: degPath,
    sampleRate: rate,
    referenceSeconds: round(ref.frames / ref.sampleRate, 4),
    degradedSeconds: round(deg.frames / deg.sampleRate, 4),
    degradedSampleRate: deg.sampleRate,
    resampled: e.resampled,
    lagSamples: e.lagSamples,
    comparedSeconds: round(e.comparedSamples / rate, 4),
    stoi: round(e.stoi, 4),
    logMelDistanceDb: round(e.logMelDistanceDb, 3),
  };
  if (ctx.json) return ctx.out(JSON.stringify(figures));
  ctx.out(`eval ${degPath} against ${refPath}`);
  ctx.out(`  reference: ${fmtSeconds(ref.frames / ref.sampleRate)} at ${ref.sampleRate} Hz`);
  ctx.out(
    `  degraded:  ${fmtSeconds(deg.frames / deg.sampleRate)} at ${deg.sampleRate} Hz${e.resampled ? ` (resampled to ${rate} Hz)` : ''}`,
  );
  if (e.lagSamples !== null)
    ctx.out(
      `  aligned:   degraded shifted by ${e.lagSamples} samples (${((1000 * e.lagSamples) / rate).toFixed(2)} ms)`,
    );
  ctx.out(`  compared:  ${fmtSeconds(e.comparedSamples / rate)}`);
  ctx.out(`  STOI:      ${e.stoi.toFixed(4)}`);
  ctx.out(`  log-mel distance: ${e.logMelDistanceDb.toFixed(3)} dB`);
}

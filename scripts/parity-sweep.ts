// Our engine against Google's reference runtime over any audio: encoder, quantizer (16 / 30 / 46
// stages) and decoder, frame by frame and as one call, per file, with the first divergence
// located down to the graph node. Keeps going after a divergence; exits 1 if any file differs.
//
//   npm run parity:sweep -- [files or folders ...] [--hostile] [--jobs N] [--json out.json] [--markdown out.md]
//   npm run parity:sweep -- --summarize a.json b.json ...   (one table over earlier runs' --json)
//
// With no paths: ../shared/train/speech, ../shared/train/noise, ../shared/audio and the hostile
// signals. WAV or FLAC at any rate, mixed to mono, resampled to 16 kHz by our resampler for both
// sides. Decoders are fed the packets of one bitrate per file, in turn 3.2 / 6 / 9.2 kbps.
import { fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { HAVE_SHARED, importedModel, lyraFiles } from '../test/reference/lyra.js';
import {
  allIdentical,
  audioFiles,
  BITRATES,
  describeFirst,
  displayName,
  hostileSignals,
  loadSignal,
  ParitySweep,
  type SweepReport,
  type Tally,
} from '../test/reference/sweep.js';

type Job =
  | { index: number; kind: 'file'; path: string; name: string }
  | { index: number; kind: 'hostile'; name: string };
type Result = { index: number; report?: SweepReport; error?: string; seconds: number };
/** What --json keeps of each input. */
type Entry = Result & { name: string; hostile: boolean };

const SHARED = fileURLToPath(new URL('../../../shared/', import.meta.url));
const DEFAULT_PATHS = ['train/speech', 'train/noise', 'audio'].map((p) => SHARED + p);

if (!HAVE_SHARED) {
  console.error('parity-sweep: ../shared/lyra-v2 is needed (the reference runs those files)');
  process.exit(1);
}
if (process.argv.includes('--worker')) await worker();
else if (process.argv[2] === '--summarize') summarize(process.argv.slice(3));
else await main();

function summarize(files: string[]): void {
  const entries = files.flatMap((f) => JSON.parse(readFileSync(f, 'utf8')) as Entry[]);
  const seconds = entries.reduce((s, e) => s + e.seconds, 0);
  const table = summary(entries, seconds, 'CPU');
  console.log(table);
  process.exit(entries.every((e) => e.report && allIdentical(e.report)) ? 0 : 1);
}

async function worker(): Promise<void> {
  const files = lyraFiles();
  const sweep = await ParitySweep.create(files, await importedModel(files));
  const hostile = new Map(hostileSignals().map((s) => [s.name, s]));
  const send = (message: Result | 'ready') => process.send?.(message);
  // The parent sends jobs one at a time, then 'done'.
  process.on('message', async (job: Job | 'done') => {
    if (job === 'done') {
      sweep.dispose();
      process.disconnect?.();
      return;
    }
    const started = performance.now();
    try {
      const signal = job.kind === 'hostile' ? hostile.get(job.name)! : await loadSignal(job.path, job.name);
      const report = await sweep.run(signal, BITRATES[job.index % BITRATES.length][0]);
      send({ index: job.index, report, seconds: (performance.now() - started) / 1000 } satisfies Result);
    } catch (err) {
      send({
        index: job.index,
        error: (err as Error).stack ?? String(err),
        seconds: (performance.now() - started) / 1000,
      } satisfies Result);
    }
  });
  send('ready');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string) => {
    const at = args.indexOf(name);
    if (at < 0) return undefined;
    const value = args[at + 1];
    if (value === undefined) throw new Error(`${name} needs a value`);
    args.splice(at, 2);
    return value;
  };
  const jobsCount = Number(option('--jobs') ?? availableParallelism());
  const jsonOut = option('--json');
  const markdownOut = option('--markdown');
  const withHostile = args.includes('--hostile') || args.length === 0;
  const paths = args.filter((a) => a !== '--hostile');
  const files = audioFiles(paths.length > 0 || args.includes('--hostile') ? paths : DEFAULT_PATHS);
  const jobs: Job[] = [
    ...files.map((path, index) => ({ index, kind: 'file' as const, path, name: displayName(path, SHARED) })),
    ...(withHostile
      ? hostileSignals().map((s, i) => ({ index: files.length + i, kind: 'hostile' as const, name: s.name }))
      : []),
  ];
  console.error(
    `parity-sweep: ${files.length} files${withHostile ? ' + hostile signals' : ''}, ${jobs.length} inputs, ${jobsCount} workers`,
  );

  const results: Result[] = [];
  const queue = jobs.slice();
  const started = performance.now();
  await Promise.all(
    Array.from(
      { length: Math.max(1, Math.min(jobsCount, jobs.length)) },
      () =>
        new Promise<void>((resolve, reject) => {
          const child = fork(fileURLToPath(import.meta.url), ['--worker'], {
            stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          });
          const next = () => child.send(queue.shift() ?? 'done');
          child.on('message', (message: Result | 'ready') => {
            if (message !== 'ready') {
              results.push(message);
              const job = jobs[message.index];
              const status = message.error
                ? `ERROR ${message.error.split('\n')[0]}`
                : allIdentical(message.report!)
                  ? 'identical'
                  : `DIFFERS ${describeFirst(message.report!)}`;
              console.error(
                `[${results.length}/${jobs.length}] ${job.name}: ${message.report?.frames ?? '?'} frames, ${message.seconds.toFixed(1)} s: ${status}`,
              );
            }
            next();
          });
          child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker exited with code ${code}`))));
        }),
    ),
  );
  results.sort((a, b) => a.index - b.index);
  const entries: Entry[] = results.map((r) => ({
    ...r,
    name: jobs[r.index].name,
    hostile: jobs[r.index].kind === 'hostile',
  }));

  const table = summary(entries, (performance.now() - started) / 1000, 'wall-clock');
  console.log(table);
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify(entries));
  if (markdownOut) writeFileSync(markdownOut, `${table}\n`);
  process.exit(entries.every((e) => e.report && allIdentical(e.report)) ? 0 : 1);
}

function summary(entries: Entry[], seconds: number, clock: string): string {
  const groups = new Map<string, Entry[]>();
  for (const e of entries) {
    const group = e.hostile
      ? 'hostile signals'
      : e.name
          .split('/')
          .slice(0, e.name.startsWith('train/') ? 3 : 1)
          .join('/');
    groups.set(group, [...(groups.get(group) ?? []), e]);
  }
  const percent = (rows: Entry[], pick: (r: SweepReport) => Tally[]) => {
    let values = 0;
    let identical = 0;
    for (const r of rows)
      for (const t of r.report ? pick(r.report) : []) {
        values += t.values;
        identical += t.identical;
      }
    return values === 0 ? '-' : `${((100 * identical) / values).toFixed(identical === values ? 2 : 4)}%`;
  };
  const lines = [
    '| corpus | files | frames | files all identical | encoder (frame / one call) | indices 3.2 / 6 / 9.2 kbps (chain) | indices fed reference embeddings | dequantized | decoder fed reference packets (frame / one call) | decoder fed our packets (frame / one call) |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  const all = [...groups.entries(), ['all', entries] as [string, Entry[]]];
  for (const [group, rows] of all) {
    const frames = rows.reduce((s, r) => s + (r.report?.frames ?? 0), 0);
    const ok = rows.filter((r) => r.report && allIdentical(r.report)).length;
    lines.push(
      `| ${group} | ${rows.length} | ${frames} (${(frames / 50 / 60).toFixed(1)} min) | ${ok} / ${rows.length} | ${percent(rows, (r) => [r.encoder.frameByFrame])} / ${percent(rows, (r) => [r.encoder.oneCall])} | ${BITRATES.map(([b]) => percent(rows, (r) => [r.quantizer[b].chain])).join(' / ')} | ${BITRATES.map(([b]) => percent(rows, (r) => [r.quantizer[b].fedReference])).join(' / ')} | ${percent(rows, (r) => Object.values(r.quantizer).map((q) => q.dequantized))} | ${percent(rows, (r) => [r.decoder.fedReference.frameByFrame])} / ${percent(rows, (r) => [r.decoder.fedReference.oneCall])} | ${percent(rows, (r) => [r.decoder.fedOurs.frameByFrame])} / ${percent(rows, (r) => [r.decoder.fedOurs.oneCall])} |`,
    );
  }
  const failed = entries.filter((e) => !e.report || !allIdentical(e.report));
  lines.push(
    '',
    `${entries.length} inputs in ${(seconds / 60).toFixed(1)} min (${clock}); ${failed.length === 0 ? 'every stage of every input bit-identical to the reference' : `${failed.length} differ:`}`,
  );
  for (const e of failed)
    lines.push(`- ${e.name}: ${e.error ? `error ${e.error.split('\n')[0]}` : describeFirst(e.report!)}`);
  return lines.join('\n');
}

// npm run bench:browser [-- --quick] [-- --rates 1,4,6] [-- --out <file.json>]
//
// Streaming encoder + decoder in headless Chromium, at 1x, 4x and 6x CPU throttling (Chrome
// DevTools' "mid-tier mobile" and "low-end mobile" presets). The Node side imports the Lyra v2
// files in memory, bundles bench/browser-page.ts for the browser with esbuild, and serves the
// page, the weights (manifest.json + model.bin), the 16 kHz samples, and the reference runtime's
// WASM builds from a local HTTP server on 127.0.0.1 (nothing is written into the repository
// except the results). The page runs our engine and, loaded the same way as in Node, Google's
// TFLite Web runtime (non-SIMD and SIMD builds), one 20 ms frame per call on the main thread.
//
// Needs Debian's Chromium (apt-get install -y chromium) and playwright-core (a devDependency).
import { build } from 'esbuild';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';
import type { EngineTiming, PageInfo } from './browser-page.js';
import {
  flag,
  fmt,
  haveShared,
  importInMemory,
  LYRA_FILE_NAMES,
  machineInfo,
  markdownTable,
  option,
  readLyraFiles,
  repoRoot,
  speechFrames,
} from './common.js';
import { tfliteWasmDir } from '../test/reference/runtime.js';
import { TFLITE_WEB_BUILDS } from '../test/reference/tflite-web.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

const args = process.argv.slice(2);
const quick = flag(args, '--quick');
const rates = (option(args, '--rates') ?? (quick ? '1,4' : '1,4,6')).split(',').map(Number);
if (rates.some((r) => !(r >= 1))) throw new Error('--rates: comma-separated throttling rates >= 1');
/** Also run at the rates DevTools' calibration would pick on this machine (off with --no-calibrated, and in --quick). */
const calibrate = !quick && !flag(args, '--no-calibrated');
const outJson =
  option(args, '--out') ??
  (quick
    ? join(repoRoot(), 'dist', 'bench', 'browser-results-quick.json')
    : join(repoRoot(), 'bench', 'browser-results.json'));
/** Timed passes over the file at each rate (a warm-up pass at 1x comes first). */
const passesAt = (rate: number) => (quick ? 1 : rate === 1 ? 3 : 2);
/** Chrome DevTools' CPU calibration targets (Lighthouse BenchmarkIndex): "mid-tier mobile" and "low-tier mobile". */
const DEVTOOLS_TARGETS = { 'mid-tier mobile': 1000, 'low-tier mobile': 264 } as const;
const frameLimit = quick ? 20 : undefined;

if (!haveShared()) {
  console.error('bench:browser: ../shared/lyra-v2 or ../shared/audio/sample1_16kHz.wav is missing.');
  process.exit(2);
}
if (!existsSync(CHROMIUM)) {
  console.error(
    `bench:browser: ${CHROMIUM} is missing. Install Debian's Chromium: apt-get update && apt-get install -y chromium`,
  );
  process.exit(2);
}

const log = (line: string) => process.stdout.write(`${line}\n`);
const machine = machineInfo();
log(`soundstream-ts browser bench${quick ? ' (--quick)' : ''}: ${machine.cpu}, ${machine.date}`);

// ---- what the page gets --------------------------------------------------------------------------

const files = readLyraFiles();
const { manifestText, blob } = await importInMemory(files);
const { samples, frames } = speechFrames(320);
const page = await build({
  entryPoints: [join(repoRoot(), 'bench', 'browser-page.ts')],
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  write: false,
  // src/model/load.ts reads files in Node through a dynamic import the page never reaches.
  external: ['node:*'],
  logLevel: 'warning',
});
const pageJs = page.outputFiles[0].contents;
const html =
  '<!doctype html><meta charset="utf-8"><title>soundstream-ts bench</title><script type="module" src="/page.js"></script>';

const routes = new Map<string, { type: string; body: Uint8Array | string }>([
  ['/', { type: 'text/html; charset=utf-8', body: html }],
  ['/page.js', { type: 'text/javascript', body: pageJs }],
  ['/manifest.json', { type: 'application/json', body: manifestText }],
  ['/model.bin', { type: 'application/octet-stream', body: blob }],
  [
    '/samples.f32',
    { type: 'application/octet-stream', body: new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength) },
  ],
  [`/lyra/${LYRA_FILE_NAMES.encoder}`, { type: 'application/octet-stream', body: files.encoder }],
  [`/lyra/${LYRA_FILE_NAMES.decoder}`, { type: 'application/octet-stream', body: files.decoder }],
]);
for (const b of Object.values(TFLITE_WEB_BUILDS)) {
  routes.set(`/tflite/${b.js}`, { type: 'text/javascript', body: readFileSync(join(tfliteWasmDir(), b.js)) });
  routes.set(`/tflite/${b.wasm}`, { type: 'application/wasm', body: readFileSync(join(tfliteWasmDir(), b.wasm)) });
}

const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  const route = routes.get(new URL(req.url ?? '/', 'http://localhost').pathname);
  // Cross-origin isolation gives the page a 5 µs performance.now() instead of 100 µs.
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  res.setHeader('Cache-Control', 'no-store');
  if (!route) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'Content-Type': route.type }).end(route.body);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

// ---- the browser ---------------------------------------------------------------------------------

interface PageApi {
  ready: Promise<PageInfo>;
  run(o: { passes: number; warmup: number; frames?: number }): Promise<Record<string, EngineTiming>>;
  benchmarkIndex(durationMs?: number): number;
}
interface RateResult {
  rate: number;
  /** Why this rate: "preset" (asked for) or the DevTools calibrated preset it stands for. */
  label: string;
  /** Lighthouse BenchmarkIndex of the page at this rate (median of 5 runs of 250 ms). */
  benchmarkIndex: number;
  passes: number;
  engines: Record<string, EngineTiming>;
}

const userDataDir = mkdtempSync(join(tmpdir(), 'soundstream-bench-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: CHROMIUM,
  headless: true,
  args: CHROMIUM_ARGS,
});
let info: PageInfo;
let browserVersion = 'unknown';
const perRate: RateResult[] = [];
const calibration: Record<
  string,
  { target: number; rate: number; benchmarkIndex: number } | { target: number; error: string }
> = {};
const indexAt = new Map<number, number>();
try {
  const tab = context.pages()[0] ?? (await context.newPage());
  tab.on('pageerror', (err) => log(`page error: ${err.message}`));
  const cdp = await context.newCDPSession(tab);
  browserVersion = ((await cdp.send('Browser.getVersion')) as { product: string }).product;
  await tab.goto(`${origin}/`);
  const api = 'soundstreamBench';
  info = await tab.evaluate(async (name) => (globalThis as unknown as Record<string, PageApi>)[name].ready, api);
  log(
    `${browserVersion}; page: ${info.frames} frames, cross-origin isolated: ${info.crossOriginIsolated}, engines: ${info.engines.join(', ')}`,
  );
  for (const [engine, why] of Object.entries(info.unavailable)) log(`  not measured: ${engine}: ${why}`);

  const throttle = (rate: number) => cdp.send('Emulation.setCPUThrottlingRate', { rate });
  const run = (o: { passes: number; warmup: number; frames?: number }) =>
    tab.evaluate(
      async ([name, opts]) => (globalThis as unknown as Record<string, PageApi>)[name as string].run(opts as typeof o),
      [api, o] as const,
    );
  /** The page's BenchmarkIndex at `rate`: median of five 250 ms runs (it is noisy on a busy machine). */
  const index = async (rate: number): Promise<number> => {
    const cached = indexAt.get(rate);
    if (cached !== undefined) return cached;
    await throttle(rate);
    const scores: number[] = [];
    for (let i = 0; i < 5; i++)
      scores.push(
        await tab.evaluate((name) => (globalThis as unknown as Record<string, PageApi>)[name].benchmarkIndex(250), api),
      );
    scores.sort((a, b) => a - b);
    indexAt.set(rate, scores[2]);
    return scores[2];
  };

  // Warm-up at 1x: JIT tiers and buffers, for every engine.
  await throttle(1);
  await run({ passes: 0, warmup: 1, frames: frameLimit });

  // DevTools' calibration, done the same way: the throttling rate at which the page's
  // BenchmarkIndex comes within 10 of the target, by bisection between 1x and a rate
  // estimated from the unthrottled score.
  const unthrottled = await index(1);
  log(`Lighthouse BenchmarkIndex of this machine's Chromium, unthrottled: ${unthrottled}`);
  const plan: { rate: number; label: string }[] = rates.map((rate) => ({ rate, label: 'preset' }));
  if (calibrate) {
    for (const [preset, target] of Object.entries(DEVTOOLS_TARGETS)) {
      if (unthrottled < target) {
        calibration[preset] = {
          target,
          error: `this machine scores ${unthrottled} unthrottled: too slow to emulate it`,
        };
        continue;
      }
      let lo = 1;
      let hi = Math.max(1.5, (unthrottled / target) * 1.5);
      let rate = (lo + hi) / 2;
      for (let i = 0; i < 8; i++) {
        rate = Math.round(((lo + hi) / 2) * 100) / 100;
        const score = await index(rate);
        if (Math.abs(score - target) < 10) break;
        if (score < target) hi = rate;
        else lo = rate;
      }
      calibration[preset] = { target, rate, benchmarkIndex: await index(rate) };
      plan.push({ rate, label: `calibrated ${preset}` });
      log(`calibrated "${preset}" (BenchmarkIndex ${target}): ${rate}x (scores ${await index(rate)})`);
    }
  }

  for (const { rate, label } of plan) {
    const benchmarkIndexHere = await index(rate);
    await throttle(rate);
    const t = performance.now();
    const engines = await run({ passes: passesAt(rate), warmup: 0, frames: frameLimit });
    perRate.push({ rate, label, benchmarkIndex: benchmarkIndexHere, passes: passesAt(rate), engines });
    log(
      `throttling ${rate}x (${label}, BenchmarkIndex ${benchmarkIndexHere}): ${((performance.now() - t) / 1000).toFixed(1)} s; ` +
        Object.entries(engines)
          .map(([e, r]) => `${e} ${fmt(r.frameMedianMs)} ms/frame`)
          .join(', '),
    );
  }
  await throttle(1);
} finally {
  await context.close();
  server.close();
  rmSync(userDataDir, { recursive: true, force: true });
}

// ---- report --------------------------------------------------------------------------------------

const engineNames = perRate[0] ? Object.keys(perRate[0].engines) : [];
const rows: string[][] = [];
for (const r of perRate) {
  for (const e of engineNames) {
    const t = r.engines[e];
    const ours = r.engines['ours int8'];
    rows.push([
      `${r.rate}x${r.label === 'preset' ? '' : ` (${r.label})`}`,
      String(r.benchmarkIndex),
      e,
      fmt(t.frameMinMs),
      fmt(t.frameMedianMs),
      fmt(t.encoderMedianMs),
      fmt(t.decoderMedianMs),
      fmt(t.rtfMedian),
      e === 'ours int8' ? '—' : fmt(ours.frameMedianMs / t.frameMedianMs),
    ]);
  }
}
const table = markdownTable(
  [
    'CPU throttling',
    'BenchmarkIndex',
    'engine',
    'min ms/frame',
    'median ms/frame',
    'encoder median',
    'decoder median',
    'RTF',
    'ours int8 / this',
  ],
  rows,
  ['l', 'r', 'l', 'r', 'r', 'r', 'r', 'r', 'r'],
);
const results = {
  schema: 'soundstream-ts/browser-bench-results',
  version: 1,
  machine,
  browser: {
    version: browserVersion,
    executable: CHROMIUM,
    args: CHROMIUM_ARGS,
    userAgent: info!.userAgent,
    crossOriginIsolated: info!.crossOriginIsolated,
  },
  settings: { quick, frames: frameLimit ?? frames, frameMs: 20, warmupPassesAt1x: 1, rates, mainThread: true },
  benchmarkIndex: Object.fromEntries(
    [...indexAt].sort((a, b) => a[0] - b[0]).map(([rate, score]) => [`${rate}x`, score]),
  ),
  devtoolsCalibration: calibration,
  unavailable: info!.unavailable,
  results: perRate,
};
mkdirSync(dirname(outJson), { recursive: true });
writeFileSync(outJson, `${JSON.stringify(results, null, 2)}\n`);
const md =
  `Streaming encoder + decoder in ${browserVersion} (headless, main thread), ${machine.cpu}, ${machine.date.slice(0, 10)}, ` +
  `${frameLimit ?? frames} frames of sample1_16kHz.wav; ms per 20 ms frame (encoder + decoder), RTF = compute / audio duration; ` +
  'BenchmarkIndex: Lighthouse\'s CPU score of the page at that throttling (DevTools calibrates "mid-tier mobile" to 1000 and "low-tier mobile" to 264); ' +
  `"ours int8 / this" < 1 means ours is faster.\n\n${table}\n`;
writeFileSync(`${outJson.replace(/\.json$/i, '')}.md`, md);
log('');
log(md);
log(`wrote ${outJson}`);

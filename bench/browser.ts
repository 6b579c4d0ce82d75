// npm run bench:browser [-- --browsers chromium,firefox,webkit] [-- --quick] [-- --rates 1,4,6]
//                       [-- --no-calibrated] [-- --no-layers] [-- --out <file.json>]
//
// Streaming encoder + decoder in headless browsers, ours against Google's reference runtime
// (TFLite compiled to WASM, non-SIMD and SIMD builds) in the same page, interleaved pass by pass,
// one 20 ms frame per call on the main thread; then each layer of the graphs timed on its own
// (bench/layers.ts), so that the per-layer-type table of `npm run bench` exists per browser.
//
// The Node side imports the Lyra v2 files in memory, bundles bench/browser-page.ts with esbuild
// and serves the page, the weights (manifest.json + model.bin), the 16 kHz samples and the
// reference's WASM builds from 127.0.0.1 (nothing is written into the repository except the
// results). The browsers are driven as in the engine matrix (test/engines/drivers.ts): Chromium
// through playwright-core (CDP), which also throttles its CPU at 4x, 6x and DevTools' calibrated
// rates; Firefox ESR through puppeteer-core (WebDriver BiDi) and WebKitGTK's MiniBrowser through
// WebKitWebDriver (selenium-webdriver, xvfb), at 1x only: neither protocol can throttle the CPU.
//
// Needs Debian's chromium, firefox-esr, webkit2gtk-driver and xvfb (leave one out with --browsers).
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import type { EngineTiming, LayerTiming, PageInfo } from './browser-page.js';
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
import {
  computeOptions,
  graphSpec,
  inputSteps,
  type LayerReport,
  layerReport,
  layerTypeTable,
  MODES,
  planGraph,
} from './layers.js';
import {
  type DrivenPage,
  ENGINE_BINARIES,
  have,
  openChromium,
  openFirefox,
  openWebKit,
  type OpenOptions,
} from '../test/engines/drivers.js';
import { tfliteWasmDir } from '../test/reference/runtime.js';
import { TFLITE_WEB_BUILDS } from '../test/reference/tflite-web.js';

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

type BrowserName = 'chromium' | 'firefox' | 'webkit';
const BROWSERS: Record<
  BrowserName,
  {
    title: string;
    driver: string;
    binaries: string[];
    install: string;
    open: (url: string, options: OpenOptions) => Promise<DrivenPage>;
  }
> = {
  chromium: {
    title: 'Chromium',
    driver: 'playwright-core, CDP',
    binaries: [ENGINE_BINARIES.chromium],
    install: 'apt-get install -y chromium',
    open: (url, options) => openChromium(url, { ...options, chromiumArgs: CHROMIUM_ARGS }),
  },
  firefox: {
    title: 'Firefox',
    driver: 'puppeteer-core, WebDriver BiDi',
    binaries: [ENGINE_BINARIES.firefox],
    install: 'apt-get install -y firefox-esr',
    open: openFirefox,
  },
  webkit: {
    title: 'WebKit',
    driver: 'WebKitGTK MiniBrowser, WebKitWebDriver, selenium-webdriver, xvfb',
    binaries: [ENGINE_BINARIES.webkit, ENGINE_BINARIES.minibrowser, ENGINE_BINARIES.xvfb],
    install: 'apt-get install -y webkit2gtk-driver xvfb',
    open: openWebKit,
  },
};

const args = process.argv.slice(2);
const quick = flag(args, '--quick');
const browsers = (option(args, '--browsers') ?? 'chromium,firefox,webkit').split(',') as BrowserName[];
for (const b of browsers)
  if (!(b in BROWSERS)) throw new Error(`--browsers: unknown browser "${b}" (chromium, firefox, webkit)`);
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
/**
 * Layer by layer: untimed and timed passes over the file per graph (the whole graph timed before
 * each). No warm-up pass: the codec's warm-up and timed passes have already run the same layer
 * classes and kernels.
 */
const LAYER_PASSES = { warmup: 0, passes: quick ? 1 : 2 };
const timeLayersToo = !flag(args, '--no-layers');
/** Chrome DevTools' CPU calibration targets (Lighthouse BenchmarkIndex): "mid-tier mobile" and "low-tier mobile". */
const DEVTOOLS_TARGETS = { 'mid-tier mobile': 1000, 'low-tier mobile': 264 } as const;
const frameLimit = quick ? 20 : undefined;

if (!haveShared()) {
  console.error('bench:browser: ../shared/lyra-v2 or ../shared/audio/sample1_16kHz.wav is missing.');
  process.exit(2);
}
for (const b of browsers) {
  const missing = BROWSERS[b].binaries.filter((path) => !have(path));
  if (missing.length > 0) {
    console.error(
      `bench:browser: ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing, so ${BROWSERS[b].title} cannot run. ` +
        `Install it (apt-get update && ${BROWSERS[b].install}) or leave it out with --browsers.`,
    );
    process.exit(2);
  }
}

const log = (line: string) => process.stdout.write(`${line}\n`);
const machine = machineInfo();
const tStart = performance.now();
log(
  `soundstream-ts browser bench${quick ? ' (--quick)' : ''}: ${machine.cpu}, ${machine.date}; ${browsers.join(', ')}`,
);

// ---- what the page gets --------------------------------------------------------------------------

const files = readLyraFiles();
const { manifestText, blob, model } = await importInMemory(files);
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
  // Cross-origin isolation gives the page a finer performance.now() (5 µs instead of 100 µs in Chromium).
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

// ---- one browser ---------------------------------------------------------------------------------

interface RateResult {
  rate: number;
  /** Why this rate: "preset" (asked for) or the DevTools calibrated preset it stands for. */
  label: string;
  /** Lighthouse BenchmarkIndex of the page at this rate (median of 5 runs of 250 ms). */
  benchmarkIndex: number;
  passes: number;
  engines: Record<string, EngineTiming>;
}
type Calibration = { target: number; rate: number; benchmarkIndex: number } | { target: number; error: string };
interface BrowserResult {
  browser: BrowserName;
  version: string;
  driver: string;
  /** Whether the rows include CPU throttling (Chromium's CDP only). */
  throttling: boolean;
  page: PageInfo;
  benchmarkIndex: Record<string, number>;
  devtoolsCalibration?: Record<string, Calibration>;
  results: RateResult[];
  layers: Record<string, LayerReport>;
  /** How each layer's frames were summed up (see timeLayers): the mean where the page's clock is coarse. */
  layerStatistic?: 'median' | 'mean';
  seconds: number;
}

const api = 'soundstreamBench';
const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

async function benchBrowser(name: BrowserName): Promise<BrowserResult> {
  const spec = BROWSERS[name];
  const t0 = performance.now();
  const tab = await spec.open(`${origin}/`, {
    callTimeoutMs: 300_000,
    onPageError: (message) => log(`  page error: ${message}`),
  });
  try {
    await tab.waitForGlobal(api, 60_000);
    const info = await tab.call<PageInfo>(api, 'ready');
    log(
      `${spec.title}: ${tab.version}; ${info.frames} frames, cross-origin isolated: ${info.crossOriginIsolated}, ` +
        `timer step ${fmt(info.timerResolutionMs * 1000)} µs, WASM SIMD: ${info.wasmSimd}, engines: ${info.engines.join(', ')}`,
    );
    for (const [engine, why] of Object.entries(info.unavailable)) log(`  not measured: ${engine}: ${why}`);

    const run = async (o: { passes: number; warmup: number; frames?: number }) =>
      inPageOrder(await tab.call<Record<string, EngineTiming>>(api, 'run', o), info.engines);
    const throttle = tab.throttle?.bind(tab);
    const indexAt = new Map<number, number>();
    /** The page's BenchmarkIndex at `rate`: median of five 250 ms runs (it is noisy on a busy machine). */
    const index = async (rate: number): Promise<number> => {
      const cached = indexAt.get(rate);
      if (cached !== undefined) return cached;
      await throttle?.(rate);
      const scores: number[] = [];
      for (let i = 0; i < 5; i++) scores.push(await tab.call<number>(api, 'benchmarkIndex', 250));
      scores.sort((a, b) => a - b);
      indexAt.set(rate, scores[2]);
      return scores[2];
    };

    // Warm-up at 1x: JIT tiers and buffers, for every engine.
    await throttle?.(1);
    await run({ passes: 0, warmup: 1, frames: frameLimit });
    const unthrottled = await index(1);
    log(`  Lighthouse BenchmarkIndex, unthrottled: ${unthrottled}`);

    const plan: { rate: number; label: string }[] = throttle
      ? rates.map((rate) => ({ rate, label: 'preset' }))
      : [{ rate: 1, label: 'preset' }];
    const calibration: Record<string, Calibration> = {};
    // DevTools' calibration, done the same way: the throttling rate at which the page's
    // BenchmarkIndex comes within 10 of the target, by bisection between 1x and a rate
    // estimated from the unthrottled score.
    if (throttle && calibrate) {
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
        log(`  calibrated "${preset}" (BenchmarkIndex ${target}): ${rate}x (scores ${await index(rate)})`);
      }
    }

    const results: RateResult[] = [];
    for (const { rate, label } of plan) {
      const benchmarkIndexHere = await index(rate);
      await throttle?.(rate);
      const t = performance.now();
      const engines = await run({ passes: passesAt(rate), warmup: 0, frames: frameLimit });
      results.push({ rate, label, benchmarkIndex: benchmarkIndexHere, passes: passesAt(rate), engines });
      log(
        `  ${throttle ? `throttling ${rate}x (${label}, BenchmarkIndex ${benchmarkIndexHere})` : 'no throttling'}: ${seconds(t)} s; ` +
          Object.entries(engines)
            .map(([e, r]) => `${e} ${fmt(r.frameMedianMs)} ms/frame`)
            .join(', '),
      );
    }
    await throttle?.(1);

    const t = performance.now();
    const layers: Record<string, LayerReport> = {};
    let layerStatistic: LayerTiming['statistic'] | undefined;
    for (const which of timeLayersToo ? (['encoder', 'decoder'] as const) : []) {
      for (const mode of MODES) {
        const timing = await tab.call<LayerTiming>(api, 'layers', {
          which,
          mode,
          ...LAYER_PASSES,
          frames: frameLimit,
        });
        const { nodes } = planGraph(
          graphSpec(model, which, mode),
          inputSteps(model, which),
          computeOptions(mode).precision,
        );
        layers[`${which} ${mode}`] = layerReport(nodes, timing.nodeMs, timing.graphMsPerFrame);
        layerStatistic = timing.statistic;
      }
    }
    log(`  layer by layer: ${seconds(t)} s; ${spec.title} took ${seconds(t0)} s`);

    return {
      browser: name,
      version: tab.version,
      driver: spec.driver,
      throttling: throttle !== undefined,
      page: info,
      benchmarkIndex: Object.fromEntries(
        [...indexAt].sort((a, b) => a[0] - b[0]).map(([rate, score]) => [`${rate}x`, score]),
      ),
      ...(throttle ? { devtoolsCalibration: calibration } : {}),
      results,
      layers,
      ...(layerStatistic ? { layerStatistic } : {}),
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await tab.close();
  }
}

/** The engines in the order the page runs them (a WebDriver's JSON may come back with its keys reordered). */
function inPageOrder(engines: Record<string, EngineTiming>, order: string[]): Record<string, EngineTiming> {
  return Object.fromEntries(order.filter((e) => e in engines).map((e) => [e, engines[e]]));
}

const perBrowser: BrowserResult[] = [];
const failed: Partial<Record<BrowserName, string>> = {};
try {
  for (const name of browsers) {
    try {
      perBrowser.push(await benchBrowser(name));
    } catch (err) {
      failed[name] = String((err as Error)?.stack ?? err);
      log(`${BROWSERS[name].title} failed: ${failed[name]}`);
    }
  }
} finally {
  server.close();
}

// ---- report --------------------------------------------------------------------------------------

const OURS = 'ours int8';
const ratio = (ours: EngineTiming | undefined, other: EngineTiming | undefined) =>
  ours && other ? fmt(ours.frameMedianMs / other.frameMedianMs) : '—';
const rateLabel = (r: RateResult) => `${r.rate}x${r.label === 'preset' ? '' : ` (${r.label})`}`;

function engineTable(b: BrowserResult): string {
  const rows: string[][] = [];
  for (const r of b.results) {
    for (const [e, t] of Object.entries(r.engines)) {
      rows.push([
        ...(b.throttling ? [rateLabel(r)] : []),
        String(r.benchmarkIndex),
        e,
        fmt(t.frameMinMs),
        fmt(t.frameMedianMs),
        fmt(t.encoderMedianMs),
        fmt(t.decoderMedianMs),
        fmt(t.rtfMedian),
        e === OURS ? '—' : ratio(r.engines[OURS], t),
      ]);
    }
  }
  const header = [
    'BenchmarkIndex',
    'engine',
    'min ms/frame',
    'median ms/frame',
    'encoder median',
    'decoder median',
    'RTF',
    `${OURS} / this`,
  ];
  const align: ('l' | 'r')[] = ['r', 'l', 'r', 'r', 'r', 'r', 'r', 'r'];
  return b.throttling
    ? markdownTable(['CPU throttling', ...header], rows, ['l', ...align])
    : markdownTable(header, rows, align);
}

/** One row per browser at 1x: ours against each reference build, encoder and decoder apart too. */
function summaryTable(): string {
  const rows = perBrowser.map((b) => {
    const at1 = b.results.find((r) => r.rate === 1 && r.label === 'preset') ?? b.results[0];
    const e = at1?.engines ?? {};
    const ours = e[OURS];
    const simd = e['reference simd'];
    const stage = (key: 'encoderMedianMs' | 'decoderMedianMs') => (ours && simd ? fmt(ours[key] / simd[key]) : '—');
    return [
      `${BROWSERS[b.browser].title}: ${b.version}`,
      fmt(ours?.frameMedianMs),
      fmt(e['reference plain']?.frameMedianMs),
      fmt(simd?.frameMedianMs),
      ratio(ours, e['reference plain']),
      ratio(ours, simd),
      stage('encoderMedianMs'),
      stage('decoderMedianMs'),
    ];
  });
  return markdownTable(
    [
      'browser, 1x',
      `${OURS} ms/frame`,
      'reference ms/frame',
      'reference SIMD ms/frame',
      'ours / reference',
      'ours / reference SIMD',
      'encoder / ref. SIMD',
      'decoder / ref. SIMD',
    ],
    rows,
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
}

function browserSection(b: BrowserResult): string {
  const spec = BROWSERS[b.browser];
  const unavailable = Object.entries(b.page.unavailable);
  const lines = [
    `## ${spec.title}: ${b.version}`,
    '',
    `Headless, driven by ${b.driver}; main thread; cross-origin isolated: ${b.page.crossOriginIsolated}; ` +
      `performance.now() step ${fmt(b.page.timerResolutionMs * 1000)} µs; WASM SIMD validates: ${b.page.wasmSimd}; ` +
      `${b.results[0]?.passes ?? 0} timed pass(es) at 1x after a warm-up pass. ` +
      (b.throttling
        ? 'BenchmarkIndex: Lighthouse\'s CPU score of the page at that throttling (DevTools calibrates "mid-tier mobile" to 1000 and "low-tier mobile" to 264).'
        : `1x only: ${spec.title}'s driver has no CPU throttling (that is a Chrome DevTools Protocol command). BenchmarkIndex: Lighthouse's CPU score of the page.`),
    ...(unavailable.length > 0 ? ['', ...unavailable.map(([e, why]) => `Not measured: ${e}: ${why}`)] : []),
    '',
    engineTable(b),
    '',
  ];
  if (b.layerStatistic)
    lines.push(
      `Per layer type in ${spec.title} (1x): each layer timed on its own inside the pipeline (bench/layers.ts, as in \`npm run bench\`), ` +
        `per layer the ${b.layerStatistic} over the frames of a pass and the lowest of those over ${LAYER_PASSES.passes} pass(es)` +
        `${b.layerStatistic === 'mean' ? ' (the mean: this clock steps by more than 1 µs, which makes medians of short layers multiples of the step)' : ''}; ` +
        'the whole Encoder/Decoder call timed before each pass; MACs per 20 ms frame; GMAC/s = MACs / time:',
      '',
    );
  for (const [key, report] of Object.entries(b.layers)) lines.push(layerTypeTable(key, report), '');
  return lines.join('\n');
}

const results = {
  schema: 'soundstream-ts/browser-bench-results',
  version: 2,
  machine,
  settings: {
    quick,
    browsers,
    frames: frameLimit ?? frames,
    frameMs: 20,
    warmupPassesAt1x: 1,
    chromiumRates: rates,
    chromiumArgs: CHROMIUM_ARGS,
    layerPasses: timeLayersToo ? LAYER_PASSES : null,
    mainThread: true,
  },
  browsers: perBrowser,
  failed,
  seconds: (performance.now() - tStart) / 1000,
};
mkdirSync(dirname(outJson), { recursive: true });
writeFileSync(outJson, `${JSON.stringify(results, null, 2)}\n`);
const md = [
  `Streaming encoder + decoder in headless browsers, ${machine.cpu} (${machine.logicalCpus} logical CPUs), ${machine.date.slice(0, 10)}, ` +
    `${frameLimit ?? frames} frames of sample1_16kHz.wav${quick ? ' (--quick: a smoke run, not a measurement)' : ''}; ` +
    'ms per 20 ms frame (encoder + decoder), RTF = compute / audio duration; ours and the reference (TFLite WASM, non-SIMD and SIMD builds) ' +
    `interleaved pass by pass in the same page; "${OURS} / this" < 1 means ours is faster.`,
  '',
  summaryTable(),
  '',
  ...Object.entries(failed).map(([b, why]) => `${BROWSERS[b as BrowserName].title} failed: ${why.split('\n')[0]}\n`),
  ...perBrowser.map(browserSection),
].join('\n');
writeFileSync(`${outJson.replace(/\.json$/i, '')}.md`, md);
log('');
log(md);
log(`wrote ${outJson}; total ${seconds(tStart)} s`);
if (Object.keys(failed).length > 0) process.exit(1);

// Speed of the codec in every engine of the matrix, in one run on one machine: milliseconds per
// 20 ms frame for encoder + quantizer (9.2 kbps) and for decoder, timed inside each engine on the
// package's own bundle (test/engines/ builds and drives them), plus whether the engine's golden
// outputs equal Node's. Needs ../shared (the Lyra v2 model) and the engines the tests use.
// Writes bench/engine-results.{json,md}. Usage: npm run bench:engines
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as lib from '../src/index.js';
import {
  ENGINE_BINARIES,
  have,
  runBunOrDeno,
  runChromium,
  runFirefox,
  runHermes,
  runWebKit,
  type BrowserRunner,
  type Outcome,
} from '../test/engines/drivers.js';
import { GOLDEN_FRAMES, loadGoldenModels, runGolden, timeCodec } from '../test/engines/golden.js';
import {
  bundleGoldenModule,
  buildPackageBundle,
  goldenModelBytes,
  hermesScript,
  root,
  serveMatrix,
  writeModelFolders,
} from '../test/engines/harness.js';
import { haveShared, readLyraFiles } from './common.js';

const FRAMES = 100;
// Enough for every JIT to have compiled the kernels it will keep (fewer leave early frames in its
// lower tiers: with 20, Node 20 averaged 2.1 ms to encode a frame that takes 1.4 once warm).
const WARMUP = 100;

interface Row {
  engine: string;
  version: string;
  sameBits: boolean | null;
  /** The kernel style the engine took by default (ENGINE_KERNELS). */
  kernels: string | null;
  encodeMs: number | null;
  decodeMs: number | null;
  error?: string;
}

if (!haveShared()) {
  console.error('bench:engines needs ../shared/lyra-v2 (the Lyra v2 model); see the README set-up section');
  process.exit(1);
}

const version = (command: string, args: string[]) => {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split('\n')[0]!;
  } catch {
    return 'unknown';
  }
};
/** Every stage's bytes equal (WebDriver may return the keys in another order); `kernels` is no stage. */
const sameOutputs = (got: Record<string, string>, want: Record<string, string>) =>
  Object.keys(got).length === Object.keys(want).length &&
  Object.entries(want).every(([stage, bytes]) => stage === 'kernels' || got[stage] === bytes);
const packageVersion = (name: string) =>
  (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

const tmp = mkdtempSync(join(tmpdir(), 'soundstream-bench-engines-'));
try {
  const packageDir = join(tmp, 'package');
  buildPackageBundle(packageDir);
  const models = await goldenModelBytes(readLyraFiles());
  const bundled = (await import(join(packageDir, 'src/index.js'))) as typeof lib;
  const nodeModels = await loadGoldenModels(bundled, models);
  const expected = await runGolden(bundled, nodeModels, GOLDEN_FRAMES);
  const rows: Row[] = [];
  const add = (engine: string, versionText: string, golden: Outcome | undefined, timing: Outcome | undefined) => {
    const error = golden && 'error' in golden ? golden.error : timing && 'error' in timing ? timing.error : undefined;
    const times = timing && 'result' in timing ? timing.result : undefined;
    rows.push({
      engine,
      version: versionText,
      sameBits: golden && 'result' in golden ? sameOutputs(golden.result, expected) : null,
      kernels: golden && 'result' in golden ? (golden.result.kernels ?? null) : null,
      encodeMs: times ? Number(times.encodeMsPerFrame) : null,
      decodeMs: times ? Number(times.decodeMsPerFrame) : null,
      ...(error ? { error: error.slice(0, 300) } : {}),
    });
    console.log(JSON.stringify(rows.at(-1)));
  };

  add(
    'Node (V8)',
    process.version,
    { result: expected },
    { result: await timeCodec(bundled, nodeModels, FRAMES, WARMUP) },
  );

  const goldenModule = join(tmp, 'golden.mjs');
  await bundleGoldenModule(goldenModule);
  const modelDir = join(tmp, 'models');
  writeModelFolders(modelDir, models);
  for (const [engine, label] of [
    ['bun', 'Bun (JavaScriptCore)'],
    ['deno', 'Deno (V8)'],
  ] as const) {
    if (!have(ENGINE_BINARIES[engine])) continue;
    add(
      label,
      version(ENGINE_BINARIES[engine], ['--version']),
      runBunOrDeno(engine, tmp, packageDir, goldenModule, modelDir),
      runBunOrDeno(engine, tmp, packageDir, goldenModule, modelDir, `timeCodec(lib, models, ${FRAMES}, ${WARMUP})`),
    );
  }
  if (have(ENGINE_BINARIES.hermes)) {
    const script = join(tmp, 'hermes.js');
    writeFileSync(script, await hermesScript(packageDir, models, { kind: 'golden', frames: GOLDEN_FRAMES }));
    const golden = runHermes(script);
    writeFileSync(script, await hermesScript(packageDir, models, { kind: 'time', frames: FRAMES, warmup: WARMUP }));
    add('Hermes (hermes-engine-cli, ES5 bundle)', packageVersion('hermes-engine-cli'), golden, runHermes(script));
  }
  const { server, url } = await serveMatrix(packageDir, models);
  try {
    const browsers: [string, string, boolean, BrowserRunner][] = [
      [
        'Chromium (V8), main thread',
        version(ENGINE_BINARIES.chromium, ['--version']),
        have(ENGINE_BINARIES.chromium),
        runChromium,
      ],
      [
        'Firefox ESR (SpiderMonkey), main thread',
        version(ENGINE_BINARIES.firefox, ['--version']),
        have(ENGINE_BINARIES.firefox),
        runFirefox,
      ],
      [
        'WebKitGTK MiniBrowser (JavaScriptCore), main thread',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax, not a template
        `WebKitGTK ${version('dpkg-query', ['-W', '-f=${Version}', 'libwebkit2gtk-4.1-0'])}`,
        have(ENGINE_BINARIES.webkit),
        runWebKit,
      ],
    ];
    for (const [label, versionText, installed, run] of browsers) {
      if (!installed) continue;
      try {
        const out = await run(`${url}?frames=${FRAMES}&warmup=${WARMUP}`, ['main', 'time']);
        add(label, versionText, out.main, out.time);
      } catch (err) {
        add(label, versionText, { error: String(err) }, undefined);
      }
    }
  } finally {
    server.close();
  }

  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores`;
  writeFileSync(
    join(root, 'bench/engine-results.json'),
    `${JSON.stringify({ machine, frames: FRAMES, warmup: WARMUP, rows }, null, 2)}\n`,
  );
  const fmt = (x: number | null) => (x === null ? '-' : x.toFixed(x < 10 ? 2 : 1));
  const lines = [
    `Engines on ${machine}; ${FRAMES} frames after ${WARMUP} warm-up frames, one thread, int8 model (exact), 9.2 kbps.`,
    '',
    '| engine | version | kernels | same bits as Node | encode + quantize (ms / 20 ms frame) | decode (ms / 20 ms frame) |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.engine} | ${r.version} | ${r.kernels ?? '-'} | ${r.sameBits === null ? 'not run' : r.sameBits ? 'yes' : 'NO'} | ${fmt(r.encodeMs)} | ${fmt(r.decodeMs)} |`,
    ),
  ];
  writeFileSync(join(root, 'bench/engine-results.md'), `${lines.join('\n')}\n`);
  console.log(`\n${lines.join('\n')}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

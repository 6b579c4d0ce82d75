// The engine matrix: Bun, Deno, Hermes, and Chromium / Firefox / WebKit (main thread, Worker,
// AudioWorklet) run the golden computation (test/engines/golden.ts) on the package's own bundle
// and must give exactly Node's bytes. In each browser the Web Audio encoder and decoder nodes
// also run in OfflineAudioContexts, and their workers must produce the streaming API's bytes.
// Node's output is computed here, from the Lyra v2 model imported in memory from ../shared. An
// engine whose binary is not installed is skipped with its name in the test title; .ci/run
// installs all of them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as lib from '../src/index.js';
import {
  BROWSER_CONTEXTS,
  ENGINE_BINARIES,
  have,
  runBunOrDeno,
  runChromium,
  runFirefox,
  runHermes,
  runWebKit,
  type BrowserRunner,
  type Outcome,
} from './engines/drivers.js';
import {
  GOLDEN_FRAMES,
  loadGoldenModels,
  runGolden,
  runNodesReference,
  type GoldenModelBytes,
} from './engines/golden.js';
import {
  bundleGoldenModule,
  buildPackageBundle,
  goldenModelBytes,
  hermesScript,
  serveMatrix,
  writeModelFolders,
} from './engines/harness.js';
import { HAVE_SHARED, lyraFiles } from './reference/lyra.js';

let tmp: string;
let packageDir: string;
let models: GoldenModelBytes;
let expected: Record<string, string>;
let expectedNodes: Record<string, string>;

/**
 * Same keys, same bytes; on a mismatch, names the stage and the first differing byte. A golden
 * run also says which kernel style the engine took by default: `kernels`.
 */
function expectSameBytes(engine: string, outcome: Outcome, reference = expected, kernels?: lib.KernelStyle): void {
  if ('error' in outcome) throw new Error(`${engine} failed: ${outcome.error}`);
  expect(Object.keys(outcome.result).sort(), engine).toEqual(Object.keys(reference).sort());
  if (kernels) expect(outcome.result.kernels, `${engine}: its default kernel style`).toBe(kernels);
  for (const [stage, want] of Object.entries(reference)) {
    if (stage === 'kernels') continue;
    const got = outcome.result[stage]!;
    if (got === want) continue;
    let i = 0;
    while (i < got.length && got[i] === want[i]) i++;
    throw new Error(
      `${engine}: ${stage} differs from Node at hex digit ${i} of ${want.length} (got ...${got.slice(i, i + 16)}, Node ...${want.slice(i, i + 16)})`,
    );
  }
}

describe.skipIf(!HAVE_SHARED)('engine matrix: identical bytes to Node', () => {
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'soundstream-engines-'));
    packageDir = join(tmp, 'package');
    buildPackageBundle(packageDir);
    models = await goldenModelBytes(lyraFiles());
    const loaded = await loadGoldenModels(lib, models);
    expected = await runGolden(lib, loaded, GOLDEN_FRAMES);
    expectedNodes = runNodesReference(lib, loaded.lyra);
  }, 120_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('Node gives the same bytes from the package bundle as from the sources', async () => {
    const bundled = (await import(join(packageDir, 'src/index.js'))) as typeof lib;
    expectSameBytes(
      'node (package bundle)',
      { result: await runGolden(bundled, await loadGoldenModels(bundled, models), GOLDEN_FRAMES) },
      expected,
      'jit',
    );
  });

  describe('server-side engines', () => {
    let goldenModule: string;
    let modelDir: string;
    beforeAll(async () => {
      goldenModule = join(tmp, 'golden.mjs');
      await bundleGoldenModule(goldenModule);
      modelDir = join(tmp, 'models');
      writeModelFolders(modelDir, models);
    }, 60_000);

    // Bun is JavaScriptCore, Deno is V8.
    for (const [engine, kernels] of [
      ['bun', 'jit-float32'],
      ['deno', 'jit'],
    ] as const) {
      it.skipIf(!have(ENGINE_BINARIES[engine]))(engine, { timeout: 180_000 }, () => {
        expectSameBytes(engine, runBunOrDeno(engine, tmp, packageDir, goldenModule, modelDir), expected, kernels);
      });
    }

    it.skipIf(!have(ENGINE_BINARIES.deno))(
      'deno without --allow-read: loadModel reports the permission error, not "no model"',
      () => {
        const script = join(tmp, 'deno-permission.mjs');
        writeFileSync(
          script,
          `import { loadModel } from ${JSON.stringify(join(packageDir, 'src/node/index.js'))};
try { await loadModel(${JSON.stringify(join(modelDir, 'lyra-v2-denoise'))}); console.log(JSON.stringify({ loaded: true })); }
catch (err) { console.log(JSON.stringify({ name: err.name, message: err.message })); }`,
        );
        const run = spawnSync(
          ENGINE_BINARIES.deno,
          ['run', '--quiet', '--no-config', '--no-lock', '--no-prompt', script],
          {
            encoding: 'utf8',
            timeout: 60_000,
            env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
          },
        );
        const outcome = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as { name?: string; message?: string };
        expect(outcome.name).not.toBe('ModelError');
        expect(outcome.message).toMatch(/read access/i);
      },
    );

    it.skipIf(!have(ENGINE_BINARIES.hermes))(
      'hermes (bundle lowered to ES5; no TextDecoder, WebCrypto or fetch)',
      { timeout: 600_000 },
      async () => {
        const script = join(tmp, 'golden-hermes.js');
        writeFileSync(script, await hermesScript(packageDir, models, { kind: 'golden', frames: GOLDEN_FRAMES }));
        expectSameBytes('hermes', runHermes(script), expected, 'interpreter');
      },
    );
  });

  describe('browsers, each on the main thread, in a Worker and in an AudioWorklet', () => {
    let server: Server;
    let url: string;
    beforeAll(async () => {
      ({ server, url } = await serveMatrix(packageDir, models));
    }, 60_000);
    afterAll(() => server?.close());

    const browsers: [string, boolean, BrowserRunner, lib.KernelStyle][] = [
      ['chromium (playwright-core)', have(ENGINE_BINARIES.chromium), runChromium, 'jit'],
      ['firefox (puppeteer-core, WebDriver BiDi)', have(ENGINE_BINARIES.firefox), runFirefox, 'jit-float32-pairs'],
      [
        'webkit (WebKitWebDriver, selenium-webdriver, xvfb)',
        have(ENGINE_BINARIES.webkit) && have(ENGINE_BINARIES.xvfb) && have(ENGINE_BINARIES.minibrowser),
        runWebKit,
        'jit-float32',
      ],
    ];
    for (const [name, installed, run, kernels] of browsers) {
      it.skipIf(!installed)(name, { timeout: 240_000 }, async () => {
        const outcomes = await run(url);
        for (const kind of BROWSER_CONTEXTS) {
          expectSameBytes(
            `${name} ${kind}`,
            outcomes[kind] ?? { error: 'no outcome' },
            kind === 'nodes' ? expectedNodes : expected,
            kind === 'nodes' ? undefined : kernels,
          );
        }
      });
    }
  });
});

// The engine matrix: Bun, Deno, Hermes, and Chromium / Firefox / WebKit (main thread, Worker,
// AudioWorklet) run the golden computation (test/engines/golden.ts) on the package's own bundle
// and must give exactly Node's bytes. Node's output is computed here, from the Lyra v2 model
// imported in memory from ../shared. An engine whose binary is not installed is skipped with its
// name in the test title; .ci/run installs all of them.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as lib from '../src/index.js';
import { importLyraV2 } from '../src/import/lyra-v2.js';
import { denoiserModelDir } from '../src/node/package-files.js';
import {
  BROWSER_CONTEXTS, ENGINE_BINARIES, have, runBunOrDeno, runChromium, runFirefox, runHermes, runWebKit, type BrowserRunner, type Outcome,
} from './engines/drivers.js';
import { GOLDEN_FRAMES, loadGoldenModels, runGolden, type GoldenModelBytes } from './engines/golden.js';
import { buildPackageBundle, hermesScript, root, serveMatrix } from './engines/harness.js';
import { HAVE_SHARED, lyraFiles } from './reference/lyra.js';

let tmp: string;
let packageDir: string;
let models: GoldenModelBytes;
let expected: Record<string, string>;

/** Same keys, same bytes; on a mismatch, names the stage and the first differing byte. */
function expectSameBytes(engine: string, outcome: Outcome): void {
  if ('error' in outcome) throw new Error(`${engine} failed: ${outcome.error}`);
  expect(Object.keys(outcome.result).sort(), engine).toEqual(Object.keys(expected).sort());
  for (const [stage, want] of Object.entries(expected)) {
    const got = outcome.result[stage]!;
    if (got === want) continue;
    let i = 0;
    while (i < got.length && got[i] === want[i]) i++;
    throw new Error(`${engine}: ${stage} differs from Node at hex digit ${i} of ${want.length} (got ...${got.slice(i, i + 16)}, Node ...${want.slice(i, i + 16)})`);
  }
}

describe.skipIf(!HAVE_SHARED)('engine matrix: identical bytes to Node', () => {
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'soundstream-engines-'));
    packageDir = join(tmp, 'package');
    buildPackageBundle(packageDir);
    const { manifest, blob } = await importLyraV2(lyraFiles());
    const denoiser = denoiserModelDir();
    models = {
      lyraManifest: new TextEncoder().encode(JSON.stringify(manifest)),
      lyraBlob: blob,
      denoiserManifest: new Uint8Array(readFileSync(join(denoiser, 'manifest.json'))),
      denoiserBlob: new Uint8Array(readFileSync(join(denoiser, 'model.bin'))),
    };
    expected = await runGolden(lib, await loadGoldenModels(lib, models), GOLDEN_FRAMES);
  }, 120_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('Node gives the same bytes from the package bundle as from the sources', async () => {
    const bundled = (await import(join(packageDir, 'src/index.js'))) as typeof lib;
    expectSameBytes('node (package bundle)', { result: await runGolden(bundled, await loadGoldenModels(bundled, models), GOLDEN_FRAMES) });
  });

  describe('server-side engines', () => {
    let goldenModule: string;
    let modelDir: string;
    beforeAll(async () => {
      goldenModule = join(tmp, 'golden.mjs');
      await build({ entryPoints: [join(root, 'test/engines/golden.ts')], bundle: true, format: 'esm', target: 'es2022', outfile: goldenModule, logLevel: 'warning' });
      modelDir = join(tmp, 'models');
      for (const [name, manifest, blob] of [['lyra-v2', models.lyraManifest, models.lyraBlob], ['lyra-v2-denoise', models.denoiserManifest, models.denoiserBlob]] as const) {
        mkdirSync(join(modelDir, name), { recursive: true });
        writeFileSync(join(modelDir, name, 'manifest.json'), manifest);
        writeFileSync(join(modelDir, name, 'model.bin'), blob);
      }
    }, 60_000);

    for (const engine of ['bun', 'deno'] as const) {
      it.skipIf(!have(ENGINE_BINARIES[engine]))(engine, { timeout: 180_000 }, () => {
        expectSameBytes(engine, runBunOrDeno(engine, tmp, packageDir, goldenModule, modelDir));
      });
    }

    it.skipIf(!have(ENGINE_BINARIES.hermes))('hermes (bundle lowered to ES5; no TextDecoder, WebCrypto or fetch)', { timeout: 600_000 }, async () => {
      const script = join(tmp, 'golden-hermes.js');
      writeFileSync(script, await hermesScript(packageDir, models, { kind: 'golden', frames: GOLDEN_FRAMES }));
      expectSameBytes('hermes', runHermes(script));
    });
  });

  describe('browsers, each on the main thread, in a Worker and in an AudioWorklet', () => {
    let server: Server;
    let url: string;
    beforeAll(async () => {
      ({ server, url } = await serveMatrix(packageDir, models));
    }, 60_000);
    afterAll(() => server?.close());

    const browsers: [string, boolean, BrowserRunner][] = [
      ['chromium (playwright-core)', have(ENGINE_BINARIES.chromium), runChromium],
      ['firefox (puppeteer-core, WebDriver BiDi)', have(ENGINE_BINARIES.firefox), runFirefox],
      ['webkit (WebKitWebDriver, selenium-webdriver, xvfb)', have(ENGINE_BINARIES.webkit) && have(ENGINE_BINARIES.xvfb) && have(ENGINE_BINARIES.minibrowser), runWebKit],
    ];
    for (const [name, installed, run] of browsers) {
      it.skipIf(!installed)(name, { timeout: 240_000 }, async () => {
        const outcomes = await run(url);
        for (const kind of BROWSER_CONTEXTS) expectSameBytes(`${name} ${kind}`, outcomes[kind] ?? { error: 'no outcome' });
      });
    }
  });
});

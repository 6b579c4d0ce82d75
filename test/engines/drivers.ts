// One function per engine: run the golden computation there and return its outcome per context.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { WebDriver } from 'selenium-webdriver';
import { root } from './harness.js';

export type Outcome = { result: Record<string, string>; has?: Record<string, boolean> } | { error: string };
export type BrowserContextKind = 'main' | 'worker' | 'worklet' | 'nodes' | 'time';
export const BROWSER_CONTEXTS: BrowserContextKind[] = ['main', 'worker', 'worklet', 'nodes'];
/** Runs `kinds` of window.golden in a browser at `url`. */
export type BrowserRunner = (
  url: string,
  kinds?: BrowserContextKind[],
) => Promise<Partial<Record<BrowserContextKind, Outcome>>>;

const bin = (path: string) => join(root, 'node_modules', path);
export const ENGINE_BINARIES = {
  bun: bin('@oven/bun-linux-x64/bin/bun'),
  deno: bin('@deno/linux-x64-glibc/deno'),
  hermes: bin('hermes-engine-cli/linux64-bin/hermes'),
  chromium: '/usr/bin/chromium',
  firefox: '/usr/bin/firefox-esr',
  webkit: '/usr/bin/WebKitWebDriver',
  minibrowser: '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
  xvfb: '/usr/bin/xvfb-run',
};
export const have = (path: string) => existsSync(path);

function parseOutcome(what: string, stdout: string, stderr: string): Outcome {
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Outcome;
  } catch {
    return { error: `${what} printed no result: ${stdout.slice(-2000)} ${stderr.slice(-2000)}` };
  }
}

/** Bun or Deno on the package bundle in `packageDir`, models read from `modelDir` (lyra-v2/, lyra-v2-denoise/). */
/** `call`: the golden module's function to run, as source, e.g. 'runGolden(lib, models, GOLDEN_FRAMES)'. */
export function runBunOrDeno(
  engine: 'bun' | 'deno',
  scriptDir: string,
  packageDir: string,
  goldenModule: string,
  modelDir: string,
  call = 'runGolden(lib, models, GOLDEN_FRAMES)',
): Outcome {
  const script = join(scriptDir, `golden-${engine}.mjs`);
  writeFileSync(
    script,
    [
      `import * as lib from ${JSON.stringify(join(packageDir, 'src/index.js'))};`,
      `import { loadGoldenModels, runGolden, timeCodec, GOLDEN_FRAMES } from ${JSON.stringify(goldenModule)};`,
      `import { readFile } from 'node:fs/promises';`,
      `const read = async (p) => new Uint8Array(await readFile(${JSON.stringify(modelDir)} + '/' + p));`,
      `try {`,
      `  const models = await loadGoldenModels(lib, { lyraManifest: await read('lyra-v2/manifest.json'), lyraBlob: await read('lyra-v2/model.bin'),`,
      `    denoiserManifest: await read('lyra-v2-denoise/manifest.json'), denoiserBlob: await read('lyra-v2-denoise/model.bin') });`,
      `  console.log(JSON.stringify({ result: await ${call} }));`,
      `} catch (err) { console.log(JSON.stringify({ error: String(err && err.stack || err) })); }`,
    ].join('\n'),
  );
  const args =
    engine === 'bun'
      ? [script]
      : ['run', '--quiet', '--no-config', '--no-lock', `--allow-read=${scriptDir},${packageDir},${modelDir}`, script];
  const run = spawnSync(ENGINE_BINARIES[engine], args, {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
  });
  return parseOutcome(engine, run.stdout ?? '', `${run.stderr ?? ''} ${run.error?.message ?? ''}`);
}

export function runHermes(scriptPath: string): Outcome {
  const run = spawnSync(ENGINE_BINARIES.hermes, [scriptPath], {
    encoding: 'utf8',
    timeout: 300_000,
    maxBuffer: 64 << 20,
  });
  return parseOutcome('hermes', run.stdout ?? '', `${run.stderr ?? ''} ${run.error?.message ?? ''}`);
}

type Golden = { golden: Record<BrowserContextKind, () => Promise<Outcome>> };

/** What Playwright's and Puppeteer's pages both offer, as far as the matrix needs it. */
interface ScriptablePage {
  goto(url: string): Promise<unknown>;
  waitForFunction(condition: () => boolean): Promise<unknown>;
  evaluate(run: (kind: BrowserContextKind) => Promise<Outcome>, kind: BrowserContextKind): Promise<Outcome>;
}

async function runOnPage(
  page: ScriptablePage,
  url: string,
  kinds: BrowserContextKind[],
): Promise<Partial<Record<BrowserContextKind, Outcome>>> {
  await page.goto(url);
  await page.waitForFunction(() => 'golden' in globalThis);
  const out: Partial<Record<BrowserContextKind, Outcome>> = {};
  for (const kind of kinds) out[kind] = await page.evaluate((k) => (globalThis as unknown as Golden).golden[k](), kind);
  return out;
}

export const runChromium: BrowserRunner = async (url, kinds = BROWSER_CONTEXTS) => {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: ENGINE_BINARIES.chromium,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  try {
    return await runOnPage(await browser.newPage(), url, kinds);
  } finally {
    await browser.close();
  }
};

export const runFirefox: BrowserRunner = async (url, kinds = BROWSER_CONTEXTS) => {
  const puppeteer = (await import('puppeteer-core')).default;
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: ENGINE_BINARIES.firefox,
    headless: true,
    protocol: 'webDriverBiDi',
  });
  try {
    return await runOnPage(await browser.newPage(), url, kinds);
  } finally {
    await browser.close();
  }
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** WebKitGTK's MiniBrowser through WebKitWebDriver, on a virtual X display (xvfb-run). */
export const runWebKit: BrowserRunner = async (url, kinds = BROWSER_CONTEXTS) => {
  const { Builder, Capabilities } = await import('selenium-webdriver');
  const port = await freePort();
  const driverProcess = spawn(
    ENGINE_BINARIES.xvfb,
    ['-a', ENGINE_BINARIES.webkit, `--port=${port}`, '--host=127.0.0.1'],
    { detached: true, stdio: 'ignore' },
  );
  try {
    const capabilities = new Capabilities({
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': { binary: ENGINE_BINARIES.minibrowser, args: ['--automation'] },
    });
    let driver: WebDriver | undefined;
    for (let attempt = 0; !driver; attempt++) {
      try {
        driver = await new Builder().usingServer(`http://127.0.0.1:${port}`).withCapabilities(capabilities).build();
      } catch (err) {
        if (attempt >= 40) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    try {
      await driver.manage().setTimeouts({ script: 120_000, pageLoad: 60_000 });
      await driver.get(url);
      await driver.wait(async () => driver!.executeScript("return 'golden' in globalThis"), 30_000);
      const out: Partial<Record<BrowserContextKind, Outcome>> = {};
      for (const kind of kinds) {
        out[kind] = await driver.executeAsyncScript<Outcome>(
          'const done = arguments[arguments.length - 1]; globalThis.golden[arguments[0]]().then(done, (e) => done({ error: String(e) }));',
          kind,
        );
      }
      return out;
    } finally {
      await driver.quit();
    }
  } finally {
    if (driverProcess.pid) {
      try {
        process.kill(-driverProcess.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  }
};

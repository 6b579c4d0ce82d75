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

/**
 * A page opened by one browser's automation driver: what the engine matrix and bench/browser.ts
 * share, whichever protocol is underneath (CDP, WebDriver BiDi, classic WebDriver).
 */
export interface DrivenPage {
  /** The browser's name and version, as its driver reports them. */
  readonly version: string;
  /** Resolves once `globalThis[name]` exists in the page. */
  waitForGlobal(name: string, timeoutMs?: number): Promise<void>;
  /** Awaits `globalThis[object][method](arg)` in the page; what it resolves to must survive JSON. */
  call<T>(object: string, method: string, arg?: unknown): Promise<T>;
  /** DevTools' CPU throttling of the page's main thread: Chromium only (no other driver has such a command). */
  throttle?(rate: number): Promise<void>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Chromium's command line (default: headless, no sandbox, no GPU). */
  chromiumArgs?: string[];
  /** Longest a single `call` may take (WebDriver's script timeout; default 2 minutes). */
  callTimeoutMs?: number;
  /** Uncaught errors of the page, where the driver reports them. */
  onPageError?: (message: string) => void;
}

const DEFAULT_CALL_TIMEOUT_MS = 120_000;
type PageGlobals = Record<string, Record<string, (arg: unknown) => unknown>>;

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Debian's Chromium through playwright-core (CDP), with a CDP session for throttling. */
export async function openChromium(url: string, options: OpenOptions = {}): Promise<DrivenPage> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: ENGINE_BINARIES.chromium,
    headless: true,
    args: options.chromiumArgs ?? ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  try {
    const page = await browser.newPage();
    if (options.onPageError) page.on('pageerror', (err) => options.onPageError!(err.message));
    const cdp = await page.context().newCDPSession(page);
    const { product } = (await cdp.send('Browser.getVersion')) as { product: string };
    await page.goto(url);
    return {
      version: product,
      waitForGlobal: async (name, timeoutMs = 30_000) => {
        await page.waitForFunction((n) => n in globalThis, name, { timeout: timeoutMs });
      },
      call: <T>(object: string, method: string, arg?: unknown) =>
        page.evaluate(([o, m, a]) => (globalThis as unknown as PageGlobals)[o as string][m as string](a), [
          object,
          method,
          arg,
        ] as const) as Promise<T>,
      throttle: async (rate) => {
        await cdp.send('Emulation.setCPUThrottlingRate', { rate });
      },
      close: () => browser.close(),
    };
  } catch (err) {
    await browser.close();
    throw err;
  }
}

/** Debian's Firefox ESR through puppeteer-core over WebDriver BiDi. */
export async function openFirefox(url: string, options: OpenOptions = {}): Promise<DrivenPage> {
  const puppeteer = (await import('puppeteer-core')).default;
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: ENGINE_BINARIES.firefox,
    headless: true,
    protocol: 'webDriverBiDi',
    protocolTimeout: options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
  });
  try {
    const page = await browser.newPage();
    if (options.onPageError) page.on('pageerror', (err) => options.onPageError!(String(err)));
    const version = await browser.version();
    await page.goto(url);
    return {
      version,
      waitForGlobal: async (name, timeoutMs = 30_000) => {
        await page.waitForFunction((n: string) => n in globalThis, { timeout: timeoutMs }, name);
      },
      call: <T>(object: string, method: string, arg?: unknown) =>
        page.evaluate(
          (o: string, m: string, a: unknown) => (globalThis as unknown as PageGlobals)[o][m](a),
          object,
          method,
          arg,
        ) as Promise<T>,
      close: () => browser.close(),
    };
  } catch (err) {
    await browser.close();
    throw err;
  }
}

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

/** WebKitGTK's MiniBrowser through WebKitWebDriver (classic WebDriver, selenium-webdriver), on a virtual X display (xvfb-run). */
export async function openWebKit(url: string, options: OpenOptions = {}): Promise<DrivenPage> {
  const { Builder, Capabilities } = await import('selenium-webdriver');
  const port = await freePort();
  const driverProcess = spawn(
    ENGINE_BINARIES.xvfb,
    ['-a', ENGINE_BINARIES.webkit, `--port=${port}`, '--host=127.0.0.1'],
    { detached: true, stdio: 'ignore' },
  );
  const stopDriver = () => {
    if (!driverProcess.pid) return;
    try {
      process.kill(-driverProcess.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  let driver: WebDriver | undefined;
  try {
    const capabilities = new Capabilities({
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': { binary: ENGINE_BINARIES.minibrowser, args: ['--automation'] },
    });
    for (let attempt = 0; !driver; attempt++) {
      try {
        driver = await new Builder().usingServer(`http://127.0.0.1:${port}`).withCapabilities(capabilities).build();
      } catch (err) {
        if (attempt >= 40) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    const session = driver;
    const granted = await session.getCapabilities();
    const version = `WebKitGTK ${granted.get('browserVersion') ?? '(version unknown)'} (${granted.get('browserName') ?? 'MiniBrowser'})`;
    await session.manage().setTimeouts({ script: options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS, pageLoad: 60_000 });
    await session.get(url);
    return {
      version,
      waitForGlobal: (name, timeoutMs = 30_000) =>
        waitUntil(
          async () => (await session.executeScript<boolean>('return arguments[0] in globalThis', name)) === true,
          timeoutMs,
          `globalThis.${name}`,
        ),
      call: async <T>(object: string, method: string, arg?: unknown) => {
        // Classic WebDriver has no promise support: the script reports back through its callback.
        const outcome = await session.executeAsyncScript<{ value: T } | { error: string }>(
          `const done = arguments[arguments.length - 1];
           Promise.resolve().then(() => globalThis[arguments[0]][arguments[1]](arguments[2]))
             .then((value) => done({ value }), (e) => done({ error: String(e && e.stack || e) }));`,
          object,
          method,
          arg ?? null,
        );
        if ('error' in outcome) throw new Error(`${object}.${method} failed in the page: ${outcome.error}`);
        return outcome.value;
      },
      close: async () => {
        try {
          await session.quit();
        } finally {
          stopDriver();
        }
      },
    };
  } catch (err) {
    try {
      await driver?.quit();
    } finally {
      stopDriver();
    }
    throw err;
  }
}

/** window.golden's functions, each run in the page in turn; a function that throws gives an error outcome. */
function goldenRunner(open: (url: string) => Promise<DrivenPage>): BrowserRunner {
  return async (url, kinds = BROWSER_CONTEXTS) => {
    const page = await open(url);
    try {
      await page.waitForGlobal('golden');
      const out: Partial<Record<BrowserContextKind, Outcome>> = {};
      for (const kind of kinds) {
        try {
          out[kind] = await page.call<Outcome>('golden', kind);
        } catch (err) {
          out[kind] = { error: String(err) };
        }
      }
      return out;
    } finally {
      await page.close();
    }
  };
}

export const runChromium: BrowserRunner = goldenRunner((url) => openChromium(url));
export const runFirefox: BrowserRunner = goldenRunner((url) => openFirefox(url));
export const runWebKit: BrowserRunner = goldenRunner((url) => openWebKit(url));

// Building and serving what the engine matrix runs: the package's bundle (built by
// scripts/build.mjs --library-to), the golden entries bundled around it, a Hermes script lowered
// to ES5 with the model files inlined, and an HTTP server for the browsers.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import ts from 'typescript';
import { importLyraV2, type LyraV2Files } from '../../src/import/lyra-v2.js';
import { denoiserModelDir, packageRoot } from '../../src/node/package-files.js';
import type { GoldenModelBytes } from './golden.js';

// Found by package.json rather than relative to this file, so that bench/engines.ts can bundle it.
export const root = packageRoot();
const here = join(root, 'test/engines');

/** The package's entries and chunks, built into `dir` exactly as for the tarball. */
export function buildPackageBundle(dir: string): void {
  const run = spawnSync(process.execPath, ['scripts/build.mjs', '--library-to', dir], { cwd: root, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`build failed: ${run.stderr}`);
}

/** The model files the matrix runs: Lyra v2 imported in memory from its .tflite files, and our denoiser. */
export async function goldenModelBytes(lyra: LyraV2Files): Promise<GoldenModelBytes> {
  const { manifest, blob } = await importLyraV2(lyra);
  const denoiser = denoiserModelDir();
  return {
    lyraManifest: new TextEncoder().encode(JSON.stringify(manifest)),
    lyraBlob: blob,
    denoiserManifest: new Uint8Array(readFileSync(join(denoiser, 'manifest.json'))),
    denoiserBlob: new Uint8Array(readFileSync(join(denoiser, 'model.bin'))),
  };
}

/** Writes `dir`/lyra-v2/ and `dir`/lyra-v2-denoise/ (manifest.json + model.bin) for engines that read files. */
export function writeModelFolders(dir: string, models: GoldenModelBytes): void {
  const folders = [
    ['lyra-v2', models.lyraManifest, models.lyraBlob],
    ['lyra-v2-denoise', models.denoiserManifest, models.denoiserBlob],
  ] as const;
  for (const [name, manifest, blob] of folders) {
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, name, 'manifest.json'), manifest);
    writeFileSync(join(dir, name, 'model.bin'), blob);
  }
}

/** golden.ts as one ES module with no imports, for Bun and Deno. */
export async function bundleGoldenModule(outfile: string): Promise<void> {
  await build({
    entryPoints: [join(here, 'golden.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    outfile,
    logLevel: 'warning',
  });
}

/** The golden entries import '../../src/index.js' (and the page '../../src/web/index.js'); point them at the package bundle instead. */
function packageAs(target: { external: string } | { file: string }): Plugin {
  return {
    name: 'package-under-test',
    setup(b) {
      b.onResolve({ filter: /\/src\/index\.js$/ }, () =>
        'external' in target ? { path: target.external, external: true } : { path: target.file },
      );
      b.onResolve({ filter: /\/src\/web\/index\.js$/ }, () => ({ path: '/pkg/src/web/index.js', external: true }));
    },
  };
}

/** A browser entry (main, worker, worklet) as one ES module importing the package from /pkg/. */
export async function bundleBrowserEntry(name: 'browser-main' | 'browser-worker' | 'browser-worklet'): Promise<string> {
  const result = await build({
    entryPoints: [join(here, `${name}.ts`)],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'warning',
    plugins: [packageAs({ external: '/pkg/src/index.js' })],
  });
  return result.outputFiles[0]!.text;
}

/** The Hermes script: package bundle + golden computation, lowered to ES5, model files inlined. */
export type HermesTask = { kind: 'golden'; frames: number } | { kind: 'time'; frames: number; warmup: number };

export async function hermesScript(packageDir: string, models: GoldenModelBytes, task: HermesTask): Promise<string> {
  const result = await build({
    entryPoints: [join(here, 'hermes-entry.ts')],
    bundle: true,
    format: 'iife',
    target: 'es2020',
    write: false,
    logLevel: 'warning',
    plugins: [packageAs({ file: join(packageDir, 'src/index.js') })],
  });
  const es5 = lowerToEs5(result.outputFiles[0]!.text);
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  const inline = {
    lyraManifest: b64(models.lyraManifest),
    lyraBlob: b64(models.lyraBlob),
    denoiserManifest: b64(models.denoiserManifest),
    denoiserBlob: b64(models.denoiserBlob),
  };
  return `var GOLDEN_MODELS = ${JSON.stringify(inline)};\nvar GOLDEN_TASK = ${JSON.stringify(task)};\n${es5}`;
}

/** A bundled script lowered to ES5: esbuild cannot lower classes to ES5; TypeScript can (Hermes has no class syntax). */
export function lowerToEs5(script: string): string {
  return ts.transpileModule(script, {
    compilerOptions: {
      target: ts.ScriptTarget.ES5,
      downlevelIteration: true,
      importHelpers: false,
      module: ts.ModuleKind.None,
    },
  }).outputText;
}

/** Serves the test page, its scripts, the package bundle under /pkg/ and the models under /models/. */
export async function serveMatrix(
  packageDir: string,
  models: GoldenModelBytes,
): Promise<{ server: Server; url: string }> {
  const files = new Map<string, { body: Uint8Array | string; type: string }>();
  const js = 'text/javascript';
  files.set('/', {
    body: '<!doctype html><meta charset="utf-8"><title>soundstream engines</title><script type="module" src="/main.js"></script>',
    type: 'text/html',
  });
  files.set('/main.js', { body: await bundleBrowserEntry('browser-main'), type: js });
  files.set('/worker.js', { body: await bundleBrowserEntry('browser-worker'), type: js });
  files.set('/worklet.js', { body: await bundleBrowserEntry('browser-worklet'), type: js });
  files.set('/models/lyra-v2/manifest.json', { body: models.lyraManifest, type: 'application/json' });
  files.set('/models/lyra-v2/model.bin', { body: models.lyraBlob, type: 'application/octet-stream' });
  files.set('/models/lyra-v2-denoise/manifest.json', { body: models.denoiserManifest, type: 'application/json' });
  files.set('/models/lyra-v2-denoise/model.bin', { body: models.denoiserBlob, type: 'application/octet-stream' });
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    let file = files.get(path);
    if (!file && path.startsWith('/pkg/') && !path.includes('..')) {
      try {
        file = { body: readFileSync(join(packageDir, path.slice('/pkg/'.length))), type: js };
      } catch {
        // 404 below
      }
    }
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

// The package as a user gets it: `npm pack`, the tarball installed into a fresh project, then
// (a) ESM import in Node, (b) a strict TypeScript consumer without @types/node, (c) an esbuild
// browser bundle with no flags (and without fft.js), (d) the `soundstream` bin, run from
// another directory. The tarball is packed from a staged copy of the repository built with
// scripts/build.mjs, so that other tests rebuilding dist/ cannot race it.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../src/audio/wav.js';
import { root } from './engines/harness.js';
import { HAVE_SHARED, LYRA_DIR } from './reference/lyra.js';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const tsc = join(root, 'node_modules/typescript/bin/tsc');
let tmp: string;
let consumer: string;
let packed: string[];

/** Copies the repository (no node_modules, dist, .git or imported Lyra weights) and builds the package there. */
function stageAndPack(): string {
  const stage = join(tmp, 'stage');
  const skip = new Set(['node_modules', 'dist', '.git', '.cache']);
  mkdirSync(stage);
  for (const entry of readdirSync(root)) {
    if (skip.has(entry) || entry.endsWith('.tgz')) continue;
    cpSync(join(root, entry), join(stage, entry), {
      recursive: true,
      filter: (src) => !src.startsWith(join(root, 'weights/lyra-v2/')) && src !== join(root, 'weights/lyra-v2'),
    });
  }
  symlinkSync(join(root, 'node_modules'), join(stage, 'node_modules'), 'dir');
  execFileSync(process.execPath, ['scripts/build.mjs', '--library-to', 'dist'], { cwd: stage, stdio: 'pipe' });
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: stage, stdio: 'pipe' });
  const out = execFileSync(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], {
    cwd: stage,
    encoding: 'utf8',
  });
  const [info] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
  packed = info!.files.map((f) => f.path);
  return join(tmp, info!.filename);
}

function run(command: string, args: string[], cwd: string) {
  return spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 180_000 });
}

describe('the packed package, installed into a fresh project', () => {
  beforeAll(() => {
    tmp = realpathSync(mkdtempSync(join(tmpdir(), 'soundstream-package-')));
    const tarball = stageAndPack();
    consumer = join(tmp, 'consumer');
    mkdirSync(consumer);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    const install = run(
      npm,
      ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', tarball],
      consumer,
    );
    if (install.status !== 0) throw new Error(`npm install of the tarball failed: ${install.stderr}`);
  }, 240_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('ships the library, its types, the bin, our denoiser, the docs and the licence, and nothing else', () => {
    const allowed =
      /^(package\.json|README\.md|LICENSE|bin\/soundstream\.mjs|dist\/(src|chunks)\/.+\.js|dist\/types\/.+\.d\.ts|weights\/lyra-v2-denoise\/(manifest\.json|model\.bin)|docs\/[\w.-]+\.md)$/;
    expect(packed.filter((f) => !allowed.test(f))).toEqual([]);
    for (const f of [
      'dist/src/index.js',
      'dist/src/node/index.js',
      'dist/src/metrics/index.js',
      'dist/types/index.d.ts',
      'weights/lyra-v2-denoise/model.bin',
      'dist/src/web/index.js',
      'dist/src/web/soundstream-worker.js',
      'dist/src/web/soundstream-worklet.js',
      'dist/types/web/index.d.ts',
      'LICENSE',
    ]) {
      expect(packed).toContain(f);
    }
  });

  it('(a) imports as ESM in Node: the node condition adds loadModel, which finds the shipped denoiser', () => {
    writeFileSync(
      join(consumer, 'check.mjs'),
      `import { Encoder, loadModel, denoiserModelDir } from 'soundstream-ts';
import { stoi } from 'soundstream-ts/metrics';
const model = await loadModel(denoiserModelDir());
console.log(JSON.stringify({ dir: denoiserModelDir(), model: model.manifest.model, encoder: typeof Encoder, stoi: typeof stoi }));`,
    );
    const result = run(process.execPath, ['check.mjs'], consumer);
    expect(result.stderr).toBe('');
    const out = JSON.parse(result.stdout) as { dir: string; model: string; encoder: string; stoi: string };
    expect(out.dir).toBe(join(consumer, 'node_modules/soundstream-ts/weights/lyra-v2-denoise'));
    expect(out).toMatchObject({ encoder: 'function', stoi: 'function' });
    expect(out.model).toMatch(/denoise/);
  });

  it('(b) typechecks in a strict consumer (exactOptionalPropertyTypes, noUncheckedIndexedAccess) with no @types/node', {
    timeout: 180_000,
  }, () => {
    expect(existsSync(join(consumer, 'node_modules/@types/node'))).toBe(false);
    const strict = {
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      noEmit: true,
      skipLibCheck: false,
      target: 'ES2022',
      lib: ['ES2022', 'DOM'],
      types: [],
    };
    writeFileSync(
      join(consumer, 'tsconfig.node.json'),
      JSON.stringify({
        compilerOptions: { ...strict, module: 'NodeNext', moduleResolution: 'NodeNext' },
        files: ['node-app.ts'],
      }),
    );
    writeFileSync(
      join(consumer, 'tsconfig.browser.json'),
      JSON.stringify({
        compilerOptions: { ...strict, module: 'ESNext', moduleResolution: 'Bundler' },
        files: ['browser-app.ts'],
      }),
    );
    writeFileSync(
      join(consumer, 'node-app.ts'),
      `import { loadModel, createEncoder, type Model } from 'soundstream-ts';
import { stoi } from 'soundstream-ts/metrics';
const model: Model = await loadModel('weights/lyra-v2');
const encoder = createEncoder({ model, bitrate: 6000 });
const packets: Uint8Array[] = encoder.encode(new Float32Array(320));
const score: number = stoi(new Float32Array(16000), new Float32Array(16000), 16000);
export { packets, score };`,
    );
    writeFileSync(
      join(consumer, 'browser-app.ts'),
      `import { loadModelFromUrl, loadModelFromBytes, createDecoder, type LoadProgress } from 'soundstream-ts';
// @ts-expect-error: file-system loading is not part of the browser entry
import { loadModel } from 'soundstream-ts';
const model = await loadModelFromUrl('/models/lyra-v2/', { onProgress: (p: LoadProgress) => console.log(p.loaded / p.total) });
const again = await loadModelFromBytes(new Uint8Array(0), model.blob);
const audio: Float32Array = createDecoder({ model: again }).decode(null);
export { audio, loadModel };`,
    );
    for (const config of ['tsconfig.node.json', 'tsconfig.browser.json']) {
      const result = run(process.execPath, [tsc, '-p', config], consumer);
      expect(result.stdout + result.stderr, config).toBe('');
      expect(result.status, config).toBe(0);
    }
  });

  it('(c) bundles for the browser with esbuild and no flags, without node: imports or fft.js', async () => {
    writeFileSync(
      join(consumer, 'web.js'),
      `import { loadModelFromUrl, createEncoder, createDecoder } from 'soundstream-ts';
const model = await loadModelFromUrl('/models/lyra-v2/');
const encoder = createEncoder({ model });
const decoder = createDecoder({ model });
for (const packet of encoder.encode(new Float32Array(640))) decoder.decode(packet);`,
    );
    const result = await build({
      absWorkingDir: consumer,
      entryPoints: ['web.js'],
      bundle: true,
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    const text = result.outputFiles[0]!.text;
    expect(result.errors).toEqual([]);
    expect(text).toContain('createEncoder');
    expect(text).not.toMatch(/fft\.js|node:/);
  });

  it('(d) the bin runs from another directory; --denoise on finds the shipped denoiser', { timeout: 180_000 }, () => {
    const bin = join(consumer, 'node_modules/.bin/soundstream');
    const help = run(bin, ['--help'], consumer);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^soundstream: /);
    const samples = new Float32Array(16000 / 2);
    for (let i = 0; i < samples.length; i++) samples[i] = 0.3 * (((i * 7) % 100) / 50 - 1);
    writeFileSync(join(consumer, 'in.wav'), encodeWav(samples, 16000, { bitsPerSample: 16 }));
    const info = run(bin, ['info', 'in.wav', '--json'], consumer);
    expect(info.status).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ type: 'wav', sampleRate: 16000 });
    if (!HAVE_SHARED) return;
    expect(run(bin, ['import-tflite', LYRA_DIR, '--out', 'lyra'], consumer).status).toBe(0);
    const roundtrip = run(
      bin,
      ['roundtrip', 'in.wav', 'out.wav', '--model', 'lyra', '--denoise', 'on', '--json'],
      consumer,
    );
    expect(roundtrip.stderr).toBe('');
    expect(roundtrip.status).toBe(0);
    expect(JSON.parse(roundtrip.stdout)).toMatchObject({ command: 'roundtrip', frames: 25 });
  });
});

// The benchmark still runs: `bench.js --quick` (a few frames, one repetition) in a child process.
// Only that it exits 0 and that every number it writes is finite and positive: no timed assertion
// (timings belong to `npm run bench`, not to a test on a shared machine).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const shared = fileURLToPath(new URL('../../shared/', import.meta.url));
const HAVE_SHARED = [
  'lyra-v2/soundstream_encoder.tflite',
  'lyra-v2/quantizer.tflite',
  'lyra-v2/lyragan.tflite',
  'audio/sample1_16kHz.wav',
].every((f) => existsSync(join(shared, f)));

/** Fields that are signed by nature: heap growth is noise around zero when nothing leaks. */
const SIGNED = new Set(['slopeBytesPerFrame', 'growthBytes']);

/** Every number in a JSON value, with its path. */
function numbers(value: unknown, path: string, out: { path: string; key: string; value: number }[] = []) {
  if (typeof value === 'number') out.push({ path, key: path.slice(path.lastIndexOf('.') + 1), value });
  else if (Array.isArray(value))
    value.forEach((v, i) => {
      numbers(v, `${path}[${i}]`, out);
    });
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) numbers(v, `${path}.${k}`, out);
  return out;
}

describe.skipIf(!HAVE_SHARED)('npm run bench -- --quick', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'soundstream-bench-smoke-'));
    const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
  }, 120_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('exits 0 and writes only finite, positive numbers', () => {
    const out = join(dir, 'results.json');
    const run = spawnSync(process.execPath, ['--expose-gc', 'dist/bench/bench.js', '--quick', '--out', out], {
      cwd: root,
      encoding: 'utf8',
      timeout: 240_000,
    });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    const results = JSON.parse(readFileSync(out, 'utf8'));
    expect(existsSync(join(dir, 'results.md'))).toBe(true);

    const all = numbers(results, '$');
    expect(all.length).toBeGreaterThan(100);
    const notFinite = all.filter((n) => !Number.isFinite(n.value));
    expect(notFinite.map((n) => n.path)).toEqual([]);
    const notPositive = all.filter((n) => !SIGNED.has(n.key) && !(n.value > 0));
    expect(notPositive.map((n) => `${n.path} = ${n.value}`)).toEqual([]);
    // The sections the report is made of are all there.
    const variants = ['int8', 'float', 'int8 fast', 'float fast'];
    for (const stage of [
      ...variants.map((v) => `encoder ${v}`),
      'quantize 16',
      'quantize 30',
      'quantize 46',
      ...variants.map((v) => `decoder ${v}`),
    ]) {
      expect(results.ours[stage]?.streaming?.median, stage).toBeGreaterThan(0);
    }
    expect(results.reference.plain.encoder.streaming.median).toBeGreaterThan(0);
    expect(results.reference.plain.decoder.streaming.median).toBeGreaterThan(0);
    expect(results.heap.samples.length).toBeGreaterThan(1);
    expect(Object.keys(results.layers)).toEqual([
      ...variants.map((v) => `encoder ${v}`),
      ...variants.map((v) => `decoder ${v}`),
    ]);
    expect(results.ceiling.kernelGmacPerS).toBeGreaterThan(0);
    expect(results.ceiling.rtfFloorAtKernelRate).toBeGreaterThan(0);
  }, 300_000);

  it('bench:browser exits 2 and says what is missing: the data in ../shared, or a browser', () => {
    const emptyShared = join(dir, 'no-shared');
    mkdirSync(emptyShared, { recursive: true });
    // scripts/build.mjs builds bench/browser.ts into dist/bench/ and runs it (its default build does not).
    const noData = spawnSync(process.execPath, ['scripts/build.mjs', '--run', 'bench/browser.ts', '--quick'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, SOUNDSTREAM_SHARED: emptyShared },
    });
    expect(noData.status, noData.stderr).toBe(2);
    expect(noData.stderr).toMatch(/shared\/lyra-v2 .*is missing/);

    // No Firefox on this machine, as far as the bench can tell: existsSync says so before it starts.
    const hideFirefox = join(dir, 'hide-firefox.mjs');
    writeFileSync(
      hideFirefox,
      `import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
const exists = fs.existsSync;
fs.existsSync = (path) => String(path) !== '/usr/bin/firefox-esr' && exists(path);
syncBuiltinESMExports();`,
    );
    const noFirefox = spawnSync(
      process.execPath,
      [
        'scripts/build.mjs',
        '--run',
        `--import=${hideFirefox}`,
        'bench/browser.ts',
        '--quick',
        '--browsers',
        'chromium,firefox',
      ],
      { cwd: root, encoding: 'utf8', timeout: 60_000 },
    );
    expect(noFirefox.status, noFirefox.stderr).toBe(2);
    expect(noFirefox.stderr).toContain('/usr/bin/firefox-esr is missing');
    expect(noFirefox.stderr).toContain('--browsers');
  }, 120_000);
});

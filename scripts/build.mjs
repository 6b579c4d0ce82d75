// Builds dist/: the package's entries (ES2022 modules sharing chunks, and their .d.ts in
// dist/types), then the scripts and benchmarks run from a checkout.
//   --library-to <dir>  only the package's entries, into <dir> instead of dist (tests use it to
//                       get the package's exact bundle without racing other builds of dist/)
//   --no-types          skip the .d.ts
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const libraryTo = process.argv.includes('--library-to') ? process.argv[process.argv.indexOf('--library-to') + 1] : undefined;
const common = {
  outdir: libraryTo ?? 'dist',
  outbase: '.',
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  logLevel: 'warning',
};
rmSync(`${common.outdir}/chunks`, { recursive: true, force: true });
// Shared chunks, so that a class is one class whichever entry it came from.
await build({
  ...common,
  entryPoints: ['src/index.ts', 'src/node/index.ts', 'src/metrics/index.ts', 'src/web/index.ts', 'src/cli/main.ts'],
  target: 'es2022',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
});
// The Web Audio nodes load these two by URL (next to dist/src/web/index.js): each is one self-contained module.
await build({
  ...common,
  platform: 'browser',
  target: 'es2022',
  entryPoints: { 'src/web/soundstream-worker': 'src/web/codec-worker.ts', 'src/web/soundstream-worklet': 'src/web/worklet.ts' },
});
if (libraryTo) process.exit(0);
await build({ ...common, target: 'node20', sourcemap: true, entryPoints: ['scripts/parity-report.ts', 'scripts/parity-sweep.ts', 'bench/bench.ts'].filter((f) => existsSync(f)) });
if (!process.argv.includes('--no-types')) {
  rmSync('dist/types', { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}

// Builds dist/: the package's entries (ES2022 modules sharing chunks, and their .d.ts in
// dist/types), then the scripts and benchmarks run from a checkout.
//   --library-to <dir>  only the package's entries, into <dir> instead of dist (tests use it to
//                       get the package's exact bundle without racing other builds of dist/)
//   --no-types          skip the .d.ts
// Or bundles one TypeScript program of the checkout (bench/, scripts/, demo/, train/) to dist/
// and runs it, which is what the npm scripts other than build do:
//   node scripts/build.mjs --run [node flags] <entry.ts> [the program's arguments]
import { build } from 'esbuild';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { join, resolve } from 'node:path';

// Programs run from a checkout: Node only, their npm dependencies left to node_modules.
const nodeProgram = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  outbase: '.',
};

if (process.argv[2] === '--run') {
  const rest = process.argv.slice(3);
  const entryAt = rest.findIndex((a) => !a.startsWith('-'));
  if (entryAt < 0 || !/\.ts$/.test(rest[entryAt]) || !existsSync(rest[entryAt])) {
    console.error(
      'usage: node scripts/build.mjs --run [node flags] <entry.ts> [arguments]  (entry: an existing .ts file)',
    );
    process.exit(2);
  }
  const entry = rest[entryAt];
  const outfile = `dist/${entry.replace(/\.ts$/, '.js')}`;
  await build({ ...nodeProgram, entryPoints: [entry], outfile });
  const program = spawn(process.execPath, [...rest.slice(0, entryAt), outfile, ...rest.slice(entryAt + 1)], {
    stdio: 'inherit',
  });
  // A signal sent to this process alone (not its group) must not leave the program running.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => program.kill(signal));
  const [code, signal] = await new Promise((resolve) => program.on('exit', (...end) => resolve(end)));
  process.exit(code ?? 128 + constants.signals[signal]);
}

const libraryTo = process.argv.includes('--library-to')
  ? process.argv[process.argv.indexOf('--library-to') + 1]
  : undefined;
const common = {
  outdir: libraryTo ?? 'dist',
  outbase: '.',
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  logLevel: 'warning',
};
// Shared chunks, so that a class is one class whichever entry it came from.
const library = await build({
  ...common,
  entryPoints: ['src/index.ts', 'src/node/index.ts', 'src/metrics/index.ts', 'src/web/index.ts', 'src/cli/main.ts'],
  target: 'es2022',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  metafile: true,
});
// Stale chunks go only after the new ones are written: a program started from dist/ meanwhile
// (a test running the CLI while another test rebuilds) never finds its chunk missing.
const chunkDir = `${common.outdir}/chunks`;
const written = new Set(Object.keys(library.metafile.outputs).map((file) => resolve(file)));
for (const name of existsSync(chunkDir) ? readdirSync(chunkDir) : []) {
  if (!written.has(resolve(chunkDir, name))) rmSync(join(chunkDir, name), { force: true });
}
// The Web Audio nodes load these two by URL (next to dist/src/web/index.js): each is one self-contained module.
await build({
  ...common,
  platform: 'browser',
  target: 'es2022',
  entryPoints: {
    'src/web/soundstream-worker': 'src/web/codec-worker.ts',
    'src/web/soundstream-worklet': 'src/web/worklet.ts',
  },
});
if (libraryTo) process.exit(0);
await build({
  ...nodeProgram,
  outdir: 'dist',
  entryPoints: ['scripts/parity-report.ts', 'scripts/parity-sweep.ts', 'bench/bench.ts'].filter((f) => existsSync(f)),
});
if (!process.argv.includes('--no-types')) {
  rmSync('dist/types', { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}

// Bundles the library entries, the CLI and the scripts with esbuild into dist/.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const common = {
  outdir: 'dist',
  outbase: '.',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  packages: 'external',
  logLevel: 'warning',
};
// The package's entries share chunks, so that a class is one class whichever entry it came from.
await build({
  ...common,
  entryPoints: ['src/index.ts', 'src/node/index.ts', 'src/metrics/index.ts', 'src/cli/main.ts'],
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
});
await build({ ...common, entryPoints: ['scripts/parity-report.ts', 'scripts/parity-sweep.ts', 'bench/bench.ts'].filter((f) => existsSync(f)) });

// Bundles the library, the CLI and the scripts with esbuild into dist/.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const entryPoints = ['src/index.ts', 'src/cli.ts', 'scripts/parity-report.ts', 'scripts/parity-sweep.ts', 'bench/bench.ts'].filter((f) => existsSync(f));
await build({
  entryPoints,
  outdir: 'dist',
  outbase: '.',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  packages: 'external',
  logLevel: 'warning',
});

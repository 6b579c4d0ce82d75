// Before and after in one Hermes process: this checkout's kernels against another checkout's
// (a `git worktree` or an unpacked `git archive` of the commit to compare with), frame by frame
// in turn, with the JIT kernels as a third codec, all on the same golden input; the order
// rotates every frame, so that a loaded machine slows each of them alike. Each codec must give
// the same decoded bits. bench/hermes-ab-entry.ts is bundled against both checkouts' src/.
// Needs ../shared (the Lyra v2 model) and hermes-engine-cli.
// Usage: node scripts/build.mjs --run bench/hermes-ab.ts <other checkout> [--frames N]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { ENGINE_BINARIES, have, runHermes } from '../test/engines/drivers.js';
import { lowerToEs5, root } from '../test/engines/harness.js';
import { haveShared, importInMemory, readLyraFiles } from './common.js';

const args = process.argv.slice(2);
const other = args[0] && !args[0].startsWith('--') ? resolve(args[0]) : null;
const frames = args.includes('--frames') ? Number(args[args.indexOf('--frames') + 1]) || 30 : 30;
if (!other || !haveShared() || !have(ENGINE_BINARIES.hermes)) {
  console.error(
    'usage: bench/hermes-ab.ts <other checkout> [--frames N]; needs ../shared/lyra-v2 and hermes-engine-cli',
  );
  process.exit(1);
}

/** Not the code under comparison, and an older checkout may predate it: always this checkout's. */
const BASE64_HELPER = '../test/engines/base64.js';

/** Resolves the entry's ../src/ and ../test/ imports inside `checkout` (but for BASE64_HELPER). */
const against = (checkout: string): Plugin => ({
  name: 'against',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/(src|test)\// }, (a) =>
      a.importer.endsWith('hermes-ab-entry.ts') && a.path !== BASE64_HELPER
        ? { path: join(checkout, 'bench', a.path).replace(/\.js$/, '.ts') }
        : undefined,
    );
  },
});
const bundle = async (checkout: string) =>
  lowerToEs5(
    (
      await build({
        entryPoints: [join(root, 'bench/hermes-ab-entry.ts')],
        bundle: true,
        format: 'iife',
        target: 'es2020',
        write: false,
        logLevel: 'warning',
        plugins: [against(checkout)],
      })
    ).outputFiles[0]!.text,
  );

const { manifestText, blob } = await importInMemory(readLyraFiles());
const files = { manifest: Buffer.from(manifestText).toString('base64'), blob: Buffer.from(blob).toString('base64') };
// Runs in Hermes (ES5): the three codecs frame by frame, the order rotating, then the means.
const driver = `
var codecs = [];
SETUP_BEFORE(FILES, ${frames}, 'interpreter')
  .then(function (c) { codecs.push({ name: 'before', codec: c }); return SETUP_AFTER(FILES, ${frames}, 'interpreter'); })
  .then(function (c) { codecs.push({ name: 'after', codec: c }); return SETUP_AFTER(FILES, ${frames}, 'jit'); })
  .then(function (c) {
    codecs.push({ name: 'jit kernels', codec: c });
    var mismatches = 0, i, n;
    for (n = 0; n < codecs.length; n++) { codecs[n].encodeMs = 0; codecs[n].decodeMs = 0; }
    for (var f = 0; f < ${frames}; f++) {
      for (n = 0; n < codecs.length; n++) {
        var c = codecs[(f + n) % codecs.length];
        var t = c.codec.frame(f);
        c.encodeMs += t[0] / ${frames};
        c.decodeMs += t[1] / ${frames};
      }
      for (n = 1; n < codecs.length; n++)
        for (i = 0; i < codecs[0].codec.decoded.length; i++)
          if (codecs[n].codec.decoded[i] !== codecs[0].codec.decoded[i]) mismatches++;
    }
    print(JSON.stringify({ result: { mismatches: mismatches, codecs: codecs.map(function (c) {
      return { name: c.name, encodeMs: c.encodeMs, decodeMs: c.decodeMs };
    }) } }));
  }, function (e) { print(JSON.stringify({ error: String(e && e.stack || e) })); });
`;
const tmp = mkdtempSync(join(tmpdir(), 'soundstream-hermes-ab-'));
try {
  const script = join(tmp, 'ab.js');
  writeFileSync(
    script,
    [
      `var FILES = ${JSON.stringify(files)};`,
      await bundle(other),
      'var SETUP_BEFORE = globalThis.HERMES_AB_SETUP;',
      await bundle(root),
      'var SETUP_AFTER = globalThis.HERMES_AB_SETUP;',
      driver,
    ].join('\n'),
  );
  const outcome = runHermes(script);
  if ('error' in outcome) throw new Error(outcome.error);
  const { mismatches, codecs } = outcome.result as unknown as {
    mismatches: number;
    codecs: { name: string; encodeMs: number; decodeMs: number }[];
  };
  const total = (c: (typeof codecs)[number]) => c.encodeMs + c.decodeMs;
  const after = codecs.find((c) => c.name === 'after')!;
  console.log(`Hermes, ${frames} frames, the codecs in turn frame by frame (ms per 20 ms frame):`);
  console.log('| kernels | encode + quantize | decode | total | after is faster by |');
  console.log('|---|---:|---:|---:|---:|');
  for (const c of codecs)
    console.log(
      `| ${c.name === 'before' ? `interpreter, ${other}` : c.name === 'after' ? 'interpreter, this checkout' : 'jit, this checkout'} | ` +
        `${c.encodeMs.toFixed(1)} | ${c.decodeMs.toFixed(1)} | ${total(c).toFixed(1)} | ${(total(c) / total(after)).toFixed(2)}x |`,
    );
  console.log(`decoded values that differ between them: ${mismatches}`);
  process.exit(mismatches === 0 ? 0 : 1);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

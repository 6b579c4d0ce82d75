// Where Hermes spends its time, and what the interpreter kernels (ComputeOptions.kernels) gain: the
// Lyra v2 encoder and decoder (int8 model, exact) layer by layer inside Hermes
// (bench/hermes-layers-entry.ts, lowered to ES5 as the engine matrix does), summed per layer
// type, with the JIT and the interpreter kernels interleaved; with --codec, whole frames of
// encoder + quantizer and decoder instead (and a check that both give the same bits).
// Needs ../shared (the Lyra v2 model) and hermes-engine-cli.
// Usage: node scripts/build.mjs --run bench/hermes-layers.ts [--repeats N] [--nodes] [--codec [--frames N]]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ENGINE_BINARIES, have, runHermes } from '../test/engines/drivers.js';
import { lowerToEs5, root } from '../test/engines/harness.js';
import { haveShared, importInMemory, readLyraFiles } from './common.js';

interface Timed {
  node: number;
  type: string;
  macs: number;
  jit: number;
  interpreter: number;
}

const args = process.argv.slice(2);
const option = (name: string, fallback: number) =>
  args.includes(name) ? Number(args[args.indexOf(name) + 1]) || fallback : fallback;
const repeats = option('--repeats', 20);
const kind = args.includes('--codec') ? 'codec' : 'layers';
const frames = option('--frames', kind === 'codec' ? 20 : 3);
if (!haveShared() || !have(ENGINE_BINARIES.hermes)) {
  console.error('bench/hermes-layers.ts needs ../shared/lyra-v2 and hermes-engine-cli');
  process.exit(1);
}

const { manifestText, blob } = await importInMemory(readLyraFiles());
const bundle = await build({
  entryPoints: [join(root, 'bench/hermes-layers-entry.ts')],
  bundle: true,
  format: 'iife',
  target: 'es2020',
  write: false,
  logLevel: 'warning',
});
const model = { manifest: Buffer.from(manifestText).toString('base64'), blob: Buffer.from(blob).toString('base64') };
const tmp = mkdtempSync(join(tmpdir(), 'soundstream-hermes-layers-'));
try {
  const script = join(tmp, 'layers.js');
  writeFileSync(
    script,
    `var LAYER_MODEL = ${JSON.stringify(model)};\nvar LAYER_TASK = ${JSON.stringify({ kind, repeats, frames })};\n${lowerToEs5(bundle.outputFiles[0]!.text)}`,
  );
  const outcome = runHermes(script);
  if ('error' in outcome) throw new Error(outcome.error);
  if (kind === 'codec') {
    const codec = outcome.result as unknown as {
      mismatches: number;
      styles: { kernels: string; encodeMs: number; decodeMs: number }[];
    };
    console.log(`Hermes, ${frames} frames, the two kernel styles alternating frame by frame (ms per 20 ms frame):`);
    console.log('| kernels | encode + quantize | decode | total |');
    console.log('|---|---:|---:|---:|');
    for (const s of codec.styles)
      console.log(
        `| ${s.kernels} | ${s.encodeMs.toFixed(1)} | ${s.decodeMs.toFixed(1)} | ${(s.encodeMs + s.decodeMs).toFixed(1)} |`,
      );
    console.log(`values that differ between the two: ${codec.mismatches}`);
    process.exit(codec.mismatches === 0 ? 0 : 1);
  }
  const result = outcome.result as unknown as Record<string, Timed[]>;
  for (const [which, rows] of Object.entries(result)) {
    const total = (style: 'jit' | 'interpreter') => rows.reduce((a, r) => a + r[style], 0);
    const byType = new Map<string, { nodes: number; macs: number; jit: number; interpreter: number }>();
    for (const r of rows) {
      const t = byType.get(r.type) ?? { nodes: 0, macs: 0, jit: 0, interpreter: 0 };
      t.nodes++;
      t.macs += r.macs;
      t.jit += r.jit;
      t.interpreter += r.interpreter;
      byType.set(r.type, t);
    }
    console.log(
      `\n${which}: layer by layer in Hermes, ${total('jit').toFixed(1)} ms/frame with the JIT kernels, ` +
        `${total('interpreter').toFixed(1)} with the interpreter kernels (${repeats} runs of each layer, interleaved)`,
    );
    console.log(
      '| layer type | nodes | kMAC/frame | JIT kernels ms/frame | ns/MAC | interpreter kernels ms/frame | ns/MAC | speed-up |',
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
    const perMac = (ms: number, macs: number) => (macs ? ((ms * 1e6) / macs).toFixed(1) : '-');
    for (const [type, t] of [...byType].sort((a, b) => b[1].jit - a[1].jit)) {
      console.log(
        `| ${type} | ${t.nodes} | ${(t.macs / 1000).toFixed(1)} | ${t.jit.toFixed(2)} | ${perMac(t.jit, t.macs)} | ` +
          `${t.interpreter.toFixed(2)} | ${perMac(t.interpreter, t.macs)} | ${(t.jit / t.interpreter).toFixed(2)} |`,
      );
    }
    if (args.includes('--nodes'))
      for (const r of rows)
        console.log(
          `  node ${r.node} ${r.type}: ${r.jit.toFixed(2)} / ${r.interpreter.toFixed(2)} ms, ${(r.macs / 1000).toFixed(1)} kMAC`,
        );
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

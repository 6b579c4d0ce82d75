// The layering of src/ (README, "Layout"): a folder may import only folders to its left in this
// order, and everything left of node/ runs in a browser, so it imports no Node built-in. Read from
// the source text, type-only imports included: a type import is still a dependency on the design.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ORDER = ['util', 'kernels', 'layers', 'model', 'audio', 'codec', 'import', 'metrics', 'web', 'node', 'cli'];
const NODE_ONLY = new Set(['node', 'cli']);
const SRC = fileURLToPath(new URL('../src/', import.meta.url));

type Import = { file: string; specifier: string };

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every module specifier of a file: static imports and re-exports, side-effect imports, import(). */
function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const found: Import[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])([^'"\n]+)\1/gm)) {
    found.push({ file: relative(SRC, file).split(sep).join('/'), specifier: m[2] });
  }
  return found;
}

/** The folder of src/ a path lies in ('' for src/ itself, null outside src/). */
function folderOf(path: string): string | null {
  const rel = relative(SRC, path);
  if (rel.startsWith('..')) return null;
  const parts = rel.split(sep);
  return parts.length > 1 ? parts[0] : '';
}

/** A folder's place in the order; src/index.ts, the browser entry, gathers the browser-safe
 * folders, and the Node entry re-exports it, so it ranks just left of node/. */
const rank = (folder: string) => (folder === '' ? ORDER.indexOf('node') - 0.5 : ORDER.indexOf(folder));

const all = tsFiles(SRC).flatMap(importsOf);

describe('architecture of src/', () => {
  it('has only the folders of the layering', () => {
    const folders = readdirSync(SRC, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.filter((f) => !ORDER.includes(f))).toEqual([]);
  });

  it('finds the imports it checks', () => {
    // A parser that silently found nothing would pass every rule below.
    expect(all.some((i) => i.file === 'codec/encoder.ts' && i.specifier.startsWith('../'))).toBe(true);
    expect(all.some((i) => i.file.startsWith('node/') && i.specifier.startsWith('node:'))).toBe(true);
  });

  it('imports only folders to the left', () => {
    const offending: string[] = [];
    for (const { file, specifier } of all) {
      if (!specifier.startsWith('.')) continue;
      const from = folderOf(join(SRC, file))!;
      const to = folderOf(resolve(dirname(join(SRC, file)), specifier));
      if (from === to) continue;
      if (to === null || rank(to) > rank(from)) {
        offending.push(
          `src/${file} imports '${specifier}' (${from || 'src/index.ts'} may not depend on ${to === null ? 'anything outside src/' : to || 'src/index.ts'})`,
        );
      }
    }
    expect(offending, `imports against the order ${ORDER.join(' → ')}:\n${offending.join('\n')}\n`).toEqual([]);
  });

  it('keeps Node built-ins out of the browser-safe folders and the browser entry', () => {
    const builtins = new Set(builtinModules);
    const offending = all
      .filter(({ file }) => !NODE_ONLY.has(file.split('/')[0]))
      .filter(({ specifier }) => specifier.startsWith('node:') || builtins.has(specifier.split('/')[0]))
      .map(({ file, specifier }) => `src/${file} imports '${specifier}'`);
    expect(offending, `Node built-ins outside src/node and src/cli:\n${offending.join('\n')}\n`).toEqual([]);
  });
});

// soundstream fetch-weights lyra-v2 [--from <dir-or-url>] [--out <dir>]

import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { LYRA_V2_FILES, LYRA_V2_SHA256 } from '../import/lyra-v2.js';
import { UsageError, str, type Context, type OptionValues } from './args.js';
import { CliError, readInput, sameDir } from './files.js';
import { DEFAULT_MODEL_DIR, LYRA_V2_URL_PREFIX } from './usage.js';
import { buildModelFiles, reportImport, writeModelDir } from './write-model.js';

async function download(url: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    throw new CliError(`cannot download ${url}: ${cause ?? (err as Error).message}`);
  }
  if (!res.ok) throw new CliError(`cannot download ${url}: HTTP ${res.status} ${res.statusText}`.trimEnd());
  return new Uint8Array(await res.arrayBuffer());
}

export async function cmdFetchWeights([name]: string[], opts: OptionValues, ctx: Context): Promise<void> {
  if (name !== 'lyra-v2')
    throw new UsageError(`fetch-weights: unknown model ${JSON.stringify(name)}; available: lyra-v2`);
  const from = str(opts, 'from') ?? LYRA_V2_URL_PREFIX;
  const out = str(opts, 'out') ?? DEFAULT_MODEL_DIR;
  const isUrl = /^https?:\/\//i.test(from);
  if (!isUrl && (await sameDir(from, out)))
    throw new CliError(`refusing to write the model into the source folder ${from}; choose another --out`);
  const prefix = isUrl && !from.endsWith('/') ? `${from}/` : from;
  const got: Uint8Array[] = [];
  for (const file of LYRA_V2_FILES) {
    const where = isUrl ? prefix + file : join(from, file);
    const bytes = isUrl ? await download(where) : await readInput(where, 'model file');
    const actual = createHash('sha256').update(bytes).digest('hex');
    const expected = LYRA_V2_SHA256[file];
    if (actual !== expected) {
      throw new CliError(
        `${file}: sha256 mismatch (expected ${expected}, got ${actual}) from ${where}; nothing written`,
      );
    }
    got.push(bytes);
  }
  const { manifest, blob, manifestText } = await buildModelFiles({
    encoder: got[0],
    quantizer: got[1],
    decoder: got[2],
  });
  await writeModelDir(out, manifest, blob, manifestText);
  reportImport(ctx, from, out, manifest, {
    verified: Object.fromEntries(LYRA_V2_FILES.map((f) => [f, LYRA_V2_SHA256[f]])),
  });
}

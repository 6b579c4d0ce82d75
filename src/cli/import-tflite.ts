// soundstream import-tflite <dir> [--out <dir>]

import { join } from 'node:path';
import { LYRA_V2_FILES, LYRA_V2_SHA256 } from '../import/lyra-v2.js';
import { str, type Context, type OptionValues } from './args.js';
import { CliError, readInput, sameDir } from './files.js';
import { DEFAULT_MODEL_DIR } from './usage.js';
import { buildModelFiles, reportImport, writeModelDir } from './write-model.js';

export async function cmdImportTflite([dir]: string[], opts: OptionValues, ctx: Context): Promise<void> {
  const out = str(opts, 'out') ?? DEFAULT_MODEL_DIR;
  if (await sameDir(dir, out))
    throw new CliError(`refusing to write the model into the input folder ${dir}; choose another --out`);
  const [encoder, quantizer, decoder] = await Promise.all(
    LYRA_V2_FILES.map((f) => readInput(join(dir, f), 'model file')),
  );
  const { manifest, blob, manifestText } = await buildModelFiles({ encoder, quantizer, decoder });
  // The importer maps any file of the right structure; say whether these are the files Google released.
  const sums = (manifest.provenance as { sha256: Record<string, string> }).sha256;
  const unknown = LYRA_V2_FILES.filter((f) => sums[f] !== LYRA_V2_SHA256[f]);
  for (const f of unknown) {
    ctx.warn(
      `warning: ${join(dir, f)} is not the Lyra v2 release file (sha256 ${sums[f].slice(0, 16)}..., the release's is ${LYRA_V2_SHA256[f].slice(0, 16)}...); imported anyway`,
    );
  }
  await writeModelDir(out, manifest, blob, manifestText);
  reportImport(ctx, dir, out, manifest, { knownRelease: unknown.length === 0 });
}

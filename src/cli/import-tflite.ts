// soundstream import-tflite <dir> [--out <dir>]

import { join } from 'node:path';
import { LYRA_V2_FILES } from '../import/lyra-v2.js';
import { str, type Context, type OptionValues } from './args.js';
import { CliError, readInput, sameDir } from './files.js';
import { DEFAULT_MODEL_DIR } from './usage.js';
import { buildModelFiles, reportImport, writeModelDir } from './write-model.js';

export async function cmdImportTflite([dir]: string[], opts: OptionValues, ctx: Context): Promise<void> {
  const out = str(opts, 'out') ?? DEFAULT_MODEL_DIR;
  if (await sameDir(dir, out)) throw new CliError(`refusing to write the model into the input folder ${dir}; choose another --out`);
  const [encoder, quantizer, decoder] = await Promise.all(LYRA_V2_FILES.map((f) => readInput(join(dir, f), 'model file')));
  const { manifest, blob, manifestText } = await buildModelFiles({ encoder, quantizer, decoder });
  await writeModelDir(out, manifest, blob, manifestText);
  reportImport(ctx, dir, out, manifest);
}

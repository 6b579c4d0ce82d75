// Shared by import-tflite and fetch-weights: convert Lyra v2, check it loads, write the model folder.

import { join } from 'node:path';
import { Decoder } from '../codec/decoder.js';
import { Encoder } from '../codec/encoder.js';
import { Quantizer } from '../codec/quantizer.js';
import { importLyraV2 } from '../import/lyra-v2.js';
import { loadModelFromBytes } from '../model/load.js';
import type { Manifest } from '../model/manifest.js';
import type { Context } from './args.js';
import { OutputDirError, writeDirAtomic } from './atomic-write.js';
import { CliError, errnoText } from './files.js';

export async function buildModelFiles(files: { encoder: Uint8Array; quantizer: Uint8Array; decoder: Uint8Array }) {
  const { manifest, blob } = await importLyraV2(files);
  const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
  // Check the result loads exactly as `--model` will load it before anything is written.
  const model = await loadModelFromBytes(manifestText, blob, 'imported model');
  new Encoder(model);
  new Decoder(model);
  new Quantizer(model);
  return { manifest, blob, manifestText };
}

export async function writeModelDir(
  out: string,
  manifest: Manifest,
  blob: Uint8Array,
  manifestText: string,
): Promise<void> {
  const files: Record<string, Uint8Array> = {
    'manifest.json': new TextEncoder().encode(manifestText),
    [manifest.blob.file]: blob,
  };
  try {
    await writeDirAtomic(out, files, ['manifest.json', 'model.bin', manifest.blob.file]);
  } catch (err) {
    if (err instanceof OutputDirError) throw new CliError(err.message);
    throw new CliError(`cannot write ${out}: ${errnoText(err)}`);
  }
}

export function reportImport(
  ctx: Context,
  source: string,
  out: string,
  manifest: Manifest,
  extra: Record<string, unknown> = {},
): void {
  const written = ['manifest.json', manifest.blob.file].map((f) => join(out, f));
  if (ctx.json) {
    ctx.out(
      JSON.stringify({
        model: manifest.model,
        source,
        out,
        files: written,
        tensors: manifest.tensors.length,
        bytes: manifest.blob.byteLength,
        sha256: manifest.blob.sha256,
        ...extra,
      }),
    );
    return;
  }
  ctx.out(`imported ${manifest.model} from ${source}`);
  if (extra.knownRelease !== undefined) {
    ctx.out(
      `  files:   ${extra.knownRelease ? 'the Lyra v2 release (sha256 of all three verified)' : 'NOT the Lyra v2 release (see the warning above)'}`,
    );
  }
  ctx.out(`  tensors: ${manifest.tensors.length}`);
  ctx.out(`  bytes:   ${manifest.blob.byteLength} (${manifest.blob.file})`);
  ctx.out(`  sha256:  ${manifest.blob.sha256}`);
  ctx.out(`wrote ${written.join(' and ')}`);
}

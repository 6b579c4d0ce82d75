// Node-only model loading (Node, Bun, Deno): reads a model folder from the file system.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkManifest, loadModelFromBytes, ModelError, type Model } from '../model/load.js';

/** Node / Bun / Deno: reads `dir`/manifest.json and its blob. */
export async function loadModel(dir: string): Promise<Model> {
  let manifestText: string;
  try {
    manifestText = await readFile(join(dir, 'manifest.json'), 'utf8');
  } catch {
    throw new ModelError(
      `no model at ${dir} (manifest.json missing). Set up Lyra v2 weights with ` +
      '`npx soundstream import-tflite <folder with the three .tflite files>` or `npx soundstream fetch-weights lyra-v2`.',
    );
  }
  const manifest = checkManifest(JSON.parse(manifestText), dir);
  let blob: Uint8Array;
  try {
    blob = new Uint8Array(await readFile(join(dir, manifest.blob.file)));
  } catch {
    throw new ModelError(`${dir}: weight blob ${manifest.blob.file} is missing`);
  }
  return loadModelFromBytes(manifestText, blob, dir);
}

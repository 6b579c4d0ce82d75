// Node-only model loading (Node, Bun, Deno): reads a model folder from the file system.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkManifest, loadModelFromBytes, ModelError, type Model } from '../model/load.js';

/**
 * Reads `dir`/manifest.json and its blob. A missing folder or file is a ModelError; any other
 * failure to read (permissions, Deno's NotCapable/PermissionDenied, I/O) is thrown as it is.
 */
export async function loadModel(dir: string): Promise<Model> {
  let manifestText: string;
  try {
    manifestText = await readFile(join(dir, 'manifest.json'), 'utf8');
  } catch (err) {
    if (!isNotFound(err)) throw err;
    throw new ModelError(`no model at ${dir} (manifest.json missing)`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(manifestText);
  } catch (err) {
    throw new ModelError(`${dir}: manifest.json is not valid JSON (${(err as Error).message})`);
  }
  const manifest = checkManifest(raw, dir);
  let blob: Uint8Array;
  try {
    blob = new Uint8Array(await readFile(join(dir, manifest.blob.file)));
  } catch (err) {
    if (!isNotFound(err)) throw err;
    throw new ModelError(`${dir}: weight blob ${manifest.blob.file} is missing`);
  }
  return loadModelFromBytes(manifestText, blob, dir);
}

function isNotFound(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

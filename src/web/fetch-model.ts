// Fetches a model folder (manifest.json + its weight blob) over HTTP, with progress.

import { ModelError } from '../model/load.js';
import type { ModelBytes } from './protocol.js';

export interface FetchModelOptions {
  /** Bytes of the blob received so far and its size from the manifest. */
  onProgress?: (received: number, total: number) => void;
  signal?: AbortSignal;
}

/** `baseUrl` is the folder (e.g. '/weights/lyra-v2/'). The bytes are checked when a node loads them (sha256, tensor table). */
export async function fetchModel(baseUrl: string | URL, options: FetchModelOptions = {}): Promise<ModelBytes> {
  const base = new URL(String(baseUrl).endsWith('/') ? String(baseUrl) : `${String(baseUrl)}/`, globalThis.location?.href);
  const manifestUrl = new URL('manifest.json', base);
  const manifestResponse = await fetch(manifestUrl, { signal: options.signal });
  if (!manifestResponse.ok) throw new ModelError(`no model at ${base.href}: manifest.json: HTTP ${manifestResponse.status}`);
  const manifestText = await manifestResponse.text();
  let blobFile: unknown;
  let total: unknown;
  try {
    const blob = (JSON.parse(manifestText) as { blob?: { file?: unknown; byteLength?: unknown } }).blob;
    blobFile = blob?.file;
    total = blob?.byteLength;
  } catch (err) {
    throw new ModelError(`${manifestUrl.href} is not valid JSON (${(err as Error).message})`);
  }
  if (typeof blobFile !== 'string' || typeof total !== 'number' || !Number.isSafeInteger(total) || total < 0) {
    throw new ModelError(`${manifestUrl.href}: blob.file and blob.byteLength are missing`);
  }
  const blobUrl = new URL(blobFile, base);
  const response = await fetch(blobUrl, { signal: options.signal });
  if (!response.ok || !response.body) throw new ModelError(`${blobUrl.href}: HTTP ${response.status}`);
  const blob = new Uint8Array(total);
  let received = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (received + value.length > total) {
      await reader.cancel();
      throw new ModelError(`${blobUrl.href} is larger than the ${total} bytes its manifest says`);
    }
    blob.set(value, received);
    received += value.length;
    options.onProgress?.(received, total);
  }
  if (received !== total) throw new ModelError(`${blobUrl.href}: got ${received} bytes, the manifest says ${total} (truncated)`);
  return { manifestText, blob };
}

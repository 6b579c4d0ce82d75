// Loading a model over HTTP with fetch (browsers, workers, Deno, Bun, Node).
import { checkManifest, loadModelFromBytes, ModelError, type Model } from './load.js';
import { decodeUtf8 } from '../util/utf8.js';

export interface LoadProgress {
  /** Bytes of the weight blob received so far. */
  loaded: number;
  /** The blob's size from the manifest. */
  total: number;
}

export interface LoadModelFromUrlOptions {
  /** Called as the weight blob arrives, the last time with loaded === total. */
  onProgress?: (progress: LoadProgress) => void;
  /** Passed to fetch, to cancel the download. */
  signal?: AbortSignal;
  /** A fetch to use instead of the global one. */
  fetch?: typeof fetch;
}

/**
 * Fetches `url`/manifest.json and the blob it names from the same folder, then checks and loads
 * them as loadModelFromBytes does. `url` is the model folder, e.g. '/models/lyra-v2/'; a relative
 * one resolves against the page or worker location.
 */
export async function loadModelFromUrl(url: string | URL, options: LoadModelFromUrlOptions = {}): Promise<Model> {
  const fetchFn = options.fetch ?? (globalThis as { fetch?: typeof fetch }).fetch;
  if (!fetchFn) throw new ModelError('loadModelFromUrl needs fetch, which this runtime lacks; use loadModelFromBytes');
  const location = (globalThis as { location?: { href: string } }).location;
  const folder = new URL(String(url).endsWith('/') ? String(url) : `${String(url)}/`, location?.href);
  const manifestUrl = new URL('manifest.json', folder).href;
  const manifestBytes = await download(fetchFn, manifestUrl, options.signal);
  let manifestText: string;
  let raw: unknown;
  try {
    manifestText = decodeUtf8(manifestBytes);
    raw = JSON.parse(manifestText);
  } catch (err) {
    throw new ModelError(`${manifestUrl} is not valid JSON (${(err as Error).message})`);
  }
  const { file, byteLength } = checkManifest(raw, manifestUrl).blob;
  const blobUrl = new URL(file, folder).href;
  const blob = await download(fetchFn, blobUrl, options.signal, (loaded) =>
    options.onProgress?.({ loaded, total: byteLength }),
  );
  return loadModelFromBytes(manifestText, blob, folder.href);
}

/** The body of `url`; `onBytes` hears the running count as it arrives. HTTP errors become ModelErrors. */
async function download(
  fetchFn: typeof fetch,
  url: string,
  signal?: AbortSignal,
  onBytes?: (loaded: number) => void,
): Promise<Uint8Array> {
  const response = await fetchFn(url, signal ? { signal } : {});
  if (!response.ok)
    throw new ModelError(`cannot fetch ${url}: HTTP ${response.status} ${response.statusText}`.trimEnd());
  if (!onBytes || !response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    onBytes?.(bytes.length);
    return bytes;
  }
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    loaded += value.length;
    onBytes(loaded);
  }
  if (loaded === 0) onBytes(0);
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
}

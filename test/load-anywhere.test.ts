// Loading in runtimes with less than Node: manifest bytes without TextDecoder, no WebCrypto,
// over HTTP with progress, and the plain UTF-8 decoder against TextDecoder. Uses the denoiser
// shipped in weights/ (committed), so it needs nothing from ../shared.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadModelFromBytes, ModelError } from '../src/model/load.js';
import { loadModelFromUrl, type LoadProgress } from '../src/model/load-url.js';
import { decodeUtf8, decodeUtf8Plain } from '../src/util/utf8.js';
import { denoiserModelDir } from '../src/node/package-files.js';

const dir = denoiserModelDir();
const manifestBytes = new Uint8Array(readFileSync(`${dir}/manifest.json`));
const blob = new Uint8Array(readFileSync(`${dir}/model.bin`));

describe('decodeUtf8Plain', () => {
  it('equals TextDecoder on ASCII, 2-, 3- and 4-byte sequences and long text', () => {
    const samples = ['', 'manifest', 'é ü ß', '€ 中文', '𝄞 😀 mixed ascii', 'x'.repeat(10_000) + 'ĳ'.repeat(5000)];
    for (const text of samples) expect(decodeUtf8Plain(new TextEncoder().encode(text))).toBe(text);
    expect(decodeUtf8Plain(manifestBytes)).toBe(new TextDecoder().decode(manifestBytes));
  });

  it('rejects malformed UTF-8 (stray continuation, overlong, truncated, surrogate)', () => {
    for (const bad of [[0x80], [0xc0, 0xaf], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]]) {
      expect(() => decodeUtf8Plain(new Uint8Array(bad)), JSON.stringify(bad)).toThrow(RangeError);
      expect(() => decodeUtf8(new Uint8Array(bad))).toThrow(RangeError);
    }
  });
});

describe('loadModelFromBytes without TextDecoder or WebCrypto', () => {
  it('loads manifest bytes and blob to the same model', async () => {
    const reference = await loadModelFromBytes(new TextDecoder().decode(manifestBytes), blob);
    vi.stubGlobal('TextDecoder', undefined);
    vi.stubGlobal('crypto', undefined);
    try {
      const model = await loadModelFromBytes(manifestBytes, blob);
      expect(model.manifest).toEqual(reference.manifest);
      const tampered = blob.slice();
      tampered[17]! ^= 4;
      await expect(loadModelFromBytes(manifestBytes, tampered)).rejects.toThrow(/tampered or corrupt/);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('loadModelFromUrl', () => {
  let server: Server;
  let base: string;
  const requests: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      const body = req.url === '/m/manifest.json' ? manifestBytes : req.url === '/m/model.bin' ? blob : null;
      if (!body) return void res.writeHead(404, 'Not Found').end();
      res.writeHead(200, { 'content-length': body.length }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server?.close());

  it('fetches manifest.json and the blob it names, reporting progress up to the whole blob', async () => {
    const progress: LoadProgress[] = [];
    const model = await loadModelFromUrl(`${base}/m`, { onProgress: (p) => progress.push(p) });
    expect(Buffer.from(model.blob).equals(blob)).toBe(true);
    expect(requests.slice(-2)).toEqual(['/m/manifest.json', '/m/model.bin']);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toEqual({ loaded: blob.length, total: blob.length });
    for (let i = 1; i < progress.length; i++)
      expect(progress[i]!.loaded).toBeGreaterThanOrEqual(progress[i - 1]!.loaded);
  });

  it('names the URL and HTTP status of a missing model, and passes network errors through', async () => {
    await expect(loadModelFromUrl(`${base}/nothing/`)).rejects.toThrow(
      new ModelError(`cannot fetch ${base}/nothing/manifest.json: HTTP 404 Not Found`),
    );
    const failing = (() => Promise.reject(new TypeError('network down'))) as typeof fetch;
    await expect(loadModelFromUrl(`${base}/m/`, { fetch: failing })).rejects.toThrow('network down');
  });
});

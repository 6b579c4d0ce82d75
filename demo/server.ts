// Builds the demo page into a static folder (esbuild) and serves it on 127.0.0.1.
// The folder works with any static server too; this one adds the headers that make the page
// cross-origin isolated (so the nodes move audio through SharedArrayBuffer rings), except for
// /?isolated=0, which gets the MessagePort path.

import { build } from 'esbuild';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';

export interface DemoBuild {
  dir: string;
  /** Whether weights/lyra-v2 was there to copy (else the page says how to make it). */
  weights: boolean;
  sample: boolean;
}

/** `root`: the repository (weights/ and ../shared are found from it). */
export async function buildDemo(root: string, outDir = join(root, 'dist', 'web')): Promise<DemoBuild> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: {
      demo: join(root, 'demo', 'demo.ts'),
      'network-worker': join(root, 'demo', 'network-worker.ts'),
      'soundstream-worker': join(root, 'src', 'web', 'codec-worker.ts'),
      'soundstream-worklet': join(root, 'src', 'web', 'worklet.ts'),
    },
    outdir: outDir,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    sourcemap: true,
    // loadModel (Node, reads files) sits beside loadModelFromBytes; the page never reaches it.
    external: ['node:*'],
    logLevel: 'warning',
  });
  copyFileSync(join(root, 'demo', 'index.html'), join(outDir, 'index.html'));
  let weights = false;
  for (const name of ['lyra-v2', 'lyra-v2-denoise']) {
    const from = join(root, 'weights', name);
    if (!existsSync(join(from, 'manifest.json'))) continue;
    cpSync(from, join(outDir, 'weights', name), { recursive: true });
    if (name === 'lyra-v2') weights = true;
  }
  const sample = join(root, '..', 'shared', 'audio', 'sample1_48kHz.wav');
  if (existsSync(sample)) copyFileSync(sample, join(outDir, 'sample.wav'));
  return { dir: outDir, weights, sample: existsSync(sample) };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
  '.wav': 'audio/wav',
  '.png': 'image/png',
};

export interface DemoServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function serveDemo(dir: string, port = 0, host = '127.0.0.1'): Promise<DemoServer> {
  const base = resolve(dir);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = normalize(join(base, decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname)));
    if (!path.startsWith(base + sep) || !existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    const headers: Record<string, string> = { 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' };
    // Isolation is decided by the document; its workers and worklets get COEP in both cases.
    const isDocument = extname(path) === '.html';
    if (!isDocument || url.searchParams.get('isolated') !== '0') headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
    if (isDocument && url.searchParams.get('isolated') !== '0') headers['Cross-Origin-Opener-Policy'] = 'same-origin';
    if (req.method === 'HEAD') {
      res.writeHead(200, { ...headers, 'Content-Length': String(statSync(path).size) }).end();
      return;
    }
    res.writeHead(200, headers).end(readFileSync(path));
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, ok);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}/`,
    server,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

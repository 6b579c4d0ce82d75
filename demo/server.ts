// Builds the demo pages (the loopback demo and the call page) into a static folder (esbuild) and
// serves it on 127.0.0.1. The folder works with any static server too; this one adds the headers
// that make the page cross-origin isolated (so the nodes move audio through SharedArrayBuffer
// rings), except for ?isolated=0, which gets the MessagePort path, and it relays the call page's
// signaling over WebSocket (demo/signaling.ts).

import { build } from 'esbuild';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { faviconIco } from './favicon.js';
import { attachSignaling } from './signaling.js';

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
      call: join(root, 'demo', 'call.ts'),
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
  for (const page of ['index.html', 'call.html', 'favicon.svg'])
    copyFileSync(join(root, 'demo', page), join(outDir, page));
  writeFileSync(join(outDir, 'favicon.ico'), faviconIco());
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
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.flac': 'audio/flac',
};

export interface DemoServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * The file a request path names inside `base` (a real path), or null: a path that does not decode
 * (400), and anything that would leave the folder (404): `..` segments, slashes or backslashes
 * smuggled in as %2F / %5C, NUL, and symbolic links (or linked folders) pointing outside it.
 */
export function resolveRequestPath(base: string, pathname: string): { file: string } | { status: 400 | 404 } {
  if (/%(2f|5c|00)/i.test(pathname)) return { status: 404 };
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname === '/' ? '/index.html' : pathname);
  } catch {
    return { status: 400 };
  }
  const segments = decoded.split('/').slice(1);
  if (segments.some((s) => s === '..' || s === '.' || s.includes('\\'))) return { status: 404 };
  const path = join(base, ...segments);
  if (!path.startsWith(base + sep) || !existsSync(path)) return { status: 404 };
  const real = realpathSync(path);
  if (!real.startsWith(base + sep) || !statSync(real).isFile()) return { status: 404 };
  return { file: real };
}

export async function serveDemo(dir: string, port = 0, host = '127.0.0.1'): Promise<DemoServer> {
  const base = realpathSync(resolve(dir));
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const target = req.url ?? '/';
    // The request line's path as sent: URL() would resolve dot segments before the checks see them.
    const query = target.indexOf('?');
    const pathname = query < 0 ? target : target.slice(0, query);
    const url = new URL(target.startsWith('/') ? target : '/', 'http://localhost');
    const found = pathname.startsWith('/') ? resolveRequestPath(base, pathname) : ({ status: 400 } as const);
    if ('status' in found) {
      res
        .writeHead(found.status, { 'Content-Type': 'text/plain' })
        .end(found.status === 400 ? 'bad request' : 'not found');
      return;
    }
    const path = found.file;
    const headers: Record<string, string> = {
      'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream',
      'Cache-Control': 'no-store',
    };
    // Isolation is decided by the document; its workers and worklets get COEP in both cases.
    const isDocument = extname(path) === '.html';
    const isolated = url.searchParams.get('isolated') !== '0';
    if (!isDocument || isolated) headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
    if (isDocument && isolated) headers['Cross-Origin-Opener-Policy'] = 'same-origin';
    if (req.method === 'HEAD') {
      res.writeHead(200, { ...headers, 'Content-Length': String(statSync(path).size) }).end();
      return;
    }
    res.writeHead(200, headers).end(readFileSync(path));
  };
  const server = createServer((req, res) => {
    // Whatever one request does (a file removed between the checks and the read), the server
    // stays up for the next: an exception here would otherwise end the process.
    try {
      handle(req, res);
    } catch {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end();
    }
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, ok);
  });
  const closeSignaling = attachSignaling(server);
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}/`,
    server,
    close: () => {
      closeSignaling();
      return new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

// The demo server (demo/server.ts) on 127.0.0.1, without a browser: what it serves, what it
// refuses, that it outlives a malformed request, and the call page's signaling rooms.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { buildDemo, serveDemo, type DemoServer } from '../demo/server.js';
import { ROOM_FULL } from '../demo/signaling.js';

const ROOT = join(import.meta.dirname, '..');

/** The request line's path goes out exactly as given (fetch() would normalise it first). */
function get(
  server: DemoServer,
  path: string,
  method = 'GET',
): Promise<{ status: number; type: string | undefined; body: Buffer }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('demo server', () => {
  let scratch: string;
  let server: DemoServer;
  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'demo-server-'));
    // The real build: the favicon and both pages must be part of it.
    const built = await buildDemo(ROOT, join(scratch, 'web'));
    writeFileSync(join(scratch, 'secret.txt'), 'outside the served folder');
    mkdirSync(join(scratch, 'elsewhere'));
    writeFileSync(join(scratch, 'elsewhere', 'inner.txt'), 'also outside');
    symlinkSync(join(scratch, 'secret.txt'), join(built.dir, 'link-out.txt'));
    symlinkSync(join(scratch, 'elsewhere'), join(built.dir, 'linked-folder'));
    symlinkSync(join(built.dir, 'index.html'), join(built.dir, 'link-in.html'));
    server = await serveDemo(built.dir);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('serves the pages and a favicon (an .ico of one 16x16 32-bit image, and the SVG the pages link)', async () => {
    for (const page of ['/', '/index.html', '/call.html']) {
      const r = await get(server, page);
      expect(r.status, page).toBe(200);
      expect(r.body.toString()).toContain('rel="icon" href="favicon.svg"');
    }
    const ico = await get(server, '/favicon.ico');
    expect(ico.status).toBe(200);
    expect(ico.type).toBe('image/x-icon');
    // ICONDIR (reserved 0, type 1, one image), the entry's 16x16 at 32 bits, the BMP header after it.
    expect([...ico.body.subarray(0, 8)]).toEqual([0, 0, 1, 0, 1, 0, 16, 16]);
    expect(ico.body.readUInt16LE(12)).toBe(32);
    expect(ico.body.readUInt32LE(14)).toBe(ico.body.length - 22);
    expect(ico.body.readUInt32LE(22)).toBe(40);
    const svg = await get(server, '/favicon.svg');
    expect(svg.status).toBe(200);
    expect(svg.type).toBe('image/svg+xml');
  });

  it('answers a path that does not decode with 400 and serves the next request', async () => {
    for (const bad of ['/%E0%A4%A', '/%', '/%ZZ', '/index.html%'])
      expect((await get(server, bad)).status, bad).toBe(400);
    expect((await get(server, '/index.html')).status).toBe(200);
  });

  it('refuses with 404 whatever leaves the folder: .., encoded slashes and backslashes, symbolic links out', async () => {
    const outside = [
      '/../secret.txt',
      '/a/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/..%2Fsecret.txt',
      '/..%5csecret.txt',
      '/..%5Csecret.txt',
      '/%2E%2E%2Fsecret.txt',
      '/..\\secret.txt',
      '/link-out.txt',
      '/linked-folder/inner.txt',
      '/index.html%00',
      '/./index.html',
    ];
    for (const path of outside) {
      const r = await get(server, path);
      expect(r.status, path).toBe(404);
      expect(r.body.toString()).not.toContain('outside');
    }
    // Missing files too; a link that stays inside is followed.
    expect((await get(server, '/nothing-here.js')).status).toBe(404);
    expect((await get(server, '/link-in.html')).status).toBe(200);
    expect((await get(server, '/index.html', 'HEAD')).status).toBe(200);
  });

  describe('signaling', () => {
    const signalUrl = (room: string) => `${server.url.replace('http', 'ws')}signal?room=${room}`;
    type Peer = { ws: WebSocket; messages: unknown[]; next(): Promise<unknown>; closed: Promise<number> };
    function enter(room: string, origin = server.url.slice(0, -1)): Peer {
      const ws = new WebSocket(signalUrl(room), { headers: { Origin: origin } });
      const messages: unknown[] = [];
      const waiting: ((m: unknown) => void)[] = [];
      ws.on('message', (data) => {
        const m = JSON.parse(data.toString('utf8')) as unknown;
        const w = waiting.shift();
        if (w) w(m);
        else messages.push(m);
      });
      ws.on('error', () => undefined);
      const closed = new Promise<number>((resolve) => {
        ws.on('close', (code) => resolve(code));
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      });
      return {
        ws,
        messages,
        closed,
        next: () => (messages.length ? Promise.resolve(messages.shift()) : new Promise((r) => waiting.push(r))),
      };
    }
    const opened = (p: Peer) => new Promise<void>((resolve) => p.ws.on('open', () => resolve()));

    it('introduces two peers (the first offers), relays what they say, refuses a third and tells who is left', async () => {
      const a = enter('room-1');
      await opened(a);
      const b = enter('room-1');
      expect(await a.next()).toEqual({ type: 'start', initiator: true });
      expect(await b.next()).toEqual({ type: 'start', initiator: false });
      a.ws.send(JSON.stringify({ type: 'offer', sdp: 'v=0' }));
      expect(await b.next()).toEqual({ type: 'offer', sdp: 'v=0' });
      b.ws.send(JSON.stringify({ type: 'answer', sdp: 'v=0' }));
      expect(await a.next()).toEqual({ type: 'answer', sdp: 'v=0' });
      const c = enter('room-1');
      expect(await c.closed).toBe(ROOM_FULL);
      // Rooms are apart.
      const d = enter('room-2');
      await opened(d);
      b.ws.close();
      expect(await a.next()).toEqual({ type: 'peer-left' });
      expect(d.messages).toEqual([]);
      a.ws.close();
      d.ws.close();
    });

    it('refuses another origin, a bad room name and another path', async () => {
      expect(await enter('room-3', 'http://example.com').closed).toBe(403);
      expect(await enter('no/slashes').closed).toBe(404);
      const elsewhere = new WebSocket(`${server.url.replace('http', 'ws')}other?room=x`);
      elsewhere.on('error', () => undefined);
      expect(await new Promise((r) => elsewhere.on('unexpected-response', (_q, res) => r(res.statusCode)))).toBe(404);
    });
  });
});

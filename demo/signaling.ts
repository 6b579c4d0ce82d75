// The call page's signaling: WebSocket rooms of two on the demo server, at /signal?room=NAME.
// The server only introduces the peers and relays what they say (offer, answer, ICE candidates)
// word for word; the call itself goes browser to browser.
//
// Protocol (JSON text messages): when the second peer joins a room, both get
// { type: 'start', initiator } (the first to join makes the offer); when one leaves, the other
// gets { type: 'peer-left' }. A third peer is refused (close code 4001), a page of another origin
// too (403: any page the user has open could otherwise join rooms on 127.0.0.1).

import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';

export type SignalFromServer = { type: 'start'; initiator: boolean } | { type: 'peer-left' };

/** Close code for a third peer in a room. */
export const ROOM_FULL = 4001;
/** Signaling messages are a few kB (an SDP); anything much larger is not one. */
const MAX_MESSAGE_BYTES = 64 * 1024;
const ROOM_NAME = /^[A-Za-z0-9_-]{1,64}$/;

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Serves /signal on `server`; returns a function that closes every room. */
export function attachSignaling(server: Server): () => void {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const rooms = new Map<string, WebSocket[]>();
  const tell = (peer: WebSocket, message: SignalFromServer) => {
    if (peer.readyState === WebSocket.OPEN) peer.send(JSON.stringify(message));
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const room = url.searchParams.get('room') ?? '';
    if (url.pathname !== '/signal' || !ROOM_NAME.test(room)) return refuse(socket, 404, 'Not Found');
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host}`) return refuse(socket, 403, 'Forbidden');
    wss.handleUpgrade(req, socket, head, (peer) => {
      const peers = rooms.get(room) ?? [];
      if (peers.length >= 2) {
        peer.close(ROOM_FULL, 'room full');
        return;
      }
      peers.push(peer);
      rooms.set(room, peers);
      peer.on('error', () => peer.terminate());
      peer.on('message', (data, isBinary) => {
        const other = peers.find((p) => p !== peer);
        if (!isBinary && other?.readyState === WebSocket.OPEN) other.send(data.toString('utf8'));
      });
      peer.on('close', () => {
        const at = peers.indexOf(peer);
        if (at >= 0) peers.splice(at, 1);
        if (peers.length === 0) rooms.delete(room);
        for (const other of peers) tell(other, { type: 'peer-left' });
      });
      if (peers.length === 2) {
        for (const [i, p] of peers.entries()) tell(p, { type: 'start', initiator: i === 0 });
      }
    });
  });

  return () => {
    for (const peers of rooms.values()) for (const peer of peers) peer.terminate();
    rooms.clear();
    wss.close();
  };
}

// The demo's simulated network in a Worker of its own. Packets go from the encoder's codec worker
// through here to the decoder's, so the page's main thread (drawing, meters, a throttled CPU)
// never holds one up: on a real page this is the Worker that owns the WebSocket or WebTransport.

import type { PacketMessage } from '../src/web/protocol.js';
import { SimulatedNetwork, type NetworkSettings } from './network.js';

export type NetworkControl =
  | { type: 'connect'; from: MessagePort; to: MessagePort }
  | { type: 'settings'; settings: Partial<NetworkSettings> }
  | { type: 'spike'; ms: number };

const network = new SimulatedNetwork();
const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<NetworkControl>) => void) | null;
  postMessage(message: 'ready'): void;
};

scope.onmessage = (e) => {
  const message = e.data;
  if (message.type === 'settings') Object.assign(network.settings, message.settings);
  else if (message.type === 'spike') network.spike(message.ms);
  else {
    const { from, to } = message;
    from.onmessage = (p: MessageEvent<PacketMessage>) => {
      const { seq, packet } = p.data;
      // DTX's mark of a frame not sent carries nothing to lose or delay: the receiver has it from the numbering (RTP: the sequence number).
      if (packet?.length === 0) to.postMessage(p.data);
      else if (packet)
        network.send(packet, seq, (delivered, at) =>
          to.postMessage({ seq: at, packet: delivered } satisfies PacketMessage),
        );
    };
  }
};

scope.postMessage('ready');

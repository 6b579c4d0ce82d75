// The test page: window.golden.{main, worker, worklet}() run the golden computation on the main
// thread, in a module Worker and in an AudioWorklet of an OfflineAudioContext; golden.nodes()
// runs the package's Web Audio encoder and decoder nodes in OfflineAudioContexts. Each resolves
// to { result } or { error }; window.golden.time() is for bench/engines.ts. The library is the
// package's own bundle, served under /pkg/.
import * as lib from '../../src/index.js';
import * as web from '../../src/web/index.js';
import {
  GOLDEN_FRAMES,
  hex,
  NODES_BUFFER,
  NODES_ENCODER_POLICY,
  NODES_LOST_FRAME,
  NODES_PACKETS,
  NODES_RATE,
  nodesInput,
  runGolden,
  timeCodec,
} from './golden.js';

type Outcome = { result: Record<string, string> } | { error: string };

const fail = (err: unknown): Outcome => ({
  error: String(err instanceof Error ? `${err.message}\n${err.stack}` : err),
});

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

(globalThis as unknown as { golden: Record<string, () => Promise<Outcome>> }).golden = {
  async main() {
    try {
      const models = {
        lyra: await lib.loadModelFromUrl('/models/lyra-v2/'),
        denoiser: await lib.loadModelFromUrl('/models/lyra-v2-denoise/'),
      };
      return { result: await runGolden(lib, models, GOLDEN_FRAMES) };
    } catch (err) {
      return fail(err);
    }
  },
  /** bench/engines.ts: timeCodec on the main thread, frames and warm-up from the page's query. */
  async time() {
    try {
      const query = new URLSearchParams(location.search);
      const models = {
        lyra: await lib.loadModelFromUrl('/models/lyra-v2/'),
        denoiser: await lib.loadModelFromUrl('/models/lyra-v2-denoise/'),
      };
      return { result: await timeCodec(lib, models, Number(query.get('frames')), Number(query.get('warmup'))) };
    } catch (err) {
      return fail(err);
    }
  },
  worker() {
    return new Promise<Outcome>((resolve) => {
      const worker = new Worker('/worker.js', { type: 'module' });
      worker.onmessage = (e: MessageEvent<Outcome>) => resolve(e.data);
      worker.onerror = (e) => resolve({ error: `worker: ${e.message}` });
    });
  },
  async nodes() {
    try {
      return { result: await runNodes(await lib.loadModelFromUrl('/models/lyra-v2/')) };
    } catch (err) {
      return fail(err);
    }
  },
  async worklet() {
    try {
      const bytes = {
        lyraManifest: await fetchBytes('/models/lyra-v2/manifest.json'),
        lyraBlob: await fetchBytes('/models/lyra-v2/model.bin'),
        denoiserManifest: await fetchBytes('/models/lyra-v2-denoise/manifest.json'),
        denoiserBlob: await fetchBytes('/models/lyra-v2-denoise/model.bin'),
      };
      const context = new OfflineAudioContext(1, 1280, 16000);
      await context.audioWorklet.addModule('/worklet.js');
      const node = new AudioWorkletNode(context, 'golden', { processorOptions: { bytes, frames: GOLDEN_FRAMES } });
      const done = new Promise<Outcome>((resolve) => {
        node.port.onmessage = (e: MessageEvent<Outcome>) => resolve(e.data);
      });
      node.connect(context.destination);
      void context.startRendering();
      return await done;
    } catch (err) {
      return fail(err);
    }
  },
};

/** Polls `read` until `done` holds of its value (the nodes' workers run behind offline rendering). */
async function until<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
  describe: (value: T) => string,
): Promise<T> {
  const deadline = performance.now() + 60_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}; ${describe(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Both nodes, each in its own OfflineAudioContext, with the MessagePort transport (the page is not cross-origin isolated). */
async function runNodes(lyra: lib.Model): Promise<Record<string, string>> {
  const frameSize = lyra.manifest.frameSize * (NODES_RATE / lyra.manifest.sampleRate);
  const input = nodesInput(lyra.manifest.frameSize);
  // Rendering goes on past the input (silence), so every batch of quanta reaches the worker.
  const capture = new OfflineAudioContext(1, input.length + 8 * frameSize, NODES_RATE);
  const source = capture.createBufferSource();
  // Filled before it is given to the source: a browser may take the buffer's contents on assignment (Firefox does).
  const buffer = capture.createBuffer(1, input.length, NODES_RATE);
  buffer.copyToChannel(input, 0);
  source.buffer = buffer;
  const encoder = await web.SoundstreamEncoderNode.create(capture, {
    model: lyra,
    bitrate: 6000,
    record: true,
    warmupFrames: 2,
    ...NODES_ENCODER_POLICY,
  });
  const fromPort: web.PacketMessage[] = [];
  encoder.packetPort().onmessage = (e: MessageEvent<web.PacketMessage>) => fromPort.push(e.data);
  source.connect(encoder.input);
  source.start();
  await capture.startRendering();
  const sent = await until(
    () => encoder.record(),
    (r) => r.packets.length >= NODES_PACKETS && r.input.length >= input.length,
    `the input and ${NODES_PACKETS} packets from the encoder node`,
    (r) => `${r.packets.length} packets from ${r.input.length} samples fed`,
  );
  await until(
    async () => fromPort.length,
    (n) => n >= NODES_PACKETS,
    `${NODES_PACKETS} packets on the encoder's packet port`,
    (n) => `${n} came`,
  );
  encoder.close();
  fromPort.slice(0, NODES_PACKETS).forEach(({ seq, packet }, i) => {
    if (seq !== i || !packet || hex(packet) !== hex(sent.packets[i]))
      throw new Error(`packet port message ${i} (seq ${seq}) is not the encoder's packet ${i}`);
  });

  const playback = new OfflineAudioContext(1, (NODES_PACKETS + 8) * frameSize, NODES_RATE);
  const decoder = await web.SoundstreamDecoderNode.create(playback, {
    model: lyra,
    record: true,
    warmupFrames: 2,
    ...NODES_BUFFER,
  });
  decoder.output.connect(playback.destination);
  const packets = sent.packets.slice(0, NODES_PACKETS);
  // The first half through push() (numbered by the node), the rest through the packet port, after a message that is no packet.
  const half = NODES_PACKETS >> 1;
  const into = decoder.packetPort();
  into.postMessage({ seq: half, packet: new Uint8Array(5) });
  packets.forEach((packet, i) => {
    const p = i === NODES_LOST_FRAME ? null : packet;
    if (i < half) decoder.push(p);
    else into.postMessage({ seq: i, packet: p } satisfies web.PacketMessage);
  });
  await playback.startRendering();
  const played = await until(
    () => decoder.record(),
    (r) => r.packets.length >= NODES_PACKETS,
    `${NODES_PACKETS} frames from the decoder node`,
    (r) => `${r.packets.length} frames decoded, playout from frame ${r.firstSeq}`,
  );
  await until(
    async () => decoder.stats()?.rejected,
    (n) => n === 1,
    'the decoder node to count the one message that is no packet',
    (n) => `rejected: ${n}`,
  );
  decoder.close();
  if (played.firstSeq !== 0) throw new Error(`decoder node began playout at frame ${played.firstSeq}`);
  const decoded = played.pcm.subarray(0, NODES_PACKETS * lyra.manifest.frameSize);
  return {
    nodesInput: hex(sent.input.subarray(0, input.length)),
    nodesPackets: packets.map(hex).join(''),
    nodesDecoded: hex(decoded),
  };
}

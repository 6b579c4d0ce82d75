// The test page: window.golden.{main, worker, worklet}() run the golden computation on the main
// thread, in a module Worker and in an AudioWorklet of an OfflineAudioContext, and resolve to
// { result } or { error }; window.golden.time() is for bench/engines.ts. The library is the package's own bundle, served under /pkg/.
import * as lib from '../../src/index.js';
import { GOLDEN_FRAMES, runGolden, timeCodec } from './golden.js';

type Outcome = { result: Record<string, string> } | { error: string };

const fail = (err: unknown): Outcome => ({ error: String(err instanceof Error ? `${err.message}\n${err.stack}` : err) });

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

(globalThis as unknown as { golden: Record<string, () => Promise<Outcome>> }).golden = {
  async main() {
    try {
      const models = { lyra: await lib.loadModelFromUrl('/models/lyra-v2/'), denoiser: await lib.loadModelFromUrl('/models/lyra-v2-denoise/') };
      return { result: await runGolden(lib, models, GOLDEN_FRAMES) };
    } catch (err) {
      return fail(err);
    }
  },
  /** bench/engines.ts: timeCodec on the main thread, frames and warm-up from the page's query. */
  async time() {
    try {
      const query = new URLSearchParams(location.search);
      const models = { lyra: await lib.loadModelFromUrl('/models/lyra-v2/'), denoiser: await lib.loadModelFromUrl('/models/lyra-v2-denoise/') };
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

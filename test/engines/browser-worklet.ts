// AudioWorklet processor: gets the model files as bytes (no fetch there), loads them with
// loadModelFromBytes (no TextDecoder or WebCrypto needed) and posts the golden outputs back. It
// reports which of those APIs the worklet scope has, so the test can say what it exercised.
import * as lib from '../../src/index.js';
import { loadGoldenModels, runGolden, type GoldenModelBytes } from './golden.js';

interface WorkletScope {
  AudioWorkletProcessor: new () => { port: MessagePort };
  registerProcessor(name: string, processor: unknown): void;
}
const scope = globalThis as unknown as WorkletScope;

class GoldenProcessor extends scope.AudioWorkletProcessor {
  constructor(options: { processorOptions: { bytes: GoldenModelBytes; frames: number } }) {
    super();
    const { bytes, frames } = options.processorOptions;
    const has = {
      TextDecoder: typeof TextDecoder !== 'undefined',
      crypto: typeof crypto !== 'undefined' && !!crypto.subtle,
    };
    loadGoldenModels(lib, bytes)
      .then((models) => runGolden(lib, models, frames))
      .then(
        (result) => this.port.postMessage({ result, has }),
        (err: Error) => this.port.postMessage({ error: `${err.message}\n${err.stack}` }),
      );
  }

  process(): boolean {
    return true;
  }
}
scope.registerProcessor('golden', GoldenProcessor);

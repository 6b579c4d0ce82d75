// Hermes: no modules, classes, TextDecoder, WebCrypto or fetch. The test embeds the model files
// as base64 (GOLDEN_MODELS) and lowers the bundle to ES5; the result is printed as JSON.
import * as lib from '../../src/index.js';
import { fromBase64 } from './base64.js';
import { loadGoldenModels, runGolden, timeCodec, type GoldenModelBytes } from './golden.js';

declare const GOLDEN_MODELS: Record<keyof GoldenModelBytes, string>;
/** What to run: the golden computation on `frames` frames, or (bench/engines.ts) timeCodec. */
declare const GOLDEN_TASK: { kind: 'golden'; frames: number } | { kind: 'time'; frames: number; warmup: number };
declare function print(text: string): void;

const bytes = {
  lyraManifest: fromBase64(GOLDEN_MODELS.lyraManifest),
  lyraBlob: fromBase64(GOLDEN_MODELS.lyraBlob),
  denoiserManifest: fromBase64(GOLDEN_MODELS.denoiserManifest),
  denoiserBlob: fromBase64(GOLDEN_MODELS.denoiserBlob),
};
loadGoldenModels(lib, bytes)
  .then((models) =>
    GOLDEN_TASK.kind === 'golden'
      ? runGolden(lib, models, GOLDEN_TASK.frames)
      : timeCodec(lib, models, GOLDEN_TASK.frames, GOLDEN_TASK.warmup),
  )
  .then(
    (result) => print(JSON.stringify({ result })),
    (err: Error) => print(JSON.stringify({ error: String(err?.stack ? err.stack : err) })),
  );

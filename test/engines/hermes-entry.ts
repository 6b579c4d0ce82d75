// Hermes: no modules, classes, TextDecoder, WebCrypto or fetch. The test embeds the model files
// as base64 (GOLDEN_MODELS) and lowers the bundle to ES5; the result is printed as JSON.
import * as lib from '../../src/index.js';
import { loadGoldenModels, runGolden, timeCodec, type GoldenModelBytes } from './golden.js';

declare const GOLDEN_MODELS: Record<keyof GoldenModelBytes, string>;
/** What to run: the golden computation on `frames` frames, or (bench/engines.ts) timeCodec. */
declare const GOLDEN_TASK: { kind: 'golden'; frames: number } | { kind: 'time'; frames: number; warmup: number };
declare function print(text: string): void;

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function fromBase64(text: string): Uint8Array {
  const value = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) value[BASE64.charCodeAt(i)] = i;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const n =
      (value[text.charCodeAt(i)]! << 18) |
      (value[text.charCodeAt(i + 1)]! << 12) |
      ((value[text.charCodeAt(i + 2)]! & 63) << 6) |
      (value[text.charCodeAt(i + 3)]! & 63);
    if (o < out.length) out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

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

// Runs inside Hermes (bench/hermes-ab.ts bundles it twice: against this checkout's src/ and
// against another's): defines globalThis.HERMES_AB_SETUP, which loads the Lyra v2 model from
// base64 and returns a codec (encoder + quantizer at 9.2 kbps + decoder) that runs one frame of
// the golden input per call and says how long each half took. Only APIs an older checkout has too.
import { Decoder } from '../src/codec/decoder.js';
import { Encoder } from '../src/codec/encoder.js';
import { Quantizer } from '../src/codec/quantizer.js';
import { loadModelFromBytes } from '../src/model/load.js';
import { fromBase64 } from '../test/engines/base64.js';
import { goldenInput } from '../test/engines/golden.js';

export interface AbCodec {
  /** The last frame's decoded audio. */
  decoded: Float32Array;
  /** Encodes, quantizes and decodes frame f of the golden input: [encode + quantize ms, decode ms]. */
  frame(f: number): [number, number];
}

(globalThis as unknown as { HERMES_AB_SETUP: unknown }).HERMES_AB_SETUP = async (
  files: { manifest: string; blob: string },
  frames: number,
  kernels: 'jit' | 'interpreter',
): Promise<AbCodec> => {
  const model = await loadModelFromBytes(fromBase64(files.manifest), fromBase64(files.blob), 'lyra-v2');
  const frameSize = model.manifest.frameSize;
  const input = goldenInput(frameSize * frames);
  const encoder = new Encoder(model, { kernels });
  const quantizer = new Quantizer(model, { kernels }); // a checkout whose Quantizer takes no options ignores them
  const decoder = new Decoder(model, { kernels });
  const embedding = new Float32Array(model.manifest.embeddingDim);
  const indices = new Int32Array(quantizer.numQuantizers);
  const decoded = new Float32Array(frameSize);
  return {
    decoded,
    frame(f) {
      const t0 = Date.now();
      encoder.encodeFrame(input.subarray(f * frameSize, (f + 1) * frameSize), embedding);
      quantizer.quantize(embedding, quantizer.numQuantizers, indices);
      const t1 = Date.now();
      decoder.decodeFrame(quantizer.dequantize(indices, quantizer.numQuantizers), decoded);
      return [t1 - t0, Date.now() - t1];
    },
  };
};

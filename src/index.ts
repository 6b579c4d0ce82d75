// soundstream-ts: SoundStream (Lyra v2) in pure TypeScript.
export { Encoder } from './codec/encoder.js';
export { Decoder } from './codec/decoder.js';
export { Quantizer } from './codec/quantizer.js';
export type { ComputeMode } from './codec/mode.js';
export { loadModel, loadModelFromBytes, ModelError, type Model } from './model/load.js';
export type { Manifest, GraphSpec, GraphNode } from './model/manifest.js';
export { WeightError } from './layers/weights.js';
export { importLyraV2, LYRA_V2_FILES } from './import/lyra-v2.js';
export { ImportError } from './import/errors.js';
export { TFLiteFormatError } from './import/tflite.js';
export { createEncoder, createDecoder, type StreamEncoder, type StreamDecoder, type StreamEncoderOptions, type StreamDecoderOptions } from './codec/stream.js';
export { createEncoderStream, createDecoderStream, type EncoderTransformStream, type DecoderTransformStream } from './codec/transform-streams.js';
export { Concealer, silenceEmbedding, type ConcealerOptions } from './codec/conceal.js';
export { Denoiser } from './codec/denoiser.js';

// soundstream-ts: SoundStream (Lyra v2) in pure TypeScript. The browser-safe core: nothing in
// this entry's import graph touches Node; file-system loading is in ./node/index.ts, the
// objective metrics in ./metrics/index.ts.
export { Encoder } from './codec/encoder.js';
export { Decoder } from './codec/decoder.js';
export { Quantizer } from './codec/quantizer.js';
export {
  ENGINE_KERNELS,
  type ComputeMode,
  type ComputeOptions,
  type FloatPrecision,
  type KernelStyle,
} from './model/compute.js';
export { loadModelFromBytes, ModelError, type Model } from './model/load.js';
export { loadModelFromUrl, type LoadModelFromUrlOptions, type LoadProgress } from './model/load-url.js';
export type { Manifest, GraphSpec, GraphNode } from './model/manifest.js';
export { WeightError } from './model/weights.js';
export { importLyraV2, LYRA_V2_FILES } from './import/lyra-v2.js';
export { ImportError } from './import/errors.js';
export { TFLiteFormatError } from './import/tflite.js';
export {
  createEncoder,
  createDecoder,
  type StreamEncoder,
  type StreamDecoder,
  type StreamEncoderOptions,
  type StreamDecoderOptions,
} from './codec/stream.js';
export {
  createEncoderStream,
  createDecoderStream,
  type EncoderTransformStream,
  type DecoderTransformStream,
} from './codec/transform-streams.js';
export { Concealer, silenceEmbedding, type ConcealerOptions } from './codec/conceal.js';
export {
  AdaptivePlayout,
  type FrameSource,
  type PlayoutFrame,
  type PlayoutOptions,
  type PlayoutState,
  type PlayoutStats,
} from './codec/playout.js';
export { TimeScaler, type TimeScalerOptions } from './codec/time-scale.js';
export { Denoiser } from './codec/denoiser.js';
export { decodeWav, describeWav, encodeWav, WavFormatError } from './audio/wav.js';
export { Resampler, resample } from './audio/resample.js';
export {
  decodeSst,
  encodeSst,
  SstFormatError,
  SstStreamParser,
  SstWriter,
  type SstFrame,
  type SstFrameInput,
  type SstHeader,
} from './codec/sst.js';
export { packIndices, unpackIndices } from './codec/lyra-packet.js';
export { LYRA_BITRATES, quantizersForBitrate } from './codec/bitrates.js';
export {
  DtxController,
  DtxFrameDecoder,
  DtxFrameEncoder,
  type DtxDecoderOptions,
  type DtxFrame,
  type DtxOptions,
} from './codec/dtx.js';
export { Vad, type VadOptions, type VadResult } from './codec/vad.js';
export {
  ComfortNoise,
  encodeSidBody,
  parseSidBody,
  SID_BODY_BYTES,
  SidFormatError,
  type NoiseDescription,
} from './codec/comfort-noise.js';
export {
  RateController,
  RateControllerError,
  type RateControllerOptions,
  type RateReport,
} from './codec/rate-controller.js';
export {
  parsePayload,
  serializePayload,
  speechPayload,
  speechPayloadBytes,
  PayloadFormatError,
  PAYLOAD_MAX_QUANTIZERS,
  type Payload,
  type SpeechPayload,
  type ComfortNoisePayload,
} from './codec/payload.js';
export type { PacketFormat, RedundancyOptions } from './codec/frame-codec.js';

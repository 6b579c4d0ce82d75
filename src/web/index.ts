// soundstream-ts for Web Audio (browser only): encoder and decoder nodes and a model fetcher.
export { SoundstreamEncoderNode, SoundstreamDecoderNode } from './nodes.js';
export { PacketMessageError } from './packet-message.js';
export type { PacketFormat, RedundancyOptions } from '../codec/frame-codec.js';
export type {
  CodecNodeOptions,
  EncoderNodeOptions,
  DecoderNodeOptions,
  EncodedPacket,
  EncoderNodeStats,
  DecoderNodeStats,
} from './nodes.js';
export type {
  TransportKind,
  EncoderRecord,
  DecoderRecord,
  ProcessorStats,
  PlayoutBuffer,
  PlayoutStats,
  DecoderStats,
  PacketMessage,
  OverloadReport,
  ShedStep,
} from './protocol.js';

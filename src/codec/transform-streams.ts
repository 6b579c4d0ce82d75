// WHATWG TransformStream wrappers around the streaming codec, for pipeTo/pipeThrough
// pipelines. They use the global TransformStream (Node 18+, browsers, Deno, Bun).

import {
  createDecoder,
  createEncoder,
  type StreamDecoder,
  type StreamDecoderOptions,
  type StreamEncoder,
  type StreamEncoderOptions,
} from './stream.js';

export interface EncoderTransformStream extends TransformStream<Float32Array, Uint8Array> {
  /** The underlying encoder, e.g. to call setBitrate() while audio flows. */
  readonly encoder: StreamEncoder;
}

export interface DecoderTransformStream extends TransformStream<Uint8Array | null, Float32Array> {
  /** The underlying decoder, e.g. to read lostFrames. */
  readonly decoder: StreamDecoder;
}

/** Audio chunks (any length, at options.sampleRate) in, Lyra packets out; the last partial frame is flushed on close. */
export function createEncoderStream(options: StreamEncoderOptions): EncoderTransformStream {
  const encoder = createEncoder(options);
  const stream = new TransformStream<Float32Array, Uint8Array>({
    transform(chunk, controller) {
      for (const packet of encoder.encode(chunk)) controller.enqueue(packet);
    },
    flush(controller) {
      for (const packet of encoder.flush()) controller.enqueue(packet);
    },
  });
  return Object.assign(stream, { encoder });
}

/** Lyra packets in (null = lost, concealed), audio frames out; the resampler's tail is flushed on close. */
export function createDecoderStream(options: StreamDecoderOptions): DecoderTransformStream {
  const decoder = createDecoder(options);
  const stream = new TransformStream<Uint8Array | null, Float32Array>({
    transform(packet, controller) {
      const audio = decoder.decode(packet);
      if (audio.length > 0) controller.enqueue(audio);
    },
    flush(controller) {
      const tail = decoder.flush();
      if (tail.length > 0) controller.enqueue(tail);
    },
  });
  return Object.assign(stream, { decoder });
}

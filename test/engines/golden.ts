// The golden computation every engine runs: the same synthetic input through encoder, quantizer,
// decoder (int8 and float), the denoiser off and on, and the streaming API (16 kHz and 48 kHz,
// a lost packet, denoising switched mid-stream). It only touches the library it is given, so the
// same file runs against the package's bundle in browsers, workers, AudioWorklets, Bun, Deno and
// Hermes; outputs come back as hex so that engines can be compared byte for byte.
import type * as Soundstream from '../../src/index.js';

type Lib = typeof Soundstream;
type Model = Soundstream.Model;

export interface GoldenModels {
  lyra: Model;
  denoiser: Model;
}

/** Raw files, for engines that load from bytes (AudioWorklet, Hermes, Bun, Deno). */
export interface GoldenModelBytes {
  lyraManifest: Uint8Array;
  lyraBlob: Uint8Array;
  denoiserManifest: Uint8Array;
  denoiserBlob: Uint8Array;
}

export const GOLDEN_FRAMES = 3;

export async function loadGoldenModels(lib: Lib, bytes: GoldenModelBytes): Promise<GoldenModels> {
  return {
    lyra: await lib.loadModelFromBytes(bytes.lyraManifest, bytes.lyraBlob, 'lyra-v2'),
    denoiser: await lib.loadModelFromBytes(bytes.denoiserManifest, bytes.denoiserBlob, 'lyra-v2-denoise'),
  };
}

/** Speech-band test signal from integer arithmetic only (no Math.sin), so its bits are engine-independent. */
export function goldenInput(samples: number): Float32Array {
  const x = new Float32Array(samples);
  let seed = 20240611;
  for (let i = 0; i < samples; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) | 0;
    const noise = (seed >> 16) / 32768; // -1..1
    const phase = (i * 37) % 200; // 80 Hz sawtooth at 16 kHz, period 200 samples
    const saw = (phase < 100 ? phase : 200 - phase) / 100 - 0.5;
    x[i] = 0.4 * saw + 0.1 * noise;
  }
  return x;
}

export async function runGolden(
  lib: Lib,
  models: GoldenModels,
  frames = GOLDEN_FRAMES,
): Promise<Record<string, string>> {
  const { lyra, denoiser } = models;
  const frameSize = lyra.manifest.frameSize;
  const input = goldenInput(frames * frameSize);
  const out: Record<string, string> = {};

  const encoder = new lib.Encoder(lyra);
  const embeddings = new Float32Array(frames * lyra.manifest.embeddingDim);
  for (let f = 0; f < frames; f++) {
    embeddings.set(
      encoder.encodeFrame(input.subarray(f * frameSize, (f + 1) * frameSize)),
      f * lyra.manifest.embeddingDim,
    );
  }
  out.encoder = hex(embeddings);

  const quantizer = new lib.Quantizer(lyra);
  const indices = quantizer.quantize(embeddings, quantizer.numQuantizers);
  const dequantized = quantizer.dequantize(indices, quantizer.numQuantizers);
  out.quantizer = hex(indices) + hex(dequantized);

  out.decoder = hex(new lib.Decoder(lyra).decode(dequantized));
  out.floatDecoder = hex(new lib.Decoder(lyra, { mode: 'float' }).decode(dequantized));

  const denoised = new lib.Denoiser(denoiser).process(embeddings, true);
  out.denoiserOn = hex(denoised);
  out.denoiserOff = hex(new lib.Denoiser(denoiser).process(embeddings, false));

  for (const rate of [16000, 48000]) {
    const streamEncoder = lib.createEncoder({ model: lyra, bitrate: 6000, sampleRate: rate, denoiser });
    const audio = rate === 16000 ? input : upsample3(input);
    const packets: Uint8Array[] = [];
    // Uneven chunks, denoising switched on after the first frame.
    for (let at = 0, chunk = 0; at < audio.length; chunk++) {
      const size = 97 + ((chunk * 131) % 400);
      packets.push(...streamEncoder.encode(audio.subarray(at, at + size)));
      if (packets.length >= 1) streamEncoder.setDenoise(true);
      at += size;
    }
    packets.push(...streamEncoder.flush());
    const streamDecoder = lib.createDecoder({ model: lyra, sampleRate: rate });
    const decoded: Float32Array[] = [];
    packets.forEach((packet, i) => {
      decoded.push(streamDecoder.decode(i === 1 ? null : packet));
    });
    out[`stream${rate / 1000}k`] = `${packets.map(hex).join('')}/${decoded.map(hex).join('')}`;
  }
  // Not bytes: the kernel style this engine got by default (the matrix checks each engine's).
  out.kernels = lib.ENGINE_KERNELS;
  return out;
}

/**
 * The Web Audio nodes in an OfflineAudioContext at 48 kHz (browsers only; test/engines/browser-main.ts
 * runs them): the encoder node is fed `nodesInput()`, its first NODES_PACKETS packets go to the
 * decoder node with frame NODES_LOST_FRAME marked lost. This is what the nodes' workers must
 * produce, from the streaming API directly: the fed audio, the packets and the decoder's
 * model-rate output (before resampling to the context's rate).
 */
export const NODES_RATE = 48000;
/** Frames of signal; the first NODES_PACKETS packets are compared. */
export const NODES_FRAMES = 50;
/**
 * What the decoder node decodes in order before offline rendering (which outruns the worker) can
 * drain its queue: adaptive playout floored at safetyMs + jitterMs = 900 ms holds the first 44
 * frames (maxDelayMs - 20 ms) before playout starts, and decodes the ones already there after.
 */
export const NODES_PACKETS = 46;
export const NODES_LOST_FRAME = 7;
export const NODES_BUFFER = { safetyMs: 20, jitterMs: 880, maxDelayMs: 900, shedLoad: false };
/**
 * An OfflineAudioContext renders far faster than real time, so the encoder worker always looks
 * overloaded: it must neither drop input nor shed load here, or the bytes could not match.
 */
export const NODES_ENCODER_POLICY = { maxBacklogMs: Infinity, shedLoad: false };

export function nodesInput(frameSize: number): Float32Array<ArrayBuffer> {
  return upsample3(goldenInput(NODES_FRAMES * frameSize));
}

export function runNodesReference(lib: Lib, lyra: Model): Record<string, string> {
  const input = nodesInput(lyra.manifest.frameSize);
  const packets = lib
    .createEncoder({ model: lyra, bitrate: 6000, sampleRate: NODES_RATE })
    .encode(input)
    .slice(0, NODES_PACKETS);
  if (packets.length < NODES_PACKETS) throw new Error(`${packets.length} packets from ${NODES_FRAMES} frames`);
  const decoder = lib.createDecoder({ model: lyra });
  const decoded = packets.map((p, i) => hex(decoder.decode(i === NODES_LOST_FRAME ? null : p))).join('');
  return { nodesInput: hex(input), nodesPackets: packets.map(hex).join(''), nodesDecoded: decoded };
}

/** 16 kHz -> 48 kHz by repeating samples: exact arithmetic, unlike a filter, so no engine can differ. */
function upsample3(x: Float32Array): Float32Array<ArrayBuffer> {
  const y = new Float32Array(x.length * 3);
  for (let i = 0; i < y.length; i++) y[i] = x[Math.floor(i / 3)]!;
  return y;
}

export function hex(view: ArrayBufferView): string {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (bytes[i]! < 16 ? '0' : '') + bytes[i]!.toString(16);
  return s;
}

/**
 * For bench/engines.ts, not the tests: milliseconds per 20 ms frame of encoder + quantizer
 * (9200 bps) + decoder, over `frames` frames after `warmup` frames, timed inside the engine.
 */
export async function timeCodec(
  lib: Lib,
  models: GoldenModels,
  frames: number,
  warmup: number,
): Promise<Record<string, string>> {
  const { lyra } = models;
  const now = typeof performance !== 'undefined' ? () => performance.now() : () => Date.now();
  const encoder = new lib.Encoder(lyra);
  const quantizer = new lib.Quantizer(lyra);
  const decoder = new lib.Decoder(lyra);
  const frameSize = lyra.manifest.frameSize;
  const input = goldenInput((frames + warmup) * frameSize);
  const embedding = new Float32Array(lyra.manifest.embeddingDim);
  const indices = new Int32Array(quantizer.numQuantizers);
  let encodeMs = 0;
  let decodeMs = 0;
  for (let f = 0; f < frames + warmup; f++) {
    const t0 = now();
    encoder.encodeFrame(input.subarray(f * frameSize, (f + 1) * frameSize), embedding);
    quantizer.quantize(embedding, quantizer.numQuantizers, indices);
    const t1 = now();
    decoder.decodeFrame(quantizer.dequantize(indices, quantizer.numQuantizers));
    const t2 = now();
    if (f >= warmup) {
      encodeMs += t1 - t0;
      decodeMs += t2 - t1;
    }
  }
  return { encodeMsPerFrame: String(encodeMs / frames), decodeMsPerFrame: String(decodeMs / frames) };
}

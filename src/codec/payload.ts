// The SoundStream payload: one 20 ms frame for a transport (RTP) or the streaming API when the
// stream is not plain Lyra: a table-of-contents byte, then the frame. Byte layout, rationale and
// test vectors in docs/payload-format.md.
//
//   byte 0 (TOC): bits 7..6 kind, bits 5..0 quantizer count n (0 for a comfort-noise update)
//   kind 0, speech:               TOC, ceil(n * 4 / 8) bytes of indices (Lyra's packing)
//   kind 1, comfort-noise update: TOC, a body the comfort-noise generator defines
//   kind 2, speech + redundancy:  TOC, primary indices, u8 m, ceil(m * 4 / 8) bytes: the first m
//                                 indices of the previous frame
//   kind 3: reserved, an error
//
// A raw Lyra packet (8 / 15 / 23 bytes, no TOC) is not a payload: a stream is one or the other,
// as its transport's payload type or the caller's `packetFormat` says.

import { checkPacket, packetBytes, packIndices, unpackIndices } from './lyra-packet.js';

export const PAYLOAD_KIND = { speech: 0, comfortNoise: 1, speechWithRedundancy: 2 } as const;
/** The most quantizers a payload can name: Lyra v2's codebooks. */
export const PAYLOAD_MAX_QUANTIZERS = 46;
/** Bits per index in a payload: the payload format is Lyra v2's, 16-entry codebooks. */
export const PAYLOAD_BITS_PER_INDEX = 4;
/** A comfort-noise body is at most this long (the generator's layout is fixed-length and shorter). */
export const PAYLOAD_MAX_SID_BYTES = 16;

/** A payload that does not follow docs/payload-format.md; `message` names what is wrong. */
export class PayloadFormatError extends Error {
  override name = 'PayloadFormatError';
}

export interface SpeechPayload {
  kind: 'speech';
  numQuantizers: number;
  /** The indices packed as Lyra packs them: exactly packetBytes(numQuantizers) bytes. */
  indices: Uint8Array;
  /** The previous frame's first quantizers, when the payload carries them (kind 2). */
  redundancy?: { numQuantizers: number; indices: Uint8Array };
}

export interface ComfortNoisePayload {
  kind: 'comfort-noise';
  /** The comfort-noise generator's parameters; this module treats them as opaque bytes. */
  sidBody: Uint8Array;
}

export type Payload = SpeechPayload | ComfortNoisePayload;

function checkCount(what: string, n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > PAYLOAD_MAX_QUANTIZERS)
    throw new RangeError(`${what} must be an integer in 1..${PAYLOAD_MAX_QUANTIZERS}, got ${n}`);
}

function checkIndices(what: string, n: number, bytes: Uint8Array): void {
  checkPacket(bytes, what);
  const need = packetBytes(n, PAYLOAD_BITS_PER_INDEX);
  if (bytes.length !== need) throw new RangeError(`${what} has ${bytes.length} bytes; ${n} quantizers take ${need}`);
}

/** Bytes a speech payload of `numQuantizers` takes, with `redundantQuantizers` of the previous frame (0: none). */
export function speechPayloadBytes(numQuantizers: number, redundantQuantizers = 0): number {
  checkCount('numQuantizers', numQuantizers);
  const primary = 1 + packetBytes(numQuantizers, PAYLOAD_BITS_PER_INDEX);
  if (redundantQuantizers === 0) return primary;
  checkCount('redundantQuantizers', redundantQuantizers);
  return primary + 1 + packetBytes(redundantQuantizers, PAYLOAD_BITS_PER_INDEX);
}

/** A payload -> its bytes; RangeError for counts, lengths or bodies the format cannot carry. */
export function serializePayload(payload: Payload): Uint8Array {
  if (payload.kind === 'comfort-noise') {
    checkPacket(payload.sidBody, 'serializePayload(sidBody)');
    if (payload.sidBody.length > PAYLOAD_MAX_SID_BYTES)
      throw new RangeError(
        `a comfort-noise body has at most ${PAYLOAD_MAX_SID_BYTES} bytes, got ${payload.sidBody.length}`,
      );
    const out = new Uint8Array(1 + payload.sidBody.length);
    out[0] = PAYLOAD_KIND.comfortNoise << 6;
    out.set(payload.sidBody, 1);
    return out;
  }
  if (payload.kind !== 'speech') throw new RangeError(`unknown payload kind ${JSON.stringify(payload)}`);
  const { numQuantizers: n, indices, redundancy } = payload;
  checkCount('numQuantizers', n);
  checkIndices('serializePayload(indices)', n, indices);
  if (redundancy !== undefined) {
    checkCount('redundancy.numQuantizers', redundancy.numQuantizers);
    checkIndices('serializePayload(redundancy.indices)', redundancy.numQuantizers, redundancy.indices);
  }
  const out = new Uint8Array(speechPayloadBytes(n, redundancy?.numQuantizers ?? 0));
  const kind = redundancy === undefined ? PAYLOAD_KIND.speech : PAYLOAD_KIND.speechWithRedundancy;
  out[0] = (kind << 6) | n;
  out.set(indices, 1);
  if (redundancy !== undefined) {
    const at = 1 + indices.length;
    out[at] = redundancy.numQuantizers;
    out.set(redundancy.indices, at + 1);
  }
  return out;
}

/** Index values -> a speech payload (the first `indices.length` quantizers of a frame). */
export function speechPayload(indices: ArrayLike<number>, redundancy?: ArrayLike<number>): Uint8Array {
  return serializePayload({
    kind: 'speech',
    numQuantizers: indices.length,
    indices: packIndices(indices, PAYLOAD_BITS_PER_INDEX),
    redundancy:
      redundancy === undefined || redundancy.length === 0
        ? undefined
        : { numQuantizers: redundancy.length, indices: packIndices(redundancy, PAYLOAD_BITS_PER_INDEX) },
  });
}

/**
 * Bytes -> a payload; PayloadFormatError naming the problem for anything else: empty, the
 * reserved kind, a count out of range, a length that disagrees with the TOC. Padding bits in a
 * last index byte are not checked, as Lyra's decoder does not check them. The arrays returned
 * are copies, never views of `bytes`.
 */
export function parsePayload(bytes: Uint8Array): Payload {
  checkPacket(bytes, 'parsePayload(bytes)');
  if (bytes.length === 0) throw new PayloadFormatError('empty payload: no TOC byte');
  const toc = bytes[0];
  const kind = toc >> 6;
  const count = toc & 0x3f;
  if (kind === 3) throw new PayloadFormatError(`TOC 0x${hex2(toc)}: kind 3 is reserved`);
  if (kind === PAYLOAD_KIND.comfortNoise) {
    if (count !== 0)
      throw new PayloadFormatError(`TOC 0x${hex2(toc)}: a comfort-noise update has quantizer count 0, got ${count}`);
    const body = bytes.length - 1;
    if (body > PAYLOAD_MAX_SID_BYTES)
      throw new PayloadFormatError(`comfort-noise update has ${body} body bytes; at most ${PAYLOAD_MAX_SID_BYTES}`);
    return { kind: 'comfort-noise', sidBody: bytes.slice(1) };
  }
  if (count < 1 || count > PAYLOAD_MAX_QUANTIZERS)
    throw new PayloadFormatError(
      `TOC 0x${hex2(toc)}: quantizer count ${count} is outside 1..${PAYLOAD_MAX_QUANTIZERS}`,
    );
  const primaryEnd = 1 + packetBytes(count, PAYLOAD_BITS_PER_INDEX);
  if (kind === PAYLOAD_KIND.speech) {
    if (bytes.length !== primaryEnd)
      throw new PayloadFormatError(
        `speech payload of ${count} quantizers must have ${primaryEnd} bytes, got ${bytes.length}`,
      );
    return { kind: 'speech', numQuantizers: count, indices: bytes.slice(1) };
  }
  if (bytes.length <= primaryEnd)
    throw new PayloadFormatError(
      `speech + redundancy payload of ${count} quantizers is ${bytes.length} bytes: it ends before the redundant count at byte ${primaryEnd}`,
    );
  const m = bytes[primaryEnd];
  if (m < 1 || m > PAYLOAD_MAX_QUANTIZERS)
    throw new PayloadFormatError(`redundant quantizer count ${m} is outside 1..${PAYLOAD_MAX_QUANTIZERS}`);
  const total = primaryEnd + 1 + packetBytes(m, PAYLOAD_BITS_PER_INDEX);
  if (bytes.length !== total)
    throw new PayloadFormatError(
      `speech + redundancy payload of ${count} + ${m} quantizers must have ${total} bytes, got ${bytes.length}`,
    );
  return {
    kind: 'speech',
    numQuantizers: count,
    indices: bytes.slice(1, primaryEnd),
    redundancy: { numQuantizers: m, indices: bytes.slice(primaryEnd + 1) },
  };
}

/** The index values of a speech payload's packed indices. */
export function payloadIndices(numQuantizers: number, indices: Uint8Array): Int32Array {
  return unpackIndices(indices, numQuantizers, PAYLOAD_BITS_PER_INDEX);
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

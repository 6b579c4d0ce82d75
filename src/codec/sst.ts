// ".sst": our container for SoundStream/Lyra packets. Full byte layout and
// rationale in docs/sst-format.md. All multi-byte integers are little-endian.
//
// Header (33 + L bytes, L = model id length in bytes):
//   0      4  magic "SSTm"
//   4      1  u8  version (1)
//   5      1  u8  L
//   6      L  model id, UTF-8
//   6+L    8  first 8 bytes of the model weights' SHA-256
//   14+L   4  u32 sample rate of the codec (16000 for Lyra v2)
//   18+L   2  u16 frame size in samples (320)
//   20+L   1  u8  bits per index (4)
//   21+L   4  u32 original input sample rate
//   25+L   4  u32 frame count, 0xFFFFFFFF = unknown (streamed)
//   29+L   4  u32 CRC-32 of header bytes 0 .. 29+L
// Then one record per frame:
//   u8 numQuantizers (0..64; 0 = frame the encoder marked lost/empty)
//   ceil(numQuantizers * bitsPerIndex / 8) bytes of packed indices (Lyra layout)
//   u32 CRC-32 of the numQuantizers byte and the packed bytes
//
// Why CRC-32 per record rather than CRC-16: the record length comes from its
// first byte, so a corrupted length byte misframes the rest of the stream;
// every misframed record is then only caught by its checksum, and CRC-32's
// ~2^-32 false-accept rate (vs 2^-16) keeps garbage from ever reaching the
// decoder as a "valid" frame. It also detects all bursts up to 32 bits and has
// Hamming distance >= 4 at these lengths, reuses the one CRC we already need
// for the header, and costs 4 bytes/frame (1.6 kbps), acceptable for files.

import { crc32 } from './crc32.js';
import { packetBytes } from './lyra-packet.js';

export const SST_MAGIC = new Uint8Array([0x53, 0x53, 0x54, 0x6d]); // "SSTm"
export const SST_VERSION = 1;
export const SST_MAX_QUANTIZERS = 64;
export const SST_UNKNOWN_FRAME_COUNT = 0xffffffff;
/** Header bytes other than the model id. */
const HEADER_FIXED_BYTES = 33;
const RECORD_CRC_BYTES = 4;

export class SstFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SstFormatError';
  }
}

export interface SstHeader {
  modelId: string;
  /** First 8 bytes of the SHA-256 of the model weights, to catch decoding with the wrong model. */
  modelSha256Prefix: Uint8Array;
  sampleRate: number;
  frameSize: number;
  bitsPerIndex: number;
  /** Sample rate of the audio before encoding, so a decoder can resample back. */
  inputSampleRate: number;
  /** null when unknown (written while streaming). */
  frameCount: number | null;
}

export interface SstPacketFrame {
  index: number;
  numQuantizers: number;
  packet: Uint8Array;
}
export interface SstLostFrame {
  index: number;
  lost: true;
  reason: string;
}
export type SstFrame = SstPacketFrame | SstLostFrame;

// ---------------------------------------------------------------- writing

function checkUint(name: string, v: number, max: number, min = 0): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${v}`);
  }
}

/**
 * Serialises a header. Its length depends only on the model id, so a streaming
 * writer can write it with frameCount null and later overwrite it in place with
 * the final count (the CRC is recomputed by calling this again).
 */
export function writeSstHeader(h: SstHeader): Uint8Array {
  const id = new TextEncoder().encode(h.modelId);
  if (id.length > 255) throw new RangeError(`modelId is ${id.length} UTF-8 bytes; at most 255 allowed`);
  if (h.modelSha256Prefix.length !== 8) {
    throw new RangeError(`modelSha256Prefix must be 8 bytes, got ${h.modelSha256Prefix.length}`);
  }
  checkUint('sampleRate', h.sampleRate, 0xffffffff, 1);
  checkUint('frameSize', h.frameSize, 0xffff, 1);
  checkUint('bitsPerIndex', h.bitsPerIndex, 16, 1);
  checkUint('inputSampleRate', h.inputSampleRate, 0xffffffff, 1);
  if (h.frameCount !== null) checkUint('frameCount', h.frameCount, SST_UNKNOWN_FRAME_COUNT - 1);

  const L = id.length;
  const out = new Uint8Array(HEADER_FIXED_BYTES + L);
  const dv = new DataView(out.buffer);
  out.set(SST_MAGIC, 0);
  out[4] = SST_VERSION;
  out[5] = L;
  out.set(id, 6);
  out.set(h.modelSha256Prefix, 6 + L);
  dv.setUint32(14 + L, h.sampleRate, true);
  dv.setUint16(18 + L, h.frameSize, true);
  out[20 + L] = h.bitsPerIndex;
  dv.setUint32(21 + L, h.inputSampleRate, true);
  dv.setUint32(25 + L, h.frameCount ?? SST_UNKNOWN_FRAME_COUNT, true);
  dv.setUint32(29 + L, crc32(out.subarray(0, 29 + L)), true);
  return out;
}

/**
 * Serialises one frame record. `packet` must be exactly
 * packetBytes(numQuantizers, bitsPerIndex) long; numQuantizers 0 with an empty
 * packet marks a frame as lost.
 */
export function writeSstPacket(numQuantizers: number, packet: Uint8Array, bitsPerIndex = 4): Uint8Array {
  checkUint('numQuantizers', numQuantizers, SST_MAX_QUANTIZERS);
  const size = packetBytes(numQuantizers, bitsPerIndex);
  if (packet.length !== size) {
    throw new RangeError(`packet has ${packet.length} bytes; ${numQuantizers} quantizers need ${size}`);
  }
  const out = new Uint8Array(1 + size + RECORD_CRC_BYTES);
  out[0] = numQuantizers;
  out.set(packet, 1);
  new DataView(out.buffer).setUint32(1 + size, crc32(out.subarray(0, 1 + size)), true);
  return out;
}

/**
 * Serialises a whole file. The frame count is always recorded since it is
 * known here: a null header.frameCount is replaced by packets.length, and a
 * different non-null count is rejected.
 */
export function encodeSst(h: SstHeader, packets: { numQuantizers: number; packet: Uint8Array }[]): Uint8Array {
  if (h.frameCount !== null && h.frameCount !== packets.length) {
    throw new RangeError(`header.frameCount is ${h.frameCount} but ${packets.length} packets were given`);
  }
  const parts = [writeSstHeader({ ...h, frameCount: packets.length })];
  for (const p of packets) parts.push(writeSstPacket(p.numQuantizers, p.packet, h.bitsPerIndex));
  return concat(parts);
}

// ---------------------------------------------------------------- reading

/** True if the bytes start with the .sst magic (whatever the version). */
export function looksLikeSst(bytes: Uint8Array): boolean {
  return bytes.length >= SST_MAGIC.length && SST_MAGIC.every((b, i) => bytes[i] === b);
}

const hex = (n: number) => '0x' + n.toString(16).padStart(8, '0');

/**
 * Incremental reader: feed chunks of any size with push(), then call end().
 * Frames come out as soon as their record is complete. It produces exactly the
 * same frames and problems as decodeSst (which is built on it) for any way of
 * cutting the input into chunks.
 *
 * Errors in the header throw SstFormatError (from push() as soon as they are
 * detectable, or from end() for a truncated header). Problems in the frame
 * records never throw: a checksum mismatch yields a lost frame and reading
 * continues; an impossible numQuantizers or a truncated final record stops
 * reading. Problems are described in the strings returned by end().
 */
export class SstStreamParser {
  private hdr: SstHeader | null = null;
  private pending: Uint8Array = new Uint8Array(0); // unparsed bytes, always a private copy
  private pendingOffset = 0; // absolute file offset of pending[0]
  private nextIndex = 0;
  private stopped = false;
  private ended = false;
  private failure: SstFormatError | null = null;
  private readonly problems: string[] = [];

  /** The header once it has been read, else null. */
  get header(): SstHeader | null {
    return this.hdr;
  }

  push(chunk: Uint8Array): SstFrame[] {
    if (this.failure) throw this.failure;
    if (this.ended) throw new Error('SstStreamParser: push() after end()');
    if (this.stopped || chunk.length === 0) return [];
    const data = this.pending.length === 0 ? chunk : concat([this.pending, chunk]);
    const frames: SstFrame[] = [];
    let pos = 0;
    if (this.hdr === null) {
      try {
        pos = this.readHeader(data);
      } catch (e) {
        if (e instanceof SstFormatError) this.failure = e;
        throw e;
      }
    }
    if (this.hdr !== null) {
      while (!this.stopped) {
        const used = this.readRecord(data, pos, frames);
        if (used === 0) break;
        pos += used;
      }
    }
    this.pendingOffset += pos;
    // slice() copies, so frames and leftovers never alias the caller's chunk.
    this.pending = this.stopped ? new Uint8Array(0) : data.slice(pos);
    return frames;
  }

  /** Finishes parsing; returns every problem found (in file order). */
  end(): string[] {
    if (this.failure) throw this.failure;
    if (!this.ended) {
      this.ended = true;
      if (this.hdr === null) {
        const need = this.pending.length >= 6 ? HEADER_FIXED_BYTES + this.pending[5] : HEADER_FIXED_BYTES;
        this.failure = new SstFormatError(
          `truncated header: got ${this.pending.length} bytes, need ${need}`,
        );
        throw this.failure;
      }
      if (!this.stopped && this.pending.length > 0) {
        const need = this.recordBytes(this.pending[0]);
        this.problems.push(
          `frame ${this.nextIndex} at byte offset ${this.pendingOffset}: truncated record ` +
            `(${this.pending.length} of ${need} bytes); stopped reading`,
        );
        this.pending = new Uint8Array(0);
      }
      const expected = this.hdr.frameCount;
      if (expected !== null && expected !== this.nextIndex) {
        this.problems.push(`header says ${expected} frames but ${this.nextIndex} were read`);
      }
    }
    return this.problems.slice();
  }

  /** Returns header bytes consumed, or 0 if more bytes are needed. Throws on a bad header. */
  private readHeader(data: Uint8Array): number {
    const m = Math.min(data.length, SST_MAGIC.length);
    for (let i = 0; i < m; i++) {
      if (data[i] !== SST_MAGIC[i]) throw new SstFormatError('not an .sst file: bad magic (expected "SSTm")');
    }
    if (data.length >= 5 && data[4] !== SST_VERSION) {
      throw new SstFormatError(`unsupported .sst version ${data[4]} (this reader supports ${SST_VERSION})`);
    }
    if (data.length < 6) return 0;
    const L = data[5];
    const size = HEADER_FIXED_BYTES + L;
    if (data.length < size) return 0;

    const dv = new DataView(data.buffer, data.byteOffset, size);
    const stored = dv.getUint32(29 + L, true);
    const actual = crc32(data.subarray(0, 29 + L));
    if (stored !== actual) {
      throw new SstFormatError(
        `corrupt header: header CRC32 mismatch (stored ${hex(stored)}, computed ${hex(actual)})`,
      );
    }
    let modelId: string;
    try {
      modelId = new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(6, 6 + L));
    } catch {
      throw new SstFormatError('corrupt header: model id is not valid UTF-8');
    }
    const bitsPerIndex = data[20 + L];
    // Needed to size every record, so a value we cannot use is fatal.
    if (bitsPerIndex < 1 || bitsPerIndex > 16) {
      throw new SstFormatError(`unsupported header: bitsPerIndex ${bitsPerIndex} (must be 1..16)`);
    }
    const frameCount = dv.getUint32(25 + L, true);
    this.hdr = {
      modelId,
      modelSha256Prefix: data.slice(6 + L, 14 + L),
      sampleRate: dv.getUint32(14 + L, true),
      frameSize: dv.getUint16(18 + L, true),
      bitsPerIndex,
      inputSampleRate: dv.getUint32(21 + L, true),
      frameCount: frameCount === SST_UNKNOWN_FRAME_COUNT ? null : frameCount,
    };
    return size;
  }

  private recordBytes(numQuantizers: number): number {
    return 1 + packetBytes(numQuantizers, this.hdr!.bitsPerIndex) + RECORD_CRC_BYTES;
  }

  /** Returns record bytes consumed, or 0 if more bytes are needed or reading stopped. */
  private readRecord(data: Uint8Array, pos: number, frames: SstFrame[]): number {
    if (pos >= data.length) return 0;
    const index = this.nextIndex;
    const offset = this.pendingOffset + pos;
    const nq = data[pos];
    if (nq > SST_MAX_QUANTIZERS) {
      // The record length is unknowable, so nothing after this can be trusted.
      this.problems.push(
        `frame ${index} at byte offset ${offset}: impossible numQuantizers ${nq} ` +
          `(must be 0..${SST_MAX_QUANTIZERS}); stopped reading, remaining bytes ignored`,
      );
      this.stopped = true;
      return 0;
    }
    const size = this.recordBytes(nq);
    if (data.length - pos < size) return 0;
    const body = data.subarray(pos, pos + size - RECORD_CRC_BYTES);
    const stored = new DataView(data.buffer, data.byteOffset + pos + size - RECORD_CRC_BYTES, 4).getUint32(0, true);
    this.nextIndex++;
    if (stored !== crc32(body)) {
      this.problems.push(`frame ${index} at byte offset ${offset}: checksum mismatch; frame marked lost`);
      frames.push({ index, lost: true, reason: 'checksum mismatch' });
    } else if (nq === 0) {
      // Reported as lost (not as a 0-quantizer packet) so a decoder runs packet
      // loss concealment instead of decoding all-empty features.
      frames.push({ index, lost: true, reason: 'marked lost by encoder' });
    } else {
      frames.push({ index, numQuantizers: nq, packet: body.slice(1) });
    }
    return size;
  }
}

/**
 * Reads a whole .sst file. Throws SstFormatError only for a bad header; damage
 * in the frame records is reported through lost frames and `problems`.
 */
export function decodeSst(bytes: Uint8Array): { header: SstHeader; frames: SstFrame[]; problems: string[] } {
  const parser = new SstStreamParser();
  const frames = parser.push(bytes);
  const problems = parser.end();
  return { header: parser.header!, frames, problems };
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  n = 0;
  for (const p of parts) {
    out.set(p, n);
    n += p.length;
  }
  return out;
}

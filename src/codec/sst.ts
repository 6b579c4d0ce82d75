// ".sst": our container for SoundStream/Lyra packets. Full byte layout and
// rationale in docs/sst-format.md. All multi-byte integers are little-endian.
//
// Header (33 + L bytes, L = model id length in bytes):
//   0      4  magic "SSTm"
//   4      1  u8  version (2; 1 is still read)
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
//   u32 sequence number of the frame, from 0 (version 2 only)
//   ceil(numQuantizers * bitsPerIndex / 8) bytes of packed indices (Lyra layout)
//   u32 CRC-32 of all the record's bytes before it
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
import { concatBytes } from '../util/concat.js';
import { decodeUtf8 } from '../util/utf8.js';

export const SST_MAGIC = new Uint8Array([0x53, 0x53, 0x54, 0x6d]); // "SSTm"
/** Written by default: records carry a frame sequence number. Version 1 (without) is still read and can be written. */
export const SST_VERSION = 2;
export const SST_READABLE_VERSIONS: readonly number[] = [1, 2];
/**
 * Longest run of missing frames (by sequence number) filled with lost frames: 5 s. Filled frames
 * also never outnumber the records read by more than this, so a reader yields at most
 * 2 x records + 250 frames: about one frame per 4.5 bytes of file at worst.
 */
export const SST_MAX_GAP_FRAMES = 250;
/** Header fields with a physical meaning, bounded so a CRC-valid but absurd header is refused. */
export const SST_HEADER_BOUNDS = {
  sampleRate: [1000, 384_000],
  frameSize: [1, 16_384],
  inputSampleRate: [1000, 384_000],
} as const;
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
  /** Format version: 2 (the default when writing) or 1. */
  version?: number;
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
  const version = h.version ?? SST_VERSION;
  if (!SST_READABLE_VERSIONS.includes(version))
    throw new RangeError(`version must be ${SST_READABLE_VERSIONS.join(' or ')}, got ${version}`);
  for (const [field, [min, max]] of Object.entries(SST_HEADER_BOUNDS))
    checkUint(field, h[field as keyof typeof SST_HEADER_BOUNDS], max, min);
  checkUint('bitsPerIndex', h.bitsPerIndex, 16, 1);
  if (h.frameCount !== null) checkUint('frameCount', h.frameCount, SST_UNKNOWN_FRAME_COUNT - 1);

  const L = id.length;
  const out = new Uint8Array(HEADER_FIXED_BYTES + L);
  const dv = new DataView(out.buffer);
  out.set(SST_MAGIC, 0);
  out[4] = version;
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
 * packet marks a frame as lost. With a `sequence` (the frame's number, from 0)
 * it is a version-2 record; without, a version-1 record.
 */
export function writeSstPacket(
  numQuantizers: number,
  packet: Uint8Array,
  bitsPerIndex = 4,
  sequence?: number,
): Uint8Array {
  checkUint('numQuantizers', numQuantizers, SST_MAX_QUANTIZERS);
  if (sequence !== undefined) checkUint('sequence', sequence, 0xffffffff);
  const size = packetBytes(numQuantizers, bitsPerIndex);
  if (packet.length !== size) {
    throw new RangeError(`packet has ${packet.length} bytes; ${numQuantizers} quantizers need ${size}`);
  }
  const sequenceBytes = sequence === undefined ? 0 : 4;
  const out = new Uint8Array(1 + sequenceBytes + size + RECORD_CRC_BYTES);
  const dv = new DataView(out.buffer);
  out[0] = numQuantizers;
  if (sequence !== undefined) dv.setUint32(1, sequence, true);
  out.set(packet, 1 + sequenceBytes);
  dv.setUint32(1 + sequenceBytes + size, crc32(out.subarray(0, 1 + sequenceBytes + size)), true);
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
  const sequenced = (h.version ?? SST_VERSION) >= 2;
  packets.forEach((p, i) => {
    parts.push(writeSstPacket(p.numQuantizers, p.packet, h.bitsPerIndex, sequenced ? i : undefined));
  });
  return concatBytes(parts);
}

// ---------------------------------------------------------------- reading

/** True if the bytes start with the .sst magic (whatever the version). */
export function looksLikeSst(bytes: Uint8Array): boolean {
  return bytes.length >= SST_MAGIC.length && SST_MAGIC.every((b, i) => bytes[i] === b);
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

/** A record that passed its CRC, or why none starts here. */
type Attempt =
  | { kind: 'record'; size: number; numQuantizers: number; sequence: number | null; packet: Uint8Array }
  | { kind: 'invalid' }
  | { kind: 'short'; need: number };

const INVALID: Attempt = { kind: 'invalid' };

/** Where the reader lost the record boundaries: the first bad byte and the frame it should have held. */
interface Damage {
  offset: number;
  frame: number;
  /** The length the first bad record's Q byte claims, when it is a possible one. */
  claimedSize: number | null;
  /** Set when the record there was whole but for the end of the input: a truncated file, not damage. */
  truncated: { have: number; need: number } | null;
}

/**
 * Incremental reader: feed chunks of any size with push(), then call end().
 * Frames come out as soon as their record is complete. It produces exactly the
 * same frames and problems as decodeSst (which is built on it) for any way of
 * cutting the input into chunks.
 *
 * Errors in the header throw SstFormatError (from push() as soon as they are
 * detectable, or from end() for a truncated header). Problems in the frame
 * records never throw: after a record that fails its CRC (or claims an
 * impossible length) the reader looks for the next record that passes its CRC,
 * byte by byte, and marks the frames in between lost; version 2 records carry a
 * sequence number, so missing, duplicated and reordered records are found and
 * reported too. Problems are described in the strings returned by end().
 */
export class SstStreamParser {
  private hdr: SstHeader | null = null;
  private pending: Uint8Array = new Uint8Array(0); // unparsed bytes, always a private copy
  private pendingOffset = 0; // absolute file offset of pending[0]
  private nextIndex = 0;
  /** Version 2: the sequence number the next record should carry. */
  private nextSequence = 0;
  private recordsRead = 0;
  private gapFramesFilled = 0;
  /** The largest good record so far, to estimate how many frames a damaged stretch held. */
  private largestRecord = 0;
  private damage: Damage | null = null;
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
    if (chunk.length === 0) return [];
    const data = this.pending.length === 0 ? chunk : concatBytes([this.pending, chunk]);
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
    if (this.hdr !== null) pos = this.readRecords(data, pos, frames, false);
    this.pendingOffset += pos;
    // slice() copies, so frames and leftovers never alias the caller's chunk.
    this.pending = data.slice(pos);
    return frames;
  }

  /**
   * Finishes parsing: the last frames (lost ones, when the input ends in damaged bytes) and
   * every problem found, in file order.
   */
  end(): { frames: SstFrame[]; problems: string[] } {
    if (this.failure) throw this.failure;
    const frames: SstFrame[] = [];
    if (!this.ended) {
      this.ended = true;
      if (this.hdr === null) {
        const need = this.pending.length >= 6 ? HEADER_FIXED_BYTES + this.pending[5] : HEADER_FIXED_BYTES;
        this.failure = new SstFormatError(`truncated header: got ${this.pending.length} bytes, need ${need}`);
        throw this.failure;
      }
      this.pendingOffset += this.readRecords(this.pending, 0, frames, true);
      this.pending = new Uint8Array(0);
      if (this.damage) this.endDamageAtEnd(frames);
      const expected = this.hdr.frameCount;
      if (expected !== null && expected !== this.nextIndex) {
        this.problems.push(`header says ${expected} frames but ${this.nextIndex} were read`);
      }
    }
    return { frames, problems: this.problems.slice() };
  }

  /** Returns header bytes consumed, or 0 if more bytes are needed. Throws on a bad header. */
  private readHeader(data: Uint8Array): number {
    const m = Math.min(data.length, SST_MAGIC.length);
    for (let i = 0; i < m; i++) {
      if (data[i] !== SST_MAGIC[i]) throw new SstFormatError('not an .sst file: bad magic (expected "SSTm")');
    }
    if (data.length >= 5 && !SST_READABLE_VERSIONS.includes(data[4])) {
      throw new SstFormatError(
        `unsupported .sst version ${data[4]} (this reader supports ${SST_READABLE_VERSIONS.join(' and ')})`,
      );
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
      modelId = decodeUtf8(data.subarray(6, 6 + L));
    } catch {
      throw new SstFormatError('corrupt header: model id is not valid UTF-8');
    }
    const bitsPerIndex = data[20 + L];
    // Needed to size every record, so a value we cannot use is fatal.
    if (bitsPerIndex < 1 || bitsPerIndex > 16) {
      throw new SstFormatError(`unsupported header: bitsPerIndex ${bitsPerIndex} (must be 1..16)`);
    }
    const frameCount = dv.getUint32(25 + L, true);
    const header: SstHeader = {
      version: data[4],
      modelId,
      modelSha256Prefix: data.slice(6 + L, 14 + L),
      sampleRate: dv.getUint32(14 + L, true),
      frameSize: dv.getUint16(18 + L, true),
      bitsPerIndex,
      inputSampleRate: dv.getUint32(21 + L, true),
      frameCount: frameCount === SST_UNKNOWN_FRAME_COUNT ? null : frameCount,
    };
    // A CRC only says the header is as written, not that it was written by a sane encoder.
    for (const [field, [min, max]] of Object.entries(SST_HEADER_BOUNDS)) {
      const v = header[field as keyof typeof SST_HEADER_BOUNDS];
      if (v < min || v > max) throw new SstFormatError(`implausible header: ${field} ${v} (must be ${min}..${max})`);
    }
    this.hdr = header;
    return size;
  }

  private get sequenceBytes(): number {
    return this.hdr!.version === 1 ? 0 : 4;
  }

  private recordBytes(numQuantizers: number): number {
    return 1 + this.sequenceBytes + packetBytes(numQuantizers, this.hdr!.bitsPerIndex) + RECORD_CRC_BYTES;
  }

  private attempt(data: Uint8Array, pos: number): Attempt {
    const numQuantizers = data[pos];
    if (numQuantizers > SST_MAX_QUANTIZERS) return INVALID;
    const size = this.recordBytes(numQuantizers);
    if (data.length - pos < size) return { kind: 'short', need: size };
    const crcAt = pos + size - RECORD_CRC_BYTES;
    const dv = new DataView(data.buffer, data.byteOffset + pos, size);
    if (dv.getUint32(size - RECORD_CRC_BYTES, true) !== crc32(data.subarray(pos, crcAt))) return INVALID;
    const sequence = this.sequenceBytes ? dv.getUint32(1, true) : null;
    return { kind: 'record', size, numQuantizers, sequence, packet: data.slice(pos + 1 + this.sequenceBytes, crcAt) };
  }

  /** Reads records from `pos`; returns where the unread bytes start (all of them read when `final`). */
  private readRecords(data: Uint8Array, pos: number, frames: SstFrame[], final: boolean): number {
    while (pos < data.length) {
      const a = this.attempt(data, pos);
      if (a.kind === 'short' && !final) break;
      const offset = this.pendingOffset + pos;
      if (a.kind === 'record') {
        if (this.damage) this.endDamage(offset, a, frames);
        this.accept(a, offset, frames);
        pos += a.size;
        continue;
      }
      // No record starts here: from the first such byte on, look for the next one byte by byte.
      if (!this.damage) {
        const q = data[pos];
        this.damage = {
          offset,
          frame: this.nextIndex,
          claimedSize: q <= SST_MAX_QUANTIZERS ? this.recordBytes(q) : null,
          truncated: a.kind === 'short' ? { have: data.length - pos, need: a.need } : null,
        };
      }
      pos++;
    }
    return pos;
  }

  private accept(a: Attempt & { kind: 'record' }, offset: number, frames: SstFrame[]): void {
    this.recordsRead++;
    this.largestRecord = Math.max(this.largestRecord, a.size);
    if (a.sequence !== null) {
      const expected = this.nextSequence;
      if (a.sequence < expected) {
        this.problems.push(
          `record at byte offset ${offset} carries frame ${a.sequence}, but frame ${expected} was due (duplicated or out of order); dropped`,
        );
        return;
      }
      const gap = a.sequence - expected;
      if (this.mayFill(gap)) {
        this.problems.push(
          `frames ${expected}..${a.sequence - 1} missing before byte offset ${offset} (deleted or reordered records); marked lost`,
        );
        this.gapFramesFilled += gap;
        for (let i = 0; i < gap; i++)
          frames.push({ index: this.nextIndex++, lost: true, reason: 'missing from the stream' });
      } else if (gap > 0) {
        this.problems.push(
          `record at byte offset ${offset} jumps from frame ${expected} to ${a.sequence}, too far to fill; read on from there`,
        );
      }
      this.nextSequence = a.sequence + 1;
    }
    const index = this.nextIndex++;
    // Q = 0: reported as lost (not as a 0-quantizer packet) so a decoder conceals the frame.
    if (a.numQuantizers === 0) frames.push({ index, lost: true, reason: 'marked lost by encoder' });
    else frames.push({ index, numQuantizers: a.numQuantizers, packet: a.packet });
  }

  /** A good record after damaged bytes: in version 1 the lost frames are estimated from the bytes skipped, in version 2 the sequence numbers count them. */
  private endDamage(offset: number, next: Attempt & { kind: 'record' }, frames: SstFrame[]): void {
    const d = this.damage!;
    this.damage = null;
    const skipped = offset - d.offset;
    const before = this.nextIndex;
    if (next.sequence === null) this.markLost(this.estimateFrames(skipped, next.size), frames);
    else if (this.mayFill(next.sequence - this.nextSequence)) {
      this.gapFramesFilled += next.sequence - this.nextSequence;
      this.markLost(next.sequence - this.nextSequence, frames);
    }
    const lost = this.nextIndex - before;
    if (lost === 1 && d.claimedSize === skipped) {
      // The common case, one record with damaged contents and an intact length.
      this.problems.push(`frame ${d.frame} at byte offset ${d.offset}: checksum mismatch; frame marked lost`);
      return;
    }
    this.problems.push(
      `frame ${d.frame} at byte offset ${d.offset}: checksum mismatch; ${lost} frame${lost === 1 ? '' : 's'} marked lost, ` +
        `${skipped} bytes skipped, in step again at byte offset ${offset}`,
    );
  }

  /** Damage that runs to the end of the input: a truncated last record, or bytes with no good record in them. */
  private endDamageAtEnd(frames: SstFrame[]): void {
    const d = this.damage!;
    this.damage = null;
    const skipped = this.pendingOffset - d.offset;
    if (d.truncated && d.truncated.have === skipped) {
      this.problems.push(
        `frame ${d.frame} at byte offset ${d.offset}: truncated record (${d.truncated.have} of ${d.truncated.need} bytes); stopped reading`,
      );
      return;
    }
    const lost = this.estimateFrames(skipped, skipped);
    this.markLost(lost, frames);
    this.problems.push(
      `frame ${d.frame} at byte offset ${d.offset}: no good record in the last ${skipped} bytes; ${lost} frame${lost === 1 ? '' : 's'} marked lost`,
    );
  }

  /**
   * Frames a damaged stretch held, counted at the size of the largest good record so far (or
   * `guess` before any; the bitrate may vary, and fewer concealed frames is the safer error):
   * at least one, and never more than its bytes could hold.
   */
  private estimateFrames(skipped: number, guess: number): number {
    const size = Math.max(this.largestRecord, guess);
    return Math.min(Math.ceil(skipped / this.recordBytes(0)), Math.max(1, Math.round(skipped / size)));
  }

  /** Whether `gap` missing frames (by sequence number) are filled with lost frames: see SST_MAX_GAP_FRAMES. */
  private mayFill(gap: number): boolean {
    return gap > 0 && gap <= SST_MAX_GAP_FRAMES && this.gapFramesFilled + gap <= this.recordsRead + SST_MAX_GAP_FRAMES;
  }

  private markLost(count: number, frames: SstFrame[]): void {
    for (let i = 0; i < count; i++) frames.push({ index: this.nextIndex++, lost: true, reason: 'checksum mismatch' });
    if (this.hdr!.version !== 1) this.nextSequence += count;
  }
}

/**
 * Reads a whole .sst file. Throws SstFormatError only for a bad header; damage
 * in the frame records is reported through lost frames and `problems`.
 */
export function decodeSst(bytes: Uint8Array): { header: SstHeader; frames: SstFrame[]; problems: string[] } {
  const parser = new SstStreamParser();
  const frames = parser.push(bytes);
  const rest = parser.end();
  return { header: parser.header!, frames: [...frames, ...rest.frames], problems: rest.problems };
}

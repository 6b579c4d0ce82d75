// ".sst": our container for SoundStream/Lyra packets. Full byte layout and
// rationale in docs/sst-format.md. All multi-byte integers are little-endian.
//
// Header (33 + L bytes, L = model id length in bytes):
//   0      4  magic "SSTm"
//   4      1  u8  version (3; 1 and 2 are still read)
//   5      1  u8  L
//   6      L  model id, UTF-8
//   6+L    8  first 8 bytes of the model weights' SHA-256
//   14+L   4  u32 sample rate of the codec (16000 for Lyra v2)
//   18+L   2  u16 frame size in samples (320)
//   20+L   1  u8  bits per index (4)
//   21+L   4  u32 original input sample rate
//   25+L   4  u32 frame count, 0xFFFFFFFF = unknown (streamed)
//   29+L   4  u32 CRC-32 of header bytes 0 .. 29+L
// Version 3: then pages of up to 255 frame slots (docs/sst-format.md has the layout):
//   "Sp", u32 first slot's sequence number, u8 slot count, u8 layout, [map], frame bodies, u32 CRC-32
// Versions 1 and 2: then one record per frame:
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

import type { BitrateTable } from './bitrates.js';
import type { PacketFormat } from './frame-codec.js';
import { parsePayload } from './payload.js';
import { crc32 } from './crc32.js';
import { packetBytes } from './lyra-packet.js';
import { concatBytes } from '../util/concat.js';
import { decodeUtf8 } from '../util/utf8.js';

export const SST_MAGIC = new Uint8Array([0x53, 0x53, 0x54, 0x6d]); // "SSTm"
/** Written by default: pages of frames, a sequence number and CRC per page. Versions 1 and 2 (a record per frame) are still read and can be written. */
export const SST_VERSION = 3;
export const SST_READABLE_VERSIONS: readonly number[] = [1, 2, 3];
/** Frame slots per page a writer puts in a version-3 file by default: one second. */
export const SST_DEFAULT_FRAMES_PER_PAGE = 50;
export const SST_MAX_FRAMES_PER_PAGE = 255;
/** The two bytes every version-3 page starts with ("Sp"): a cheap test before a CRC while resynchronising. */
export const SST_PAGE_SYNC = new Uint8Array([0x53, 0x70]);
/** Page bytes other than the map and the frame bodies: sync, sequence number, slot count, layout, CRC. */
const PAGE_FIXED_BYTES = 12;
/** In a mixed page's map: the slot holds no frame (nothing sent: discontinuous transmission). */
const MAP_NOT_SENT = 0x00;
/** In a mixed page's map: a comfort-noise update, its body length in the next map byte. */
const MAP_COMFORT_NOISE = 0xfe;
/** In a mixed page's map: a frame the writer marked lost. */
const MAP_LOST = 0xff;
/** With a quantizer count in the low bits: the frame carries the previous frame's first quantizers too. */
const REDUNDANCY_FLAG = 0x80;
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
  /** Format version: 3 (the default when writing), 2 or 1. */
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
  /** The previous frame's first quantizers (version 3), for a decoder that lost that frame. */
  redundancy?: { numQuantizers: number; packet: Uint8Array };
}
export interface SstLostFrame {
  index: number;
  lost: true;
  reason: string;
}
/** A slot in which the encoder sent nothing (discontinuous transmission, version 3): not a loss. */
export interface SstNotSentFrame {
  index: number;
  notSent: true;
}
/** A comfort-noise update (version 3): the body of a SoundStream SID payload. */
export interface SstComfortNoiseFrame {
  index: number;
  comfortNoise: Uint8Array;
}
export type SstFrame = SstPacketFrame | SstLostFrame | SstNotSentFrame | SstComfortNoiseFrame;

/**
 * What a writer is given per frame slot: a packet of `numQuantizers` indices (0 with an empty
 * packet: marked lost), optionally with redundancy; a slot with nothing sent; a comfort-noise
 * update. Versions 1 and 2 carry packets and lost marks only.
 */
export type SstFrameInput =
  | { numQuantizers: number; packet: Uint8Array; redundancy?: { numQuantizers: number; packet: Uint8Array } }
  | { notSent: true }
  | { comfortNoise: Uint8Array };

/**
 * One packet of a stream (createEncoder's or an encoder node's) -> the .sst frame that holds it:
 * a raw Lyra packet (its length gives its count), a SoundStream payload (speech with any
 * redundancy, or a comfort-noise update), or an empty packet, DTX's frame not sent.
 */
export function sstFrameOfPacket(packet: Uint8Array, packetFormat: PacketFormat, table: BitrateTable): SstFrameInput {
  if (packetFormat === 'lyra') return { numQuantizers: table.quantizersForPacket(packet.length), packet };
  if (packet.length === 0) return { notSent: true };
  const payload = parsePayload(packet);
  if (payload.kind === 'comfort-noise') return { comfortNoise: payload.sidBody };
  const { numQuantizers, indices, redundancy } = payload;
  return {
    numQuantizers,
    packet: indices,
    redundancy: redundancy && { numQuantizers: redundancy.numQuantizers, packet: redundancy.indices },
  };
}

/** Whether a frame read from a file holds speech to decode. */
export function isSstPacket(frame: SstFrame): frame is SstPacketFrame {
  return 'packet' in frame;
}

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
    throw new RangeError(`version must be one of ${SST_READABLE_VERSIONS.join(', ')}, got ${version}`);
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

/** The bytes of a frame's body in a version-3 page (its map entry or the page layout says what it is). */
function frameBody(frame: SstFrameInput): Uint8Array {
  if ('notSent' in frame) return new Uint8Array(0);
  if ('comfortNoise' in frame) return frame.comfortNoise;
  const { redundancy } = frame;
  if (!redundancy) return frame.packet;
  return concatBytes([frame.packet, Uint8Array.of(redundancy.numQuantizers), redundancy.packet]);
}

/** A frame's entry in a mixed page's map (one byte, two for a comfort-noise update). */
function mapEntry(frame: SstFrameInput): number[] {
  if ('notSent' in frame) return [MAP_NOT_SENT];
  if ('comfortNoise' in frame) return [MAP_COMFORT_NOISE, frame.comfortNoise.length];
  if (frame.numQuantizers === 0) return [MAP_LOST];
  return [frame.numQuantizers | (frame.redundancy ? REDUNDANCY_FLAG : 0)];
}

/** Checks a frame a writer is given; RangeError naming what the format cannot carry. */
function checkFrameInput(frame: SstFrameInput, bitsPerIndex: number, version: number): void {
  if ('notSent' in frame || 'comfortNoise' in frame) {
    if (version < 3) throw new RangeError(`version ${version} files carry packets only; use version 3`);
    if ('comfortNoise' in frame && !(frame.comfortNoise instanceof Uint8Array && frame.comfortNoise.length <= 255))
      throw new RangeError('a comfort-noise body must be a Uint8Array of at most 255 bytes');
    return;
  }
  const checkPacket = (what: string, n: number, packet: Uint8Array, min: number) => {
    checkUint(what, n, SST_MAX_QUANTIZERS, min);
    const size = packetBytes(n, bitsPerIndex);
    if (!(packet instanceof Uint8Array) || packet.length !== size)
      throw new RangeError(`packet has ${packet?.length} bytes; ${n} quantizers need ${size}`);
  };
  checkPacket('numQuantizers', frame.numQuantizers, frame.packet, 0);
  if (frame.redundancy) {
    if (version < 3) throw new RangeError(`version ${version} files cannot carry redundancy; use version 3`);
    if (frame.numQuantizers === 0) throw new RangeError('a frame marked lost (0 quantizers) carries no redundancy');
    checkPacket('redundancy.numQuantizers', frame.redundancy.numQuantizers, frame.redundancy.packet, 1);
  }
}

/**
 * Serialises one version-3 page: `frames` (1..255) fill the slots from `sequence` on. All
 * speech of one quantizer count (with or without redundancy) makes a uniform page with no map;
 * anything else a mixed page with a map byte per slot.
 */
export function writeSstPage(sequence: number, frames: SstFrameInput[], bitsPerIndex = 4): Uint8Array {
  checkUint('sequence', sequence, 0xffffffff);
  checkUint('frames.length', frames.length, SST_MAX_FRAMES_PER_PAGE, 1);
  for (const frame of frames) checkFrameInput(frame, bitsPerIndex, 3);
  const first = mapEntry(frames[0]);
  const uniform =
    first.length === 1 &&
    first[0] !== MAP_NOT_SENT &&
    first[0] !== MAP_LOST &&
    frames.every((f) => {
      const e = mapEntry(f);
      return e.length === 1 && e[0] === first[0];
    });
  const map = uniform ? [] : frames.flatMap(mapEntry);
  const bodies = frames.map(frameBody);
  const head = new Uint8Array(8 + map.length);
  head.set(SST_PAGE_SYNC, 0);
  new DataView(head.buffer).setUint32(2, sequence, true);
  head[6] = frames.length;
  head[7] = uniform ? first[0] : 0;
  head.set(map, 8);
  const page = concatBytes([head, ...bodies, new Uint8Array(4)]);
  new DataView(page.buffer).setUint32(page.length - 4, crc32(page.subarray(0, page.length - 4)), true);
  return page;
}

/**
 * A streaming .sst writer: header() first, then push() each frame slot; the bytes come out as
 * records (versions 1, 2) or as pages once `framesPerPage` slots are buffered or a uniform page
 * meets a frame of another kind (version 3), and flush() writes the last partial page.
 * encodeSst is built on it.
 */
export class SstWriter {
  readonly version: number;
  readonly framesPerPage: number;
  private readonly h: SstHeader;
  private pageFrames: SstFrameInput[] = [];
  private pageStart = 0;
  private written = 0;

  constructor(header: SstHeader, options: { framesPerPage?: number } = {}) {
    this.h = header;
    this.version = header.version ?? SST_VERSION;
    this.framesPerPage = options.framesPerPage ?? SST_DEFAULT_FRAMES_PER_PAGE;
    checkUint('framesPerPage', this.framesPerPage, SST_MAX_FRAMES_PER_PAGE, 1);
    writeSstHeader({ ...header, version: this.version }); // checks the header now, not at the first frame
  }

  /** The header with `frameCount` (null: unknown, for a stream); its length does not depend on it. */
  header(frameCount: number | null = this.h.frameCount): Uint8Array {
    return writeSstHeader({ ...this.h, version: this.version, frameCount });
  }

  /** Frame slots pushed so far. */
  get frames(): number {
    return this.written;
  }

  push(frame: SstFrameInput): Uint8Array[] {
    checkFrameInput(frame, this.h.bitsPerIndex, this.version);
    const index = this.written++;
    if (this.version < 3) {
      const f = frame as { numQuantizers: number; packet: Uint8Array };
      return [writeSstPacket(f.numQuantizers, f.packet, this.h.bitsPerIndex, this.version === 2 ? index : undefined)];
    }
    // A frame that would turn a uniform page mixed starts a new page instead: 12 bytes once,
    // rather than a map byte for every slot (a bitrate change, the first frame of a redundant
    // stream, the start of a pause). Pages that are mixed already stay so until full.
    const pages = this.pageFrames.length > 0 && this.breaksUniformPage(frame) ? this.flush() : [];
    if (this.pageFrames.length === 0) this.pageStart = index;
    this.pageFrames.push(frame);
    if (this.pageFrames.length === this.framesPerPage) pages.push(...this.flush());
    return pages;
  }

  /** Whether the buffered slots are all speech of one layout, and `frame` is not of it. */
  private breaksUniformPage(frame: SstFrameInput): boolean {
    const [first] = mapEntry(this.pageFrames[0]);
    if (first === MAP_NOT_SENT || first === MAP_LOST || first === MAP_COMFORT_NOISE) return false;
    if (!this.pageFrames.every((f) => mapEntry(f)[0] === first)) return false;
    return mapEntry(frame)[0] !== first;
  }

  /** Writes the buffered slots as a page (nothing when none are buffered). */
  flush(): Uint8Array[] {
    if (this.pageFrames.length === 0) return [];
    const page = writeSstPage(this.pageStart, this.pageFrames, this.h.bitsPerIndex);
    this.pageFrames = [];
    return [page];
  }
}

/**
 * Serialises a whole file. The frame count is always recorded since it is
 * known here: a null header.frameCount is replaced by frames.length, and a
 * different non-null count is rejected.
 */
export function encodeSst(
  h: SstHeader,
  frames: readonly SstFrameInput[],
  options: { framesPerPage?: number } = {},
): Uint8Array {
  if (h.frameCount !== null && h.frameCount !== frames.length) {
    throw new RangeError(`header.frameCount is ${h.frameCount} but ${frames.length} packets were given`);
  }
  const writer = new SstWriter({ ...h, frameCount: frames.length }, options);
  const parts = [writer.header()];
  for (const frame of frames) parts.push(...writer.push(frame));
  parts.push(...writer.flush());
  return concatBytes(parts);
}

// ---------------------------------------------------------------- reading

/** True if the bytes start with the .sst magic (whatever the version). */
export function looksLikeSst(bytes: Uint8Array): boolean {
  return bytes.length >= SST_MAGIC.length && SST_MAGIC.every((b, i) => bytes[i] === b);
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

/** What one slot of a record or page holds, before it is given its frame index. */
type Slot =
  | { numQuantizers: number; packet: Uint8Array; redundancy?: { numQuantizers: number; packet: Uint8Array } }
  | { lost: true; reason: string }
  | { notSent: true }
  | { comfortNoise: Uint8Array };

/** A record or page that passed its CRC, or why none starts here. */
type Attempt =
  | { kind: 'record'; size: number; sequence: number | null; slots: Slot[] }
  | { kind: 'invalid' }
  | { kind: 'short'; need: number };

const INVALID: Attempt = { kind: 'invalid' };
const MARKED_LOST: Slot = { lost: true, reason: 'marked lost by encoder' };

/**
 * The version-3 page at `pos`, read as far as the bytes go: its size and slots once whole and
 * its CRC matches; 'short' when the bytes end first; 'invalid' for anything the layout forbids.
 */
function attemptPage(data: Uint8Array, pos: number, bitsPerIndex: number): Attempt {
  const avail = data.length - pos;
  if (avail >= 1 && data[pos] !== SST_PAGE_SYNC[0]) return INVALID;
  if (avail >= 2 && data[pos + 1] !== SST_PAGE_SYNC[1]) return INVALID;
  if (avail < 8) return { kind: 'short', need: 8 };
  const slotCount = data[pos + 6];
  const layout = data[pos + 7];
  if (slotCount === 0) return INVALID;
  const validCount = (n: number) => n >= 1 && n <= SST_MAX_QUANTIZERS;
  const speechEntry = (e: number) => validCount(e & ~REDUNDANCY_FLAG);
  if (layout !== 0 && !speechEntry(layout)) return INVALID;
  if (layout !== 0 && (layout & REDUNDANCY_FLAG) === 0) {
    const whole = PAGE_FIXED_BYTES + slotCount * packetBytes(layout, bitsPerIndex);
    if (avail < whole) return { kind: 'short', need: whole };
  }
  // The map: one entry per slot (two for a comfort-noise update), or the layout byte for all.
  let at = pos + 8;
  const entries: number[] = [];
  const sidLengths: number[] = [];
  for (let i = 0; i < slotCount; i++) {
    if (layout !== 0) {
      entries.push(layout);
      continue;
    }
    if (at >= data.length) return { kind: 'short', need: at - pos + 1 + PAGE_FIXED_BYTES - 8 };
    const e = data[at++];
    if (e === MAP_COMFORT_NOISE) {
      if (at >= data.length) return { kind: 'short', need: at - pos + 1 + PAGE_FIXED_BYTES - 8 };
      sidLengths.push(data[at++]);
    } else if (e !== MAP_NOT_SENT && e !== MAP_LOST && !speechEntry(e)) return INVALID;
    entries.push(e);
  }
  // The bodies, sized by the entries (a redundant copy by its own count byte).
  const slots: Slot[] = [];
  let sid = 0;
  for (const e of entries) {
    if (e === MAP_NOT_SENT) slots.push({ notSent: true });
    else if (e === MAP_LOST) slots.push(MARKED_LOST);
    else if (e === MAP_COMFORT_NOISE) {
      const length = sidLengths[sid++];
      if (data.length - at < length) return { kind: 'short', need: at - pos + length + 4 };
      slots.push({ comfortNoise: data.slice(at, at + length) });
      at += length;
    } else {
      const n = e & ~REDUNDANCY_FLAG;
      const size = packetBytes(n, bitsPerIndex);
      if (data.length - at < size) return { kind: 'short', need: at - pos + size + 4 };
      const packet = data.slice(at, at + size);
      at += size;
      if ((e & REDUNDANCY_FLAG) === 0) {
        slots.push({ numQuantizers: n, packet });
        continue;
      }
      if (at >= data.length) return { kind: 'short', need: at - pos + 1 + 4 };
      const m = data[at++];
      if (!validCount(m)) return INVALID;
      const copy = packetBytes(m, bitsPerIndex);
      if (data.length - at < copy) return { kind: 'short', need: at - pos + copy + 4 };
      slots.push({ numQuantizers: n, packet, redundancy: { numQuantizers: m, packet: data.slice(at, at + copy) } });
      at += copy;
    }
  }
  if (data.length - at < 4) return { kind: 'short', need: at - pos + 4 };
  const stored = new DataView(data.buffer, data.byteOffset + at, 4).getUint32(0, true);
  if (stored !== crc32(data.subarray(pos, at))) return INVALID;
  const sequence = new DataView(data.buffer, data.byteOffset + pos + 2, 4).getUint32(0, true);
  return { kind: 'record', size: at + 4 - pos, sequence, slots };
}

/** Where the reader lost the record boundaries: the first bad byte and the frame it should have held. */
interface Damage {
  offset: number;
  frame: number;
  /** The length the first bad record's Q byte claims, when it is a possible one (versions 1, 2). */
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
        `unsupported .sst version ${data[4]} (this reader supports ${SST_READABLE_VERSIONS.slice(0, -1).join(', ')} and ${SST_READABLE_VERSIONS.at(-1)})`,
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
    if (this.hdr!.version === 3) return attemptPage(data, pos, this.hdr!.bitsPerIndex);
    const numQuantizers = data[pos];
    if (numQuantizers > SST_MAX_QUANTIZERS) return INVALID;
    const size = this.recordBytes(numQuantizers);
    if (data.length - pos < size) return { kind: 'short', need: size };
    const crcAt = pos + size - RECORD_CRC_BYTES;
    const dv = new DataView(data.buffer, data.byteOffset + pos, size);
    if (dv.getUint32(size - RECORD_CRC_BYTES, true) !== crc32(data.subarray(pos, crcAt))) return INVALID;
    const sequence = this.sequenceBytes ? dv.getUint32(1, true) : null;
    // Q = 0: reported as lost (not as a 0-quantizer packet) so a decoder conceals the frame.
    const slot: Slot =
      numQuantizers === 0 ? MARKED_LOST : { numQuantizers, packet: data.slice(pos + 1 + this.sequenceBytes, crcAt) };
    return { kind: 'record', size, sequence, slots: [slot] };
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
          claimedSize: this.hdr!.version !== 3 && q <= SST_MAX_QUANTIZERS ? this.recordBytes(q) : null,
          truncated: a.kind === 'short' ? { have: data.length - pos, need: a.need } : null,
        };
      }
      pos++;
    }
    return pos;
  }

  private accept(a: Attempt & { kind: 'record' }, offset: number, frames: SstFrame[]): void {
    this.recordsRead += a.slots.length;
    this.largestRecord = Math.max(this.largestRecord, a.size / a.slots.length);
    if (a.sequence !== null) {
      const expected = this.nextSequence;
      if (a.sequence < expected) {
        const what =
          a.slots.length === 1
            ? `record at byte offset ${offset} carries frame ${a.sequence}`
            : `page at byte offset ${offset} carries frames ${a.sequence}..${a.sequence + a.slots.length - 1}`;
        this.problems.push(`${what}, but frame ${expected} was due (duplicated or out of order); dropped`);
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
      this.nextSequence = a.sequence + a.slots.length;
    }
    for (const slot of a.slots) frames.push({ index: this.nextIndex++, ...slot });
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
    if (this.hdr!.version === 3) {
      const frames =
        lost === 0 ? 'no frame' : lost === 1 ? `frame ${d.frame}` : `frames ${d.frame}..${d.frame + lost - 1}`;
      this.problems.push(
        `${frames} at byte offset ${d.offset}: damaged page (checksum mismatch or bad layout); ${lost} frame${lost === 1 ? '' : 's'} marked lost, ` +
          `${skipped} bytes skipped, in step again at byte offset ${offset}`,
      );
      return;
    }
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
        `frame ${d.frame} at byte offset ${d.offset}: truncated ${this.hdr!.version === 3 ? 'page' : 'record'} (${d.truncated.have} of ${d.truncated.need} bytes); stopped reading`,
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
   * Frames a damaged stretch held, counted at the largest bytes per frame of a good record or page so far (or
   * `guess` before any; the bitrate may vary, and fewer concealed frames is the safer error):
   * at least one, and never more than its bytes could hold.
   */
  private estimateFrames(skipped: number, guess: number): number {
    const size = Math.max(this.largestRecord, guess);
    const smallest = this.hdr!.version === 3 ? 1 : this.recordBytes(0);
    return Math.min(Math.ceil(skipped / smallest), Math.max(1, Math.round(skipped / size)));
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

// Lyra v2 packets in RTP (RFC 3550), as docs/rtp.md proposes: one 20 ms frame per RTP packet,
// the Lyra packet as the whole payload, a 16 kHz clock (timestamp step 320 per frame), the marker
// bit on the first packet of a stream or talkspurt, a dynamic payload type. Lyra has no RTP
// payload format of its own (google/lyra#98); this is ours, made to agree with pjsip's
// `lyra/16000` and its `bitrate` fmtp.

import { LYRA_TABLE } from './bitrates.js';
import type { PacketFormat } from './frame-codec.js';
import { parsePayload, PayloadFormatError } from './payload.js';

/** RTP clock rate of the payload format (Lyra v2 codes 16 kHz audio). */
export const LYRA_RTP_CLOCK_RATE = 16000;
/** Timestamp increment per 20 ms Lyra frame. */
export const LYRA_RTP_TIMESTAMP_STEP = 320;
const FIXED_HEADER_BYTES = 12;

/** A byte string that is not an RTP packet carrying one Lyra frame; `reason` says what is wrong. */
export class RtpPacketError extends Error {
  override readonly name = 'RtpPacketError';
  constructor(readonly reason: string) {
    super(`malformed RTP packet: ${reason}`);
  }
}

export interface RtpHeader {
  /** 0..127; Lyra has no static one: a dynamic type (96..127) agreed in the SDP. */
  payloadType: number;
  /** 0..65535, +1 per packet, wrapping. */
  sequenceNumber: number;
  /** 0..2^32-1, +320 per frame, wrapping. */
  timestamp: number;
  ssrc: number;
  /** First packet of the stream, or of a talkspurt after discontinuous transmission. */
  marker: boolean;
}

export interface LyraRtpPacket extends RtpHeader {
  /** The Lyra packet: a view into the RTP packet's bytes. */
  payload: Uint8Array;
  csrcs: number[];
  /** The header extension (RFC 3550 5.3.1), if the X bit was set: ignored by the payload format. */
  extension: { profile: number; data: Uint8Array } | null;
}

function checkField(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new RangeError(`${name} must be an integer in 0..${max}, got ${value}`);
}

/** An RTP packet (version 2, no padding, no extension, no CSRC) carrying `payload`. */
export function writeRtpPacket(header: RtpHeader, payload: Uint8Array): Uint8Array {
  checkField('payloadType', header.payloadType, 127);
  checkField('sequenceNumber', header.sequenceNumber, 0xffff);
  checkField('timestamp', header.timestamp, 0xffffffff);
  checkField('ssrc', header.ssrc, 0xffffffff);
  if (!(payload instanceof Uint8Array)) throw new TypeError('payload must be a Uint8Array');
  const packet = new Uint8Array(FIXED_HEADER_BYTES + payload.length);
  const view = new DataView(packet.buffer);
  packet[0] = 0x80;
  packet[1] = (header.marker ? 0x80 : 0) | header.payloadType;
  view.setUint16(2, header.sequenceNumber);
  view.setUint32(4, header.timestamp);
  view.setUint32(8, header.ssrc);
  packet.set(payload, FIXED_HEADER_BYTES);
  return packet;
}

/** Why `payload` is not one frame in `format`, or null when it is. */
function payloadProblem(payload: Uint8Array, format: PacketFormat): string | null {
  if (format === 'soundstream') {
    try {
      parsePayload(payload);
      return null;
    } catch (err) {
      if (err instanceof PayloadFormatError) return `not a SoundStream payload: ${err.message}`;
      throw err;
    }
  }
  if (format !== 'lyra') throw new RangeError(`format must be 'lyra' or 'soundstream', got ${JSON.stringify(format)}`);
  if (LYRA_TABLE.acceptsPacketLength(payload.length)) return null;
  return `a payload of ${payload.length} bytes is not a Lyra v2 packet (${LYRA_TABLE.lengthsText})`;
}

/**
 * Parses an RTP packet and checks that its payload is one Lyra v2 packet (8, 15 or 23 bytes), or
 * with `format` 'soundstream' one SoundStream payload (docs/payload-format.md; encoding name
 * `soundstream`, its own payload type). CSRCs, a header extension and padding are accepted and
 * stripped, as RFC 3550 asks of a receiver; `payloadType`, when given, must match. Anything
 * else: RtpPacketError.
 */
export function readLyraRtpPacket(
  packet: Uint8Array,
  payloadType?: number,
  format: PacketFormat = 'lyra',
): LyraRtpPacket {
  if (!(packet instanceof Uint8Array)) throw new TypeError('readLyraRtpPacket() takes a Uint8Array');
  if (packet.length < FIXED_HEADER_BYTES)
    throw new RtpPacketError(`${packet.length} bytes, shorter than the 12-byte header`);
  const version = packet[0] >> 6;
  if (version !== 2) throw new RtpPacketError(`version ${version}, not 2`);
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const csrcCount = packet[0] & 0x0f;
  let at = FIXED_HEADER_BYTES + 4 * csrcCount;
  if (at > packet.length) throw new RtpPacketError(`${csrcCount} CSRCs do not fit in ${packet.length} bytes`);
  const csrcs = Array.from({ length: csrcCount }, (_, i) => view.getUint32(FIXED_HEADER_BYTES + 4 * i));
  let extension: LyraRtpPacket['extension'] = null;
  if (packet[0] & 0x10) {
    if (at + 4 > packet.length) throw new RtpPacketError('the header extension does not fit');
    const words = view.getUint16(at + 2);
    const end = at + 4 + 4 * words;
    if (end > packet.length) throw new RtpPacketError(`a header extension of ${words} words does not fit`);
    extension = { profile: view.getUint16(at), data: packet.subarray(at + 4, end) };
    at = end;
  }
  let end = packet.length;
  if (packet[0] & 0x20) {
    const padding = packet[packet.length - 1];
    if (padding === 0 || padding > end - at)
      throw new RtpPacketError(`padding of ${padding} bytes with ${end - at} after the header`);
    end -= padding;
  }
  const type = packet[1] & 0x7f;
  if (payloadType !== undefined && type !== payloadType)
    throw new RtpPacketError(`payload type ${type}, expected ${payloadType}`);
  const payload = packet.subarray(at, end);
  const problem = payloadProblem(payload, format);
  if (problem !== null) throw new RtpPacketError(problem);
  return {
    payloadType: type,
    sequenceNumber: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
    marker: (packet[1] & 0x80) !== 0,
    payload,
    csrcs,
    extension,
  };
}

/**
 * Numbers a stream of Lyra frames as RTP: sequence number +1 and timestamp +320 per frame from
 * (random, RFC 3550 5.1) starting values, the marker on the first packet and on the first after
 * a gap in the frames sent (a talkspurt after discontinuous transmission).
 */
export class LyraRtpPayloader {
  private readonly header: Omit<RtpHeader, 'marker'>;
  private nextFrame: number | null = null;
  private firstFrame: number | null = null;
  private firstSequence: number;
  private firstTimestamp: number;
  /** 'lyra' (default): raw Lyra packets; 'soundstream': SoundStream payloads, any rate, redundancy. */
  readonly format: PacketFormat;

  constructor(o: {
    payloadType: number;
    ssrc: number;
    sequenceNumber: number;
    timestamp: number;
    format?: PacketFormat;
  }) {
    this.format = o.format ?? 'lyra';
    payloadProblem(new Uint8Array(8), this.format); // checks the format
    this.header = {
      payloadType: o.payloadType,
      ssrc: o.ssrc,
      sequenceNumber: o.sequenceNumber,
      timestamp: o.timestamp,
    };
    writeRtpPacket({ ...this.header, marker: false }, new Uint8Array(0)); // checks the fields
    this.firstSequence = o.sequenceNumber;
    this.firstTimestamp = o.timestamp;
  }

  /**
   * The RTP packet for Lyra packet `payload` of frame `frame` (counting from any start; frames
   * must increase). The timestamp follows the frame number, so a skipped frame leaves a
   * timestamp gap of 320 per frame; the sequence number counts packets sent.
   */
  packetize(payload: Uint8Array, frame: number): Uint8Array {
    if (!Number.isSafeInteger(frame) || (this.nextFrame !== null && frame < this.nextFrame)) {
      throw new RangeError(
        `frame must be an integer after the last one sent (${(this.nextFrame ?? 0) - 1}), got ${frame}`,
      );
    }
    const problem = payloadProblem(payload, this.format);
    if (problem !== null) throw new RangeError(problem);
    this.firstFrame ??= frame;
    const marker = this.nextFrame !== frame;
    const sequenceNumber = this.header.sequenceNumber;
    const timestamp = (this.firstTimestamp + (frame - this.firstFrame) * LYRA_RTP_TIMESTAMP_STEP) % 2 ** 32;
    this.header.sequenceNumber = (sequenceNumber + 1) & 0xffff;
    this.nextFrame = frame + 1;
    return writeRtpPacket({ ...this.header, sequenceNumber, timestamp, marker }, payload);
  }

  /** The first sequence number and timestamp (what an SDP-less receiver learns from the first packet). */
  get start(): { sequenceNumber: number; timestamp: number } {
    return { sequenceNumber: this.firstSequence, timestamp: this.firstTimestamp };
  }
}

/**
 * Frame numbers from the timestamps of one SSRC's packets, in any order: the first packet
 * received is frame 0 and each 320 ticks one frame. The timestamp is followed past its 2^32 wrap
 * (each packet is placed the nearer way round from the latest one), so a call can last any time.
 * Null for a packet from before the first one received (it came reordered, after playout began
 * with a later frame) and for one whose timestamp is off the 320-tick grid.
 */
export class LyraRtpDepayloader {
  private first: number | null = null;
  /** The latest timestamp seen, unwrapped (may exceed 2^32). */
  private latest = 0;

  /** The frame number of `packet`, relative to the first one received, or null. */
  frameOf(packet: Pick<RtpHeader, 'timestamp'>): number | null {
    if (this.first === null) {
      this.first = this.latest = packet.timestamp;
      return 0;
    }
    let delta = (packet.timestamp - (this.latest % 2 ** 32)) % 2 ** 32;
    if (delta < 0) delta += 2 ** 32;
    if (delta >= 2 ** 31) delta -= 2 ** 32;
    const unwrapped = this.latest + delta;
    const ticks = unwrapped - this.first;
    if (ticks < 0 || ticks % LYRA_RTP_TIMESTAMP_STEP !== 0) return null;
    this.latest = Math.max(this.latest, unwrapped);
    return ticks / LYRA_RTP_TIMESTAMP_STEP;
  }
}

// Lyra v2 packet layout: the residual vector quantizer's indices, packed
// MSB-first with no header.
//
// Checked against the public google/lyra source (commit 1486761…, v1.3.x):
//  - lyra/residual_vector_quantizer.cc, Quantize(): builds a bitset where
//    "the first quantizer is positioned in the most significant bits", i.e.
//    index i is shifted left by (N - i - 1) * bits_per_quantizer.
//  - lyra/packet.h, Pack()/UnpackFeatures(): writes that bitset into bytes
//    most significant byte first; when the bit count is not a multiple of 8 the
//    data occupies "the upper part of the last byte" (zero padding in the low
//    bits). The reader ignores those padding bits.
//  - lyra/lyra_config.cc: kNumHeaderBits = 0, kFrameRate = 50, supported
//    quantized bits {64, 120, 184}; lyra_config.h: GetBitrate() =
//    packet bytes * 8 * 50, so 8/15/23-byte packets are 3200/6000/9200 bps.
//  - lyra/cli_example/decoder_main_lib.cc: a raw .lyra file is fixed-size
//    packets back to back; the reference decoder drops (with a warning) any
//    remainder that is not a whole packet.
// So: index 0 goes in the high nibble of byte 0, index 1 in its low nibble,
// and so on, which is what this module implements. The bitrates are in bitrates.ts.

import { describeValue } from '../util/describe-value.js';

// Capped at 16 so the packing accumulator (< 8 leftover bits + one index)
// always fits comfortably in 32-bit integer arithmetic. Lyra uses 4.
function checkBits(bitsPerIndex: number): void {
  if (!Number.isInteger(bitsPerIndex) || bitsPerIndex < 1 || bitsPerIndex > 16) {
    throw new RangeError(`bitsPerIndex must be an integer in 1..16, got ${bitsPerIndex}`);
  }
}

/** Bytes in a packet holding `numQuantizers` indices: ceil(n * bits / 8). */
export function packetBytes(numQuantizers: number, bitsPerIndex = 4): number {
  checkBits(bitsPerIndex);
  if (!Number.isInteger(numQuantizers) || numQuantizers < 0) {
    throw new RangeError(`numQuantizers must be a non-negative integer, got ${numQuantizers}`);
  }
  return Math.ceil((numQuantizers * bitsPerIndex) / 8);
}

/**
 * Packs indices MSB-first (Lyra's layout). Unused low bits of the last byte are
 * zero. If `out` is given it must be large enough; the returned array is a view
 * of exactly packetBytes(...) bytes at its start.
 */
export function packIndices(indices: ArrayLike<number>, bitsPerIndex = 4, out?: Uint8Array): Uint8Array {
  const size = packetBytes(indices.length, bitsPerIndex);
  if (out !== undefined && out.length < size) {
    throw new RangeError(`output buffer has ${out.length} bytes, need ${size}`);
  }
  const dst = out === undefined ? new Uint8Array(size) : out.subarray(0, size);
  const limit = 1 << bitsPerIndex;
  let acc = 0; // pending bits, right-aligned
  let pending = 0; // how many bits of acc are pending (always < 8 between indices)
  let o = 0;
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i];
    if (!Number.isInteger(v) || v < 0 || v >= limit) {
      throw new RangeError(`index ${v} at position ${i} does not fit in ${bitsPerIndex} bits (0..${limit - 1})`);
    }
    acc = (acc << bitsPerIndex) | v;
    pending += bitsPerIndex;
    while (pending >= 8) {
      pending -= 8;
      dst[o++] = (acc >>> pending) & 0xff;
    }
    acc &= (1 << pending) - 1;
  }
  if (pending > 0) dst[o] = (acc << (8 - pending)) & 0xff;
  return dst;
}

/** TypeError unless `packet` is a Uint8Array: strings, arrays and other views would be read wrongly or not at all. */
export function checkPacket(packet: unknown, what: string): asserts packet is Uint8Array {
  if (!(packet instanceof Uint8Array))
    throw new TypeError(`${what}: expected a Uint8Array packet, got ${describeValue(packet)}`);
}

/**
 * Unpacks `numQuantizers` MSB-first indices. The packet must be exactly
 * packetBytes(...) long (as Lyra's decoder requires); padding bits are ignored.
 */
export function unpackIndices(
  packet: Uint8Array,
  numQuantizers: number,
  bitsPerIndex = 4,
  out?: Int32Array,
): Int32Array {
  checkPacket(packet, 'unpackIndices');
  const size = packetBytes(numQuantizers, bitsPerIndex);
  if (packet.length !== size) {
    throw new RangeError(
      `packet has ${packet.length} bytes; ${numQuantizers} indices of ${bitsPerIndex} bits need ${size}`,
    );
  }
  if (out !== undefined && out.length < numQuantizers) {
    throw new RangeError(`output array has ${out.length} slots, need ${numQuantizers}`);
  }
  const dst = out ?? new Int32Array(numQuantizers);
  const mask = (1 << bitsPerIndex) - 1;
  let acc = 0;
  let have = 0;
  let p = 0;
  for (let i = 0; i < numQuantizers; i++) {
    while (have < bitsPerIndex) {
      acc = ((acc << 8) | packet[p++]) & 0xffffff; // keep at most 24 bits; enough for 16-bit indices
      have += 8;
    }
    have -= bitsPerIndex;
    dst[i] = (acc >>> have) & mask;
  }
  return dst;
}

/**
 * Splits a raw Lyra stream (fixed-size packets of `numQuantizers` indices back to back, no
 * header) into packets: views into `bytes`, not copies. Bytes left over that do not make a whole
 * packet are counted in `trailingBytes` for the caller to report (Lyra's own decoder drops them
 * with a warning).
 */
export function splitLyraStream(
  bytes: Uint8Array,
  numQuantizers: number,
  bitsPerIndex = 4,
): { packets: Uint8Array[]; packetBytes: number; trailingBytes: number } {
  const size = packetBytes(numQuantizers, bitsPerIndex);
  if (size === 0) throw new RangeError('numQuantizers must be positive to split a stream into packets');
  const count = Math.floor(bytes.length / size);
  const packets: Uint8Array[] = [];
  for (let i = 0; i < count; i++) packets.push(bytes.subarray(i * size, (i + 1) * size));
  return { packets, packetBytes: size, trailingBytes: bytes.length - count * size };
}

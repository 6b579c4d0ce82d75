// What a decoder's codec worker accepts as a packet message from a packet port, which anything
// holding the port's other end can write to: checked in full before it reaches the decoder, so
// that a bad message is counted and ignored instead of stopping the node.

import type { BitrateTable } from '../codec/bitrates.js';
import type { PacketFormat } from '../codec/frame-codec.js';
import { checkStreamPacket } from '../codec/stream.js';
import { describeValue as describe } from '../util/describe-value.js';
import type { PacketMessage } from './protocol.js';

/** A message that is not a packet message for this decoder; `problem` says which part is wrong. */
export class PacketMessageError extends Error {
  override name = 'PacketMessageError';
  constructor(
    readonly problem: 'not-a-message' | 'seq' | 'packet',
    message: string,
  ) {
    super(message);
  }
}

/** `data` as a PacketMessage a decoder of `packetFormat` for the model of `table` can play; PacketMessageError otherwise. */
export function readPacketMessage(data: unknown, packetFormat: PacketFormat, table: BitrateTable): PacketMessage {
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new PacketMessageError(
      'not-a-message',
      `a packet message is an object { seq, packet }, got ${describe(data)}`,
    );
  const { seq, packet } = data as Record<string, unknown>;
  if (!Number.isSafeInteger(seq) || (seq as number) < 0)
    throw new PacketMessageError('seq', `seq must be a non-negative integer, got ${describe(seq)}`);
  if (packet === null) return { seq: seq as number, packet };
  if (!(packet instanceof Uint8Array))
    throw new PacketMessageError('packet', `packet must be a Uint8Array or null (lost), got ${describe(packet)}`);
  try {
    checkStreamPacket(packet, packetFormat, table);
  } catch (err) {
    throw new PacketMessageError(
      'packet',
      `frame ${seq}: not a '${packetFormat}' packet for this model: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return { seq: seq as number, packet };
}

// The one table of a model's bitrates: bits per second <-> quantizers per frame <-> packet bytes,
// and the one wording of the errors for a bitrate or a packet length the model does not have.
// The stream API, the CLI and the Web Audio nodes all ask it.

import { ModelError, type Model } from '../model/load.js';
import type { QuantizerSpec } from '../model/manifest.js';
import { packetBytes } from './lyra-packet.js';

/** Lyra bitrate (bits per second) -> number of 4-bit quantizer indices per 20 ms frame. */
export const LYRA_BITRATES = { 3200: 16, 6000: 30, 9200: 46 } as const;

export class BitrateTable {
  readonly bitsPerIndex: number;
  /** bps -> quantizers, ascending by bps. */
  private readonly byBitrate: Map<number, number>;
  /** packet bytes -> quantizers. */
  private readonly byLength: Map<number, number>;
  /** The packet lengths, for messages: "8 (3200 bps), 15 (6000 bps), 23 (9200 bps)". */
  readonly lengthsText: string;

  constructor(bitrates: Readonly<Record<string, number>>, bitsPerIndex: number) {
    this.bitsPerIndex = bitsPerIndex;
    this.byBitrate = new Map(
      Object.entries(bitrates)
        .map(([bps, n]) => [Number(bps), n] as const)
        .sort((a, b) => a[0] - b[0]),
    );
    this.byLength = new Map();
    const described = new Map<number, string>();
    for (const [bps, n] of this.byBitrate) {
      const bytes = packetBytes(n, bitsPerIndex);
      this.byLength.set(bytes, n);
      described.set(bytes, `${bytes} (${bps} bps)`);
    }
    this.lengthsText = [...described]
      .sort((a, b) => a[0] - b[0])
      .map(([, text]) => text)
      .join(', ');
  }

  /** The table a model's manifest declares; ModelError for a model without a quantizer (no packets at all). */
  static of(model: Model): BitrateTable {
    const spec: QuantizerSpec | undefined = model.manifest.quantizer;
    if (!spec) throw new ModelError(`model ${model.manifest.model} has no quantizer`);
    return new BitrateTable(spec.bitrates, spec.bitsPerIndex);
  }

  /** The bitrates, ascending. */
  get bitrates(): number[] {
    return [...this.byBitrate.keys()];
  }

  /** Quantizers per frame at `bps`; RangeError for a bitrate not in the table. */
  quantizersFor(bps: number): number {
    const n = this.byBitrate.get(bps);
    if (n === undefined) throw new RangeError(`unsupported bitrate ${bps} bps; allowed: ${this.bitrates.join(', ')}`);
    return n;
  }

  /** Quantizers in a packet of `length` bytes; RangeError for a length no bitrate gives. */
  quantizersForPacket(length: number): number {
    const n = this.byLength.get(length);
    if (n === undefined) throw new RangeError(`packet has ${length} bytes; allowed lengths: ${this.lengthsText}`);
    return n;
  }

  acceptsPacketLength(length: number): boolean {
    return this.byLength.has(length);
  }

  /** The table's bitrate that uses `numQuantizers`, or undefined. */
  bitrateOf(numQuantizers: number): number | undefined {
    for (const [bps, n] of this.byBitrate) if (n === numQuantizers) return bps;
    return undefined;
  }
}

/** Lyra v2's table (what Google's encoder and decoder accept). */
export const LYRA_TABLE = new BitrateTable(LYRA_BITRATES, 4);

/** Number of quantizers used at a Lyra bitrate; RangeError for any other bitrate. */
export function quantizersForBitrate(bps: number): number {
  return LYRA_TABLE.quantizersFor(bps);
}

/** Bits per second that frames of `numQuantizers` indices take, whether or not a table lists it (46 -> 9200 for Lyra v2). */
export function packetBitrate(
  numQuantizers: number,
  bitsPerIndex: number,
  frameSize: number,
  sampleRate: number,
): number {
  return (packetBytes(numQuantizers, bitsPerIndex) * 8 * sampleRate) / frameSize;
}

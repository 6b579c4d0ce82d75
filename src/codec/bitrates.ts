// The one table of a model's bitrates: bits per second <-> quantizers per frame <-> packet bytes,
// and the one wording of the errors for a bitrate or a packet length the model does not have.
// The stream API, the CLI and the Web Audio nodes all ask it.
//
// Two sets of rates: the listed ones (the manifest's; for Lyra v2 3200 / 6000 / 9200 bps, the
// only ones Google's decoder reads, as raw packets whose length gives the rate), and the ladder:
// any quantizer count from 1 to the model's codebooks, one index per quantizer (200 bps each for
// Lyra v2), which only the SoundStream payload (payload.ts) and .sst carry.

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
  /** The ladder: quantizer counts 1..maxQuantizers at `bpsPerQuantizer` each; null for a table of listed rates only. */
  readonly ladder: { maxQuantizers: number; bpsPerQuantizer: number } | null;

  constructor(
    bitrates: Readonly<Record<string, number>>,
    bitsPerIndex: number,
    ladder: { maxQuantizers: number; framesPerSecond: number } | null = null,
  ) {
    this.bitsPerIndex = bitsPerIndex;
    this.ladder =
      ladder === null
        ? null
        : { maxQuantizers: ladder.maxQuantizers, bpsPerQuantizer: bitsPerIndex * ladder.framesPerSecond };
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
    return new BitrateTable(spec.bitrates, spec.bitsPerIndex, {
      maxQuantizers: spec.numQuantizers,
      framesPerSecond: model.manifest.sampleRate / model.manifest.frameSize,
    });
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

  /** Whether `numQuantizers` is one of the listed rates (for Lyra v2: one Google's decoder reads). */
  isListed(numQuantizers: number): boolean {
    return this.bitrateOf(numQuantizers) !== undefined;
  }

  /** What the ladder accepts, for messages: "any multiple of 200 from 200 to 9200". */
  get ladderText(): string {
    if (!this.ladder) return this.bitrates.join(', ');
    const { maxQuantizers, bpsPerQuantizer: step } = this.ladder;
    return `any multiple of ${step} from ${step} to ${maxQuantizers * step} (${this.bitrates.join(', ')} are Lyra-compatible)`;
  }

  /** Quantizers per frame at `bps` on the ladder (any multiple of its step; else a listed rate); RangeError otherwise. */
  ladderQuantizersFor(bps: number): number {
    const listed = this.byBitrate.get(bps);
    if (listed !== undefined) return listed;
    const n = this.ladder ? bps / this.ladder.bpsPerQuantizer : Number.NaN;
    if (!Number.isInteger(n) || n < 1 || n > this.ladder!.maxQuantizers)
      throw new RangeError(`unsupported bitrate ${bps} bps; allowed: ${this.ladderText}`);
    return n;
  }

  /** `numQuantizers` checked against the ladder (1..the model's codebooks); RangeError otherwise. */
  checkLadderQuantizers(numQuantizers: number): number {
    const max = this.ladder?.maxQuantizers ?? Math.max(...this.byBitrate.values());
    if (!Number.isInteger(numQuantizers) || numQuantizers < 1 || numQuantizers > max)
      throw new RangeError(`number of quantizers must be an integer in 1..${max}, got ${numQuantizers}`);
    if (!this.ladder && !this.isListed(numQuantizers))
      throw new RangeError(
        `unsupported number of quantizers ${numQuantizers}; allowed: ${[...this.byBitrate.values()].join(', ')}`,
      );
    return numQuantizers;
  }

  /** Bits per second of `numQuantizers` per frame: the listed rate, else the ladder's (n x 200 for Lyra v2). */
  bitrateFor(numQuantizers: number): number {
    const listed = this.bitrateOf(numQuantizers);
    if (listed !== undefined) return listed;
    if (!this.ladder) throw new RangeError(`no bitrate uses ${numQuantizers} quantizers`);
    return numQuantizers * this.ladder.bpsPerQuantizer;
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

/** Bits per second of the indices alone, `numQuantizers` per frame (the ladder's rate: 15 -> 3000 for Lyra v2). */
export function indexBitrate(
  numQuantizers: number,
  bitsPerIndex: number,
  frameSize: number,
  sampleRate: number,
): number {
  return (numQuantizers * bitsPerIndex * sampleRate) / frameSize;
}

// A sender-side rate controller (docs/rates.md): picks the quantizer count per frame from the
// receiver's reports, RTCP style (fraction of packets lost since the last report) and/or an
// estimate of the available bandwidth.
//
//   - loss above `highLoss`: step down at once, multiplicatively (`decreaseFactor`), then wait
//     `holdReports` reports before any increase: losing packets is usually congestion, and the
//     fewer bits the sooner it clears;
//   - loss below `lowLoss` for `holdReports` reports in a row: step up additively by `increaseStep`
//     per report; between the two thresholds: stay (the hysteresis band);
//   - bandwidth: the count never exceeds what `bandwidthShare` of the estimate pays for (payload
//     plus `overheadBytes` per packet), and a lower estimate applies at once;
//   - always within minQuantizers..maxQuantizers, and on `ladder` when one is given (e.g. Lyra's
//     [16, 30, 46] for receivers running Google's decoder): steps then move along the ladder.
//
// Deterministic: the same reports give the same counts. No clock: the caller reports when it has
// a report (every RTCP interval, typically 1 s at these rates).

export interface RateControllerOptions {
  /** Fewest quantizers (default 4: 0.8 kbps). */
  minQuantizers?: number;
  /** Most quantizers (default 46: 9.2 kbps). */
  maxQuantizers?: number;
  /** Starting count (default maxQuantizers). */
  initialQuantizers?: number;
  /** The allowed counts, ascending; default every count from min to max. */
  ladder?: readonly number[];
  /** Loss fraction above which the rate goes down (default 0.1). */
  highLoss?: number;
  /** Loss fraction below which the rate may go up (default 0.02). */
  lowLoss?: number;
  /** Multiplier on the count at a step down (default 0.75). */
  decreaseFactor?: number;
  /** Quantizers added per good report (default 2: 400 bps). */
  increaseStep?: number;
  /** Good reports needed after a step down, and in a row, before stepping up (default 2). */
  holdReports?: number;
  /** Share of the estimated bandwidth the payload may use (default 0.8). */
  bandwidthShare?: number;
  /** Transport bytes per packet counted against the bandwidth (default 0: payload only; 40 for IPv4/UDP/RTP + TOC). */
  overheadBytes?: number;
  /** Bits per quantizer index (default 4) and frames per second (default 50): for the bandwidth arithmetic. */
  bitsPerIndex?: number;
  framesPerSecond?: number;
}

export interface RateReport {
  /** Fraction of packets lost since the last report, 0..1 (RTCP's fraction lost / 256). */
  fractionLost?: number;
  /** Estimated available bandwidth in bits per second. */
  bandwidthBps?: number;
}

export class RateControllerError extends RangeError {
  override name = 'RateControllerError';
}

function checkFraction(name: string, v: number): void {
  if (!(v >= 0 && v <= 1)) throw new RateControllerError(`RateController: ${name} must be in 0..1, got ${v}`);
}

function checkCount(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max)
    throw new RateControllerError(`RateController: ${name} must be an integer in ${min}..${max}, got ${v}`);
}

export class RateController {
  readonly ladder: readonly number[];
  private readonly o: Required<Omit<RateControllerOptions, 'ladder' | 'initialQuantizers'>>;
  private index: number;
  private goodReports = 0;
  private bandwidthCap: number;

  constructor(options: RateControllerOptions = {}) {
    this.o = {
      minQuantizers: options.minQuantizers ?? 4,
      maxQuantizers: options.maxQuantizers ?? 46,
      highLoss: options.highLoss ?? 0.1,
      lowLoss: options.lowLoss ?? 0.02,
      decreaseFactor: options.decreaseFactor ?? 0.75,
      increaseStep: options.increaseStep ?? 2,
      holdReports: options.holdReports ?? 2,
      bandwidthShare: options.bandwidthShare ?? 0.8,
      overheadBytes: options.overheadBytes ?? 0,
      bitsPerIndex: options.bitsPerIndex ?? 4,
      framesPerSecond: options.framesPerSecond ?? 50,
    };
    const o = this.o;
    checkCount('minQuantizers', o.minQuantizers, 1, 1024);
    checkCount('maxQuantizers', o.maxQuantizers, o.minQuantizers, 1024);
    checkFraction('highLoss', o.highLoss);
    checkFraction('lowLoss', o.lowLoss);
    if (o.lowLoss > o.highLoss)
      throw new RateControllerError(`RateController: lowLoss (${o.lowLoss}) must not exceed highLoss (${o.highLoss})`);
    if (!(o.decreaseFactor > 0 && o.decreaseFactor < 1))
      throw new RateControllerError(`RateController: decreaseFactor must be in (0, 1), got ${o.decreaseFactor}`);
    checkCount('increaseStep', o.increaseStep, 1, 1024);
    checkCount('holdReports', o.holdReports, 0, 1000);
    if (!(o.bandwidthShare > 0 && o.bandwidthShare <= 1))
      throw new RateControllerError(`RateController: bandwidthShare must be in (0, 1], got ${o.bandwidthShare}`);
    if (!(o.overheadBytes >= 0 && Number.isFinite(o.overheadBytes)))
      throw new RateControllerError(
        `RateController: overheadBytes must be a non-negative number, got ${o.overheadBytes}`,
      );
    checkCount('bitsPerIndex', o.bitsPerIndex, 1, 32);
    if (!(o.framesPerSecond > 0 && Number.isFinite(o.framesPerSecond)))
      throw new RateControllerError(`RateController: framesPerSecond must be positive, got ${o.framesPerSecond}`);

    const ladder = options.ladder
      ? [...options.ladder]
      : Array.from({ length: o.maxQuantizers - o.minQuantizers + 1 }, (_, i) => o.minQuantizers + i);
    if (ladder.length === 0) throw new RateControllerError('RateController: ladder is empty');
    ladder.forEach((q, i) => {
      checkCount(`ladder[${i}]`, q, o.minQuantizers, o.maxQuantizers);
      if (i > 0 && q <= ladder[i - 1])
        throw new RateControllerError('RateController: ladder must be strictly ascending');
    });
    this.ladder = ladder;
    this.bandwidthCap = ladder.length - 1;
    const initial = options.initialQuantizers ?? ladder[ladder.length - 1];
    const at = ladder.indexOf(initial);
    if (at < 0) throw new RateControllerError(`RateController: initialQuantizers ${initial} is not on the ladder`);
    this.index = at;
  }

  /** Quantizers for the next frames. */
  get quantizers(): number {
    return this.ladder[this.index];
  }

  /** Payload bits per second at the current count (indices packed into whole bytes per packet). */
  get bitrate(): number {
    return this.payloadBps(this.quantizers);
  }

  private payloadBps(quantizers: number): number {
    return Math.ceil((quantizers * this.o.bitsPerIndex) / 8) * 8 * this.o.framesPerSecond;
  }

  private packetBps(quantizers: number): number {
    return this.payloadBps(quantizers) + this.o.overheadBytes * 8 * this.o.framesPerSecond;
  }

  /** The highest ladder step whose packets fit `bps` (the lowest step when none does). */
  private stepFitting(bps: number): number {
    let best = 0;
    for (let i = 0; i < this.ladder.length; i++) if (this.packetBps(this.ladder[i]) <= bps) best = i;
    return best;
  }

  /** The ladder step at or below `quantizers`. */
  private stepAtOrBelow(quantizers: number): number {
    let best = 0;
    for (let i = 0; i < this.ladder.length; i++) if (this.ladder[i] <= quantizers) best = i;
    return best;
  }

  /** Applies one receiver report; returns the quantizer count to use from now on. RateControllerError for a malformed report. */
  report(report: RateReport): number {
    const { fractionLost, bandwidthBps } = report;
    if (fractionLost !== undefined) checkFraction('fractionLost', fractionLost);
    if (bandwidthBps !== undefined && !(bandwidthBps >= 0 && Number.isFinite(bandwidthBps)))
      throw new RateControllerError(`RateController: bandwidthBps must be a non-negative number, got ${bandwidthBps}`);
    const o = this.o;
    if (bandwidthBps !== undefined) {
      this.bandwidthCap = this.stepFitting(bandwidthBps * o.bandwidthShare);
      if (this.index > this.bandwidthCap) {
        this.index = this.bandwidthCap;
        this.goodReports = 0;
      }
    }
    if (fractionLost !== undefined && fractionLost > o.highLoss) {
      const target = Math.floor(this.quantizers * o.decreaseFactor);
      this.index = Math.min(this.stepAtOrBelow(target), Math.max(0, this.index - 1));
      this.goodReports = 0;
    } else if (fractionLost === undefined || fractionLost < o.lowLoss) {
      this.goodReports++;
      if (this.goodReports >= o.holdReports && this.index < this.bandwidthCap) {
        const target = this.quantizers + o.increaseStep;
        let next = this.index + 1;
        while (next + 1 <= this.bandwidthCap && this.ladder[next + 1] <= target) next++;
        this.index = Math.min(next, this.bandwidthCap);
      }
    } else {
      // Between the thresholds: hold, and start the count of good reports again.
      this.goodReports = 0;
    }
    return this.quantizers;
  }

  /** Back to the initial state but for the ladder: the given count (default the top of the ladder). */
  reset(quantizers = this.ladder[this.ladder.length - 1]): void {
    const at = this.ladder.indexOf(quantizers);
    if (at < 0) throw new RateControllerError(`RateController: ${quantizers} is not on the ladder`);
    this.index = at;
    this.goodReports = 0;
    this.bandwidthCap = this.ladder.length - 1;
  }
}

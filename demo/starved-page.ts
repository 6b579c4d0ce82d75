// Whether this page is starved of CPU, from its own timers: a slow phone, or a whole browser in a
// CPU quota, runs every thread late, this page's timers included. Measured in headless Chromium
// (2026-12-07), a 25 ms interval over 20 s: at full speed 99% of its gaps were within 27.5 ms; with
// the browser confined to half a core 10% were above 34 ms, and a third of a core 10% above 50.
// The demo then draws its spectrograms less often (their compositing took 3-4% of a core of the
// page's 45%), so that what little CPU there is goes to the codec first.

/** A gap this much longer than the timer's period is late. */
const LATE_FACTOR = 1.4;
/** How many of the latest gaps are looked at (2 s of a 25 ms timer). */
const WINDOW = 80;
/** Late gaps among them that mean starved. */
const LATE_TO_STARVE = 4;

export class StarvedPage {
  private readonly late = new Uint8Array(WINDOW);
  private at = 0;
  private lateCount = 0;
  private wasHidden = true;
  /** Once starved, for good: a device too slow once is likely to be so again, and switching back and forth would show. */
  starved = false;

  constructor(private readonly periodMs: number) {
    if (!(periodMs > 0)) throw new RangeError(`StarvedPage: the timer period must be > 0 ms, got ${periodMs}`);
  }

  /**
   * A timer meant to fire every `periodMs` fired `gapMs` after its previous tick; `hidden`: the page
   * is not shown now (browsers slow the timers of hidden pages on purpose: such gaps, and the first
   * one after the page is shown again, say nothing). Returns whether the page is starved.
   */
  tick(gapMs: number, hidden: boolean): boolean {
    const counts = !hidden && !this.wasHidden;
    this.wasHidden = hidden;
    if (this.starved || !counts) return this.starved;
    const late = gapMs > this.periodMs * LATE_FACTOR ? 1 : 0;
    this.lateCount += late - this.late[this.at];
    this.late[this.at] = late;
    this.at = (this.at + 1) % WINDOW;
    if (this.lateCount >= LATE_TO_STARVE) this.starved = true;
    return this.starved;
  }
}

// The largest value of a series over the last `windowMs` of time, for a worker that asks on every
// wake-up: the values that can still be the maximum are kept in a queue, oldest first and
// decreasing, so a push and a question each cost a few comparisons on average.

export class RecentMaximum {
  private times: number[] = [];
  private values: number[] = [];
  /** Index of the oldest entry still kept (entries before it are dropped in bulk). */
  private head = 0;

  constructor(readonly windowMs: number) {
    if (!(Number.isFinite(windowMs) && windowMs > 0))
      throw new RangeError(`RecentMaximum: windowMs must be a positive number, got ${windowMs}`);
  }

  /** Adds `value` seen at `atMs` (the times of pushes and questions never go back). */
  push(atMs: number, value: number): void {
    if (Number.isNaN(value) || Number.isNaN(atMs))
      throw new RangeError('RecentMaximum: a time and value must be numbers, got NaN');
    // A value not above the new one can never be the maximum again: the new one outlives it.
    while (this.values.length > this.head && this.values[this.values.length - 1] <= value) {
      this.values.pop();
      this.times.pop();
    }
    this.times.push(atMs);
    this.values.push(value);
  }

  /** The largest value pushed within `windowMs` before `nowMs` (inclusive); `empty` when none is. */
  max(nowMs: number, empty: number): number {
    const horizon = nowMs - this.windowMs;
    while (this.head < this.times.length && this.times[this.head] < horizon) this.head++;
    if (this.head > 64 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.values = this.values.slice(this.head);
      this.head = 0;
    }
    return this.head < this.values.length ? this.values[this.head] : empty;
  }

  clear(): void {
    this.times = [];
    this.values = [];
    this.head = 0;
  }
}

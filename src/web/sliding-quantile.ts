// The latest `capacity` values of a series and their quantiles, for a worker that asks on every
// wake-up (250 times a second): a copy and sort of 500 values each time cost the decoder's
// worker 3% of a core. The values are also kept sorted, one binary-search insert and remove per
// value pushed, so that a quantile is one array read.

export class SlidingQuantile {
  /** The values in the order pushed: a ring of `capacity`. */
  private readonly ring: Float64Array;
  private next = 0;
  private readonly sorted: number[] = [];

  constructor(readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity > 0))
      throw new RangeError(`SlidingQuantile: capacity must be a positive integer, got ${capacity}`);
    this.ring = new Float64Array(capacity);
  }

  get length(): number {
    return this.sorted.length;
  }

  /** Adds `value`, forgetting the oldest once `capacity` are kept. */
  push(value: number): void {
    if (Number.isNaN(value)) throw new RangeError('SlidingQuantile: a value must be a number, got NaN');
    if (this.sorted.length === this.capacity) this.sorted.splice(this.indexOf(this.ring[this.next]), 1);
    this.ring[this.next] = value;
    this.next = (this.next + 1) % this.capacity;
    this.sorted.splice(this.indexOf(value), 0, value);
  }

  /** The value at rank floor(q (length - 1)) of the kept ones, smallest first; `empty` when none is kept. */
  quantile(q: number, empty: number): number {
    const n = this.sorted.length;
    return n === 0 ? empty : this.sorted[Math.floor(q * (n - 1))];
  }

  /** The first index whose value is not below `value`. */
  private indexOf(value: number): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid] < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

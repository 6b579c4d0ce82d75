// A single-producer, single-consumer ring of samples in a SharedArrayBuffer: the audio thread
// and the codec worker exchange audio through it without messages, locks or allocation.
//
// Layout: two Int32 counters (total samples read, total samples written, modulo 2^32) followed
// by `capacity` float32 samples. Each side only ever stores its own counter, so plain
// Atomics.load/store is enough; a power-of-two capacity keeps `counter % capacity` continuous
// across the 2^32 wrap (about 24 hours at 48 kHz).

const READ = 0;
const WRITE = 1;
const HEADER_BYTES = 8;

export class SampleRing {
  readonly capacity: number;
  private readonly counters: Int32Array;
  private readonly data: Float32Array;

  /** A new shared buffer for a ring of `capacity` samples (a power of two). */
  static allocate(capacity: number): SharedArrayBuffer {
    if (!Number.isSafeInteger(capacity) || capacity < 2 || (capacity & (capacity - 1)) !== 0 || capacity > 1 << 26) {
      throw new RangeError(`ring capacity must be a power of two between 2 and 2^26, got ${capacity}`);
    }
    return new SharedArrayBuffer(HEADER_BYTES + capacity * 4);
  }

  constructor(buffer: SharedArrayBuffer) {
    const capacity = (buffer.byteLength - HEADER_BYTES) / 4;
    if (!Number.isInteger(capacity) || capacity < 2 || (capacity & (capacity - 1)) !== 0) {
      throw new RangeError(`not a SampleRing buffer: ${buffer.byteLength} bytes`);
    }
    this.capacity = capacity;
    this.counters = new Int32Array(buffer, 0, 2);
    this.data = new Float32Array(buffer, HEADER_BYTES, capacity);
  }

  /** Samples written and not yet read. */
  get available(): number {
    return (Atomics.load(this.counters, WRITE) - Atomics.load(this.counters, READ)) >>> 0;
  }

  /** Room left for the producer. */
  get free(): number {
    return this.capacity - this.available;
  }

  /** Producer: appends up to src.length samples; returns how many fitted. */
  write(src: Float32Array): number {
    const w = Atomics.load(this.counters, WRITE) >>> 0;
    const n = Math.min(src.length, this.capacity - ((w - (Atomics.load(this.counters, READ) >>> 0)) >>> 0));
    const mask = this.capacity - 1;
    const start = w & mask;
    const first = Math.min(n, this.capacity - start);
    this.data.set(src.subarray(0, first), start);
    if (n > first) this.data.set(src.subarray(first, n), 0);
    Atomics.store(this.counters, WRITE, (w + n) | 0);
    return n;
  }

  /** Consumer: moves up to dst.length samples into dst; returns how many. */
  read(dst: Float32Array): number {
    const r = Atomics.load(this.counters, READ) >>> 0;
    const n = Math.min(dst.length, ((Atomics.load(this.counters, WRITE) >>> 0) - r) >>> 0);
    const mask = this.capacity - 1;
    const start = r & mask;
    const first = Math.min(n, this.capacity - start);
    dst.set(this.data.subarray(start, start + first), 0);
    if (n > first) dst.set(this.data.subarray(0, n - first), first);
    Atomics.store(this.counters, READ, (r + n) | 0);
    return n;
  }
}

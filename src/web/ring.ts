// A single-producer, single-consumer ring of samples in a SharedArrayBuffer: the audio thread
// and the codec worker exchange audio through it without messages, locks or allocation.
//
// Layout: three Int32 counters (total samples read, total samples written, modulo 2^32, and the
// consumer's audio clock against its read counter) followed by `capacity` float32 samples. Each
// side only ever stores its own counters, so plain Atomics.load/store is enough; a power-of-two
// capacity keeps `counter % capacity` continuous across the 2^32 wrap (about 24 hours at 48 kHz).

const READ = 0;
const WRITE = 1;
/** The consumer's playhead minus its read counter: one value, so the producer never sees half an update. */
const CLOCK = 2;
const HEADER_BYTES = 12;

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
    this.counters = new Int32Array(buffer, 0, 3);
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

  /**
   * Consumer: the audio-clock frame at which the next sample it reads will play (its playhead,
   * modulo 2^32). Silence played while the ring was empty moves the playhead and not the read
   * counter, so the producer learns the listener's clock, underruns included.
   */
  setPlayhead(frame: number): void {
    Atomics.store(this.counters, CLOCK, (frame - Atomics.load(this.counters, READ)) | 0);
  }

  /** The consumer's playhead (audio-clock frames modulo 2^32; 0 until it has set one). */
  get playhead(): number {
    return (Atomics.load(this.counters, CLOCK) + Atomics.load(this.counters, READ)) >>> 0;
  }

  /** Total samples read, modulo 2^32. */
  get readCount(): number {
    return Atomics.load(this.counters, READ) >>> 0;
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

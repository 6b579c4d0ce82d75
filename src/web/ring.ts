// A single-producer, single-consumer ring of samples in a SharedArrayBuffer: the audio thread
// and the codec worker exchange audio through it without messages, locks or allocation.
//
// Layout: six Int32 counters (total samples read, total samples written, modulo 2^32; the
// consumer's audio clock against its read counter; the audio thread's quanta, whether the worker
// waits for the next one and when it came) followed by `capacity` float32 samples. Each side
// only ever stores its own counters (the wait flag excepted: set by the worker, cleared by the
// audio thread with one atomic exchange), so plain Atomics.load/store is enough; a power-of-two
// capacity keeps `counter % capacity` continuous across the 2^32 wrap (about 24 hours at 48 kHz).

const READ = 0;
const WRITE = 1;
/** The consumer's playhead minus its read counter: one value, so the producer never sees half an update. */
const CLOCK = 2;
/** Quanta the audio thread has moved (modulo 2^32): what the worker waits on. */
const TICKS = 3;
/** 1 while the worker waits for a quantum; the first quantum after it clears it and stamps TICKED_AT. */
const WAITING = 4;
/** Date.now() modulo 2^32 when the first quantum the worker waited for came. */
const TICKED_AT = 5;
const HEADER_BYTES = 24;

type WaitAsync = (
  array: Int32Array,
  index: number,
  value: number,
  timeoutMs: number,
) => { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;

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
    this.counters = new Int32Array(buffer, 0, HEADER_BYTES / 4);
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

  /**
   * The audio thread, once per quantum after its read or write: wakes a worker waiting in
   * `afterTick`. Only the first quantum of a wait notifies, so a quantum costs two atomic
   * operations when nobody waits.
   */
  tick(): void {
    Atomics.add(this.counters, TICKS, 1);
    if (Atomics.compareExchange(this.counters, WAITING, 1, 0) === 1) {
      Atomics.store(this.counters, TICKED_AT, Date.now() | 0);
      Atomics.notify(this.counters, TICKS);
    }
  }

  /** Quanta the audio thread has moved, modulo 2^32: the `seen` of `afterTick`. */
  get ticks(): number {
    return Atomics.load(this.counters, TICKS);
  }

  /** Whether this runtime can wait for the audio thread without blocking (Atomics.waitAsync). */
  static get canWait(): boolean {
    return typeof waitAsync === 'function';
  }

  /**
   * The worker: calls `then` once the audio thread has moved a quantum since `seen` (at once if it
   * has already), or after `timeoutMs` if none comes. `then` gets how long after the quantum the
   * call came (ms, on Date.now's whole milliseconds, so within 1 ms either way; 0 or more), or NaN
   * where it cannot tell: no quantum came, or one came before the wait began. Never calls `then`
   * synchronously. Needs `canWait`.
   */
  afterTick(seen: number, timeoutMs: number, then: (lateMs: number) => void): void {
    Atomics.store(this.counters, WAITING, 1);
    const result = waitAsync!(this.counters, TICKS, seen, timeoutMs);
    const woke = () => {
      // Cleared by a quantum: it stamped when it came. Still set: no quantum came (timed out).
      const ticked = Atomics.exchange(this.counters, WAITING, 0) === 0;
      then(ticked ? Math.max(0, ((Date.now() | 0) - Atomics.load(this.counters, TICKED_AT)) | 0) : Number.NaN);
    };
    if (result.async) result.value.then(woke);
    else Promise.resolve().then(woke);
  }
}

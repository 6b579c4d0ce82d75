// The audio-thread half of the encoder and decoder nodes (loaded with audioWorklet.addModule).
// It only copies samples: 128 per quantum into or out of a SampleRing (cross-origin isolated
// pages) or a MessagePort to the codec worker (any page). No codec work runs here, so a
// quantum costs microseconds whatever the frame size and the CPU.

import type {
  PlaybackPosition,
  ProcessorControl,
  ProcessorOptions,
  ProcessorStarted,
  ProcessorStats,
} from './protocol.js';
import { SampleRing } from './ring.js';

declare const currentFrame: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
  constructor(options?: unknown);
}
declare function registerProcessor(
  name: string,
  processor: new (options: { processorOptions: ProcessorOptions }) => AudioWorkletProcessor,
): void;

const perf = (globalThis as { performance?: { now(): number } }).performance;
const now = perf ? () => perf.now() : () => Date.now();
const STATS_EVERY_QUANTA = 94; // about 4 per second at 48 kHz

abstract class Mover extends AudioWorkletProcessor {
  protected readonly ring: SampleRing | null;
  protected worker: MessagePort | null = null;
  protected stats: ProcessorStats = {
    type: 'stats',
    quanta: 0,
    worstQuantumMs: 0,
    clock: perf ? 'performance' : 'Date',
    underruns: 0,
    underrunSamples: 0,
    droppedSamples: 0,
    startFrame: -1,
  };

  constructor(options: { processorOptions: ProcessorOptions }) {
    super(options);
    this.ring = options.processorOptions.ring ? new SampleRing(options.processorOptions.ring) : null;
    this.port.onmessage = (e: MessageEvent<ProcessorControl>) => this.control(e.data);
  }

  protected control(message: ProcessorControl): void {
    if (message.type === 'start') this.port.postMessage({ type: 'started' } satisfies ProcessorStarted);
    else if (message.type === 'connect') {
      this.worker = message.port;
      this.worker.onmessage = (e: MessageEvent) => this.fromWorker(e.data);
    } else if (message.type === 'reset-stats') {
      this.stats.worstQuantumMs = 0;
      this.stats.underruns = 0;
      this.stats.droppedSamples = 0;
      this.stats.quanta = 0;
    }
  }

  protected fromWorker(_data: unknown): void {}

  protected timed(started: number): void {
    const ms = now() - started;
    if (ms > this.stats.worstQuantumMs) this.stats.worstQuantumMs = ms;
    if (++this.stats.quanta % STATS_EVERY_QUANTA === 0) this.port.postMessage(this.stats);
  }
}

class CaptureProcessor extends Mover {
  private started = false;
  private mono = new Float32Array(128);
  private batch: Float32Array | null = null;
  private batchFill = 0;
  private readonly batchQuanta: number;

  constructor(options: { processorOptions: ProcessorOptions }) {
    super(options);
    this.batchQuanta = Math.max(1, options.processorOptions.batchQuanta);
  }

  protected override control(message: ProcessorControl): void {
    if (message.type === 'start') this.started = true;
    super.control(message);
  }

  process(inputs: Float32Array[][]): boolean {
    if (!this.started) return true;
    const started = now();
    const channels = inputs[0] ?? [];
    const n = channels[0]?.length ?? 128;
    if (this.mono.length !== n) this.mono = new Float32Array(n);
    const mono = this.mono;
    // Nothing connected: the encoder keeps the audio clock with silence.
    if (channels.length === 0) mono.fill(0);
    else if (channels.length === 1) mono.set(channels[0]);
    else {
      mono.set(channels[0]);
      for (let c = 1; c < channels.length; c++) for (let i = 0; i < n; i++) mono[i] += channels[c][i];
      const scale = 1 / channels.length;
      for (let i = 0; i < n; i++) mono[i] *= scale;
    }
    if (this.ring) {
      this.capture(this.ring.write(mono), n);
      this.ring.tick();
    } else if (this.worker) {
      this.capture(n, n);
      const size = n * this.batchQuanta;
      if (!this.batch || this.batch.length !== size) {
        this.batch = new Float32Array(size);
        this.batchFill = 0;
      }
      this.batch.set(mono, this.batchFill);
      this.batchFill += n;
      if (this.batchFill === size) {
        this.worker.postMessage(this.batch, [this.batch.buffer]);
        this.batch = null;
      }
    }
    this.timed(started);
    return true;
  }

  private capture(written: number, n: number): void {
    if (this.stats.startFrame < 0) this.stats.startFrame = currentFrame;
    this.stats.droppedSamples += n - written;
  }
}

class PlaybackProcessor extends Mover {
  private readonly chunks: Float32Array[] = [];
  private offset = 0;
  private consumed = 0;
  private primed = false;

  protected override control(message: ProcessorControl): void {
    if (message.type === 'pause') this.primed = false;
    super.control(message);
  }

  protected override fromWorker(data: unknown): void {
    if (data instanceof Float32Array) this.chunks.push(data);
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const started = now();
    const channels = outputs[0];
    const out = channels[0];
    const n = out.length;
    let got: number;
    if (this.ring) got = this.ring.read(out);
    else {
      got = 0;
      while (got < n && this.chunks.length > 0) {
        const chunk = this.chunks[0];
        const take = Math.min(n - got, chunk.length - this.offset);
        out.set(chunk.subarray(this.offset, this.offset + take), got);
        got += take;
        this.offset += take;
        if (this.offset === chunk.length) {
          this.chunks.shift();
          this.offset = 0;
        }
      }
      this.consumed += got;
      // The worker's measure of how much is queued here, and of the listener's clock (every other quantum).
      if (this.worker && (this.stats.quanta & 1) === 0)
        this.worker.postMessage([this.consumed, currentFrame + n] satisfies PlaybackPosition);
    }
    // The audio-clock frame the next sample read will play at: the worker's clock (listener-clock.ts).
    this.ring?.setPlayhead(currentFrame + n);
    this.ring?.tick();
    if (got < n) {
      out.fill(0, got);
      if (this.primed) {
        this.stats.underruns++;
        this.stats.underrunSamples += n - got;
      }
    }
    if (got > 0 && !this.primed) {
      this.primed = true;
      if (this.stats.startFrame < 0) this.stats.startFrame = currentFrame;
    }
    for (let c = 1; c < channels.length; c++) channels[c].set(out);
    this.timed(started);
    return true;
  }
}

registerProcessor('soundstream-capture', CaptureProcessor);
registerProcessor('soundstream-playback', PlaybackProcessor);

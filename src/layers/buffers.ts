/** Activation buffers of a graph, one per named tensor, sized for a number of frames and grown on demand. */
export type Activation = Float32Array | Int8Array;

export interface BufferInfo {
  channels: number;
  /** Time steps per 20 ms frame at this point of the graph. */
  stepsPerFrame: number;
  dtype: 'f32' | 'i8';
}

export class Buffers {
  private readonly data = new Map<string, Activation>();
  private capacityFrames = 0;

  constructor(readonly info: Map<string, BufferInfo>) {}

  ensureFrames(frames: number): void {
    if (frames <= this.capacityFrames) return;
    this.capacityFrames = Math.max(frames, this.capacityFrames * 2);
    for (const [name, i] of this.info) {
      const size = this.capacityFrames * i.stepsPerFrame * i.channels;
      this.data.set(name, i.dtype === 'f32' ? new Float32Array(size) : new Int8Array(size));
    }
  }

  f32(name: string): Float32Array { return this.data.get(name) as Float32Array; }
  i8(name: string): Int8Array { return this.data.get(name) as Int8Array; }
}

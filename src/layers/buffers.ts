/** Activation buffers of a graph, one per named tensor, sized for a number of frames and grown on demand. */
export type Activation = Float32Array | Int8Array;

/** The shape of an activation, per 20 ms frame. */
export interface BufferInfo {
  channels: number;
  /** Time steps per frame at this point of the graph. */
  steps: number;
  dtype: 'f32' | 'i8';
}

export class Buffers {
  private readonly floats = new Map<string, Float32Array>();
  private readonly codes = new Map<string, Int8Array>();
  private capacityFrames = 0;

  constructor(readonly info: Map<string, BufferInfo>) {}

  ensureFrames(frames: number): void {
    if (frames <= this.capacityFrames) return;
    this.capacityFrames = Math.max(frames, this.capacityFrames * 2);
    for (const [name, i] of this.info) {
      const size = this.capacityFrames * i.steps * i.channels;
      if (i.dtype === 'f32') this.floats.set(name, new Float32Array(size));
      else this.codes.set(name, new Int8Array(size));
    }
  }

  /** A float activation; the graph's shape rules guarantee that it exists. */
  f32(name: string): Float32Array {
    return this.floats.get(name)!;
  }

  /** An int8 activation; the graph's shape rules guarantee that it exists. */
  i8(name: string): Int8Array {
    return this.codes.get(name)!;
  }
}

/** How a layer reaches activations of one arithmetic, chosen when the layer is built. */
export interface ActivationType<T extends Activation> {
  view(buffers: Buffers, name: string): T;
  make(length: number): T;
  part(array: T, start: number, end?: number): T;
}

export const F32: ActivationType<Float32Array> = {
  view: (b, name) => b.f32(name),
  make: (n) => new Float32Array(n),
  part: (a, start, end) => a.subarray(start, end),
};

export const I8: ActivationType<Int8Array> = {
  view: (b, name) => b.i8(name),
  make: (n) => new Int8Array(n),
  part: (a, start, end) => a.subarray(start, end),
};

/**
 * A view of part of an array, made again only when the array or the part changes: calls of one
 * number of frames (the streaming case) allocate nothing.
 */
export class RangeView<T extends Activation> {
  private of: T | null = null;
  private start = -1;
  private end = -1;
  private view: T | null = null;

  constructor(private readonly type: ActivationType<T>) {}

  get(array: T, start: number, end: number): T {
    if (array !== this.of || start !== this.start || end !== this.end || this.view === null) {
      this.view = this.type.part(array, start, end);
      this.of = array;
      this.start = start;
      this.end = end;
    }
    return this.view;
  }
}

/** Views of each frame of an array, made once per array (buffers are replaced only when they grow). */
export class FrameViews<T extends Activation> {
  private of: T | null = null;
  private views: T[] = [];

  constructor(
    private readonly type: ActivationType<T>,
    private readonly valuesPerFrame: number,
  ) {}

  get(array: T, frame: number): T {
    if (array !== this.of) {
      this.of = array;
      this.views = [];
    }
    let view = this.views[frame];
    if (view === undefined) {
      view = this.type.part(array, frame * this.valuesPerFrame);
      this.views[frame] = view;
    }
    return view;
  }
}

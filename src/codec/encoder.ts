import { buildGraph, type ComputeOptions } from '../model/compute.js';
import type { Graph } from '../model/graph.js';
import type { Model } from '../model/load.js';
import { checkFrames } from './check-frames.js';

/** Audio at the model's rate -> one embedding per frame. Stateful: frames must arrive in order. */
export class Encoder {
  private readonly graph: Graph;
  readonly frameSize: number;
  readonly embeddingDim: number;

  constructor(model: Model, options: ComputeOptions = {}) {
    this.frameSize = model.manifest.frameSize;
    this.embeddingDim = model.manifest.embeddingDim;
    this.graph = buildGraph(model, 'encoder', this.frameSize, options);
  }

  /** One frame of `frameSize` samples -> `embeddingDim` values (written to `out` when given). */
  encodeFrame(samples: Float32Array, out: Float32Array = new Float32Array(this.embeddingDim)): Float32Array {
    checkFrames('encodeFrame', samples.length, this.frameSize);
    out.set(this.graph.run(samples, 1));
    return out;
  }

  /** Any whole number of frames at once; the same result as frame by frame. */
  encode(samples: Float32Array): Float32Array {
    const frames = checkFrames('encode', samples.length, this.frameSize);
    return this.graph.run(samples, frames).slice();
  }

  reset(): void {
    this.graph.reset();
  }
}

import { buildGraph, type ComputeOptions } from '../model/compute.js';
import type { Graph } from '../model/graph.js';
import type { Model } from '../model/load.js';
import { checkFrames } from './check-frames.js';

/** One embedding per frame -> `frameSize` samples per frame. Stateful: frames must arrive in order. */
export class Decoder {
  private readonly graph: Graph;
  readonly frameSize: number;
  readonly embeddingDim: number;

  constructor(model: Model, options: ComputeOptions = {}) {
    this.frameSize = model.manifest.frameSize;
    this.embeddingDim = model.manifest.embeddingDim;
    this.graph = buildGraph(model, 'decoder', 1, options);
  }

  decodeFrame(embedding: Float32Array, out: Float32Array = new Float32Array(this.frameSize)): Float32Array {
    checkFrames('decodeFrame', embedding.length, this.embeddingDim);
    out.set(this.graph.run(embedding, 1));
    return out;
  }

  /** Any whole number of frames at once; the same result as frame by frame. */
  decode(embeddings: Float32Array): Float32Array {
    const frames = checkFrames('decode', embeddings.length, this.embeddingDim);
    return this.graph.run(embeddings, frames).slice();
  }

  reset(): void {
    this.graph.reset();
  }
}

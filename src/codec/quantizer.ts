import { rvqDecode } from '../kernels/rvq-decode.js';
import { rvqEncode } from '../kernels/rvq-encode.js';
import { rvqEncodeSplit, rvqSplitFits } from '../kernels/rvq-encode-split.js';
import { checkComputeOptions, ENGINE_KERNELS, type KernelStyle } from '../model/compute.js';
import { type Model, ModelError } from '../model/load.js';
import { checkFrames } from './check-frames.js';

/** Residual vector quantizer: embeddings <-> codebook indices, 1..numQuantizers stages. Stateless. */
export class Quantizer {
  readonly numQuantizers: number;
  readonly codebookSize: number;
  readonly dim: number;
  readonly bitsPerIndex: number;
  private readonly codebooks: Float32Array;
  private readonly residual: Float32Array;
  /** Whether quantize may use rvqEncodeSplit (an interpreter's kernel, same indices) on embeddings it admits. */
  private readonly split: boolean;

  /** `kernels`: as ComputeOptions.kernels (default ENGINE_KERNELS); the same indices either way. */
  constructor(model: Model, options: { kernels?: KernelStyle } = {}) {
    checkComputeOptions({ kernels: options.kernels });
    const spec = model.manifest.quantizer;
    if (!spec) throw new ModelError(`model ${model.manifest.model} has no quantizer`);
    this.numQuantizers = spec.numQuantizers;
    this.codebookSize = spec.codebookSize;
    this.dim = spec.dim;
    this.bitsPerIndex = spec.bitsPerIndex;
    this.codebooks = model.weights.f32(spec.codebooks);
    if (this.codebooks.length !== spec.numQuantizers * spec.codebookSize * spec.dim) {
      throw new ModelError(
        `quantizer codebooks "${spec.codebooks}" hold ${this.codebooks.length} values, expected ${spec.numQuantizers}x${spec.codebookSize}x${spec.dim}`,
      );
    }
    this.residual = new Float32Array(this.dim);
    this.split =
      (options.kernels ?? ENGINE_KERNELS) === 'interpreter' && rvqSplitFits(this.codebooks, this.codebooks.length);
  }

  private stages(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > this.numQuantizers)
      throw new RangeError(`number of quantizers must be 1..${this.numQuantizers}, got ${n}`);
    return n;
  }

  /** Embeddings [frames, dim] -> indices [frames, numQuantizers]. */
  quantize(embeddings: Float32Array, numQuantizers: number, out?: Int32Array): Int32Array {
    const stages = this.stages(numQuantizers);
    const frames = checkFrames('quantize', embeddings.length, this.dim);
    const indices = out ?? new Int32Array(frames * stages);
    const encode = this.split && rvqSplitFits(embeddings, embeddings.length) ? rvqEncodeSplit : rvqEncode;
    encode(embeddings, frames, this.dim, this.codebooks, this.codebookSize, stages, indices, this.residual);
    return indices;
  }

  /** Indices [frames, numQuantizers] -> embeddings [frames, dim]: the sum of the chosen codewords. */
  dequantize(indices: Int32Array, numQuantizers: number, out?: Float32Array): Float32Array {
    const stages = this.stages(numQuantizers);
    const frames = checkFrames('dequantize', indices.length, stages);
    for (let i = 0; i < indices.length; i++) {
      if (indices[i] < 0 || indices[i] >= this.codebookSize)
        throw new RangeError(`index ${indices[i]} at position ${i} is outside 0..${this.codebookSize - 1}`);
    }
    const embeddings = out ?? new Float32Array(frames * this.dim);
    rvqDecode(indices, frames, stages, this.codebooks, this.codebookSize, this.dim, embeddings);
    return embeddings;
  }
}

import { buildGraph } from '../model/compute.js';
import type { Graph } from '../model/graph.js';
import { type Model, ModelError } from '../model/load.js';
import { checkFrames } from './check-frames.js';

/**
 * A bottleneck model applied to embeddings between encoder and quantizer (or after the
 * dequantizer, on the receiving side): for the FiLM denoiser, `denoise` on maps noisy-speech
 * embeddings to clean-speech ones, off leaves them (nearly) unchanged. It sees past frames only,
 * so it adds no latency; it runs on every frame whatever the flag, so that switching the flag
 * between frames keeps its history continuous.
 */
export class Denoiser {
  private readonly graph: Graph;
  /** The graph's condition input, remade only when the number of frames per call changes: streaming allocates nothing. */
  private conditions = { denoise: new Float32Array(1) };
  readonly dim: number;

  constructor(model: Model) {
    const spec = model.manifest.bottleneck;
    if (!spec) throw new ModelError(`model ${model.manifest.model} has no bottleneck graph: not a denoiser`);
    const width = spec.conditions?.denoise;
    if (width !== 1)
      throw new ModelError(`model ${model.manifest.model}: bottleneck needs a one-value "denoise" condition`);
    this.dim = spec.inputChannels;
    this.graph = buildGraph(model, 'bottleneck', 1); // as stored: the denoiser is float throughout
  }

  /** Throws unless `codec` is the model this denoiser was trained against. */
  static checkCompatible(denoiser: Model, codec: Model): void {
    const expects = denoiser.manifest.expects;
    const sums = (codec.manifest.provenance as { sha256?: Record<string, string> }).sha256 ?? {};
    if (!expects) throw new ModelError(`${denoiser.manifest.model}: the manifest does not say which codec it expects`);
    if (sums['soundstream_encoder.tflite'] !== expects.encoderSha256) {
      throw new ModelError(
        `${denoiser.manifest.model} was trained on ${expects.model} with encoder sha256 ${expects.encoderSha256.slice(0, 12)}..., but the codec model ${codec.manifest.model} has ${String(sums['soundstream_encoder.tflite']).slice(0, 12)}...`,
      );
    }
  }

  /** Embeddings [frames, dim] -> embeddings (into `out` when given, which may be the input); `denoise` per call, or per frame (1 = on). */
  process(embeddings: Float32Array, denoise: boolean | Float32Array, out?: Float32Array): Float32Array {
    const frames = checkFrames('denoiser', embeddings.length, this.dim);
    if (this.conditions.denoise.length !== frames) this.conditions = { denoise: new Float32Array(frames) };
    const flags = this.conditions.denoise;
    if (typeof denoise === 'boolean') flags.fill(denoise ? 1 : 0);
    else if (denoise.length !== frames) throw new RangeError(`denoiser: ${denoise.length} flags for ${frames} frames`);
    else flags.set(denoise);
    const result = this.graph.run(embeddings, frames, this.conditions);
    if (!out) return result.slice();
    out.set(result);
    return out;
  }

  reset(): void {
    this.graph.reset();
  }
}

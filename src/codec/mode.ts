import { Graph } from '../layers/graph.js';
import type { FloatPrecision } from '../layers/layer.js';
import type { GraphSpec } from '../model/manifest.js';
import { floatGraph } from '../model/float-mode.js';
import { type Model, ModelError } from '../model/load.js';

/**
 * 'int8': the model as trained and shipped, int8 layers in TFLite's integer arithmetic (bit-exact
 * with the reference runtime). 'float': int8 weights dequantized and every activation kept in float.
 */
export type ComputeMode = 'int8' | 'float';

/** What a codec stage computes in: `mode` (default 'int8') and `precision` of float layers (default 'exact'). */
export interface ComputeOptions {
  mode?: ComputeMode;
  precision?: FloatPrecision;
}

export function buildGraph(model: Model, which: 'encoder' | 'decoder' | 'bottleneck', inputStepsPerFrame: number, options: ComputeOptions = {}): Graph {
  const spec: GraphSpec | undefined = model.manifest[which];
  if (!spec) throw new ModelError(`model ${model.manifest.model} has no ${which} graph`);
  const graphSpec = options.mode === 'float' ? floatGraph(spec, model.weights) : spec;
  return new Graph(graphSpec, model.weights, inputStepsPerFrame, options.precision ?? 'exact');
}

export function checkFrames(what: string, length: number, perFrame: number): number {
  if (length === 0 || length % perFrame !== 0) throw new RangeError(`${what}: ${length} values is not a whole number of frames of ${perFrame}`);
  return length / perFrame;
}

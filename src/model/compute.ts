import { Graph, type FloatPrecision, type KernelStyle } from './graph.js';
import { floatGraph } from './float-mode.js';
import { type Model, ModelError } from './load.js';
import type { GraphSpec } from './manifest.js';

export type { FloatPrecision, KernelStyle };

declare const HermesInternal: unknown;

/**
 * The kernels that suit the engine running this code, decided once: 'interpreter' in Hermes
 * (React Native's engine, which interprets bytecode); 'jit-float32' in JavaScriptCore and
 * 'jit-float32-pairs' in SpiderMonkey, told apart from V8 and from each other by the source
 * position their errors carry (JavaScriptCore's `line`, SpiderMonkey's `lineNumber`; V8's and
 * Hermes's errors have neither); 'jit' elsewhere.
 */
export const ENGINE_KERNELS: KernelStyle = engineKernels();

function engineKernels(): KernelStyle {
  if (typeof HermesInternal !== 'undefined') return 'interpreter';
  const error = new Error();
  if ('lineNumber' in error) return 'jit-float32-pairs';
  return 'line' in error ? 'jit-float32' : 'jit';
}

/**
 * 'int8': the model as trained and shipped, int8 layers in TFLite's integer arithmetic (bit-exact
 * with the reference runtime). 'float': int8 weights dequantized and every activation kept in float.
 */
export type ComputeMode = 'int8' | 'float';

/**
 * What a codec stage computes in: `mode` (default 'int8'), `precision` of float layers (default
 * 'exact'), and `kernels` (default ENGINE_KERNELS; the same bits either way, only the speed differs).
 */
export interface ComputeOptions {
  mode?: ComputeMode;
  precision?: FloatPrecision;
  kernels?: KernelStyle;
}

const CHOICES = {
  mode: ['int8', 'float'],
  precision: ['exact', 'fast'],
  kernels: ['jit', 'jit-float32', 'jit-float32-pairs', 'interpreter'],
} as const;

/** Refuses an option that is none of its choices (from JavaScript, or a cast): it would otherwise pass for the default. */
export function checkComputeOptions(options: ComputeOptions): void {
  for (const name of ['mode', 'precision', 'kernels'] as const) {
    const value: unknown = options[name];
    if (value !== undefined && !(CHOICES[name] as readonly unknown[]).includes(value))
      throw new RangeError(`${name} must be one of ${CHOICES[name].join(', ')}, got ${JSON.stringify(value)}`);
  }
}

export function buildGraph(
  model: Model,
  which: 'encoder' | 'decoder' | 'bottleneck',
  inputStepsPerFrame: number,
  options: ComputeOptions = {},
): Graph {
  checkComputeOptions(options);
  const spec: GraphSpec | undefined = model.manifest[which];
  if (!spec) throw new ModelError(`model ${model.manifest.model} has no ${which} graph`);
  const graphSpec = options.mode === 'float' ? floatGraph(spec, model.weights) : spec;
  return new Graph(
    graphSpec,
    model.weights,
    inputStepsPerFrame,
    options.precision ?? 'exact',
    options.kernels ?? ENGINE_KERNELS,
  );
}

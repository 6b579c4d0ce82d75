import { Buffers, F32, RangeView } from '../layers/buffers.js';
import type { Layer } from '../layers/layer.js';
import type { GraphSpec } from './manifest.js';
import { opFor } from './ops/index.js';
import type { Activation } from './ops/op.js';
import { graphActivations } from './validate.js';
import { WeightError, type WeightStore } from './weights.js';

/**
 * How float layers add up: 'exact' rounds to float32 after every operation in the reference
 * runtime's order (bit-identical to it); 'fast' sums each output in float64 and rounds once
 * (closer to the exact real result, 1.3-1.7x as fast per layer, not the reference's bits).
 */
export type FloatPrecision = 'exact' | 'fast';

/**
 * Which kernel variants the layers take, all with the same bits: 'jit' for V8, whose exact float
 * kernels read float64 copies of their weights and input (V8 converts a Float32Array value on
 * every use); 'jit-float32' for JavaScriptCore, where the same kernels read the float32 arrays as
 * they are (10-14% less time per frame in WebKitGTK and Bun, and no copy of the input);
 * 'jit-float32-pairs' for SpiderMonkey, float32 arrays too, with split sums taken two output
 * steps for two channels at a time as V8's are (JavaScriptCore runs that shape 25% slower);
 * 'interpreter' for engines that interpret bytecode (Hermes), where every instruction and call
 * costs.
 */
export type KernelStyle = 'jit' | 'jit-float32' | 'jit-float32-pairs' | 'interpreter';

/**
 * A layer graph from a manifest, run on whole frames: `inputStepsPerFrame` input steps in
 * (320 samples for an encoder, 1 embedding for a decoder), any number of frames per call.
 * The spec has passed checkManifest (src/model/validate.ts): names resolve, shapes agree and
 * sizes are bounded, so building it only allocates. Each node's layer comes from its op's
 * descriptor (src/model/ops).
 */
export class Graph {
  private readonly layers: readonly Layer[];
  private readonly buffers: Buffers;
  private readonly conditions: readonly string[];
  private readonly output = new RangeView(F32);
  readonly outputStepsPerFrame: number;

  constructor(
    readonly spec: GraphSpec,
    weights: WeightStore,
    readonly inputStepsPerFrame: number,
    precision: FloatPrecision = 'exact',
    kernels: KernelStyle = 'jit',
  ) {
    const shapes = graphActivations(spec, inputStepsPerFrame, (path, why) => {
      throw new WeightError(`graph ${path} ${why}`);
    });
    const activation = (name: string): Activation => shapes.get(name)!;
    const context = { weights, activation, fast: precision === 'fast', kernels };
    this.layers = spec.nodes.map((node) => opFor(node.op).build(node, context));
    this.conditions = Object.keys(spec.conditions ?? {});
    this.outputStepsPerFrame = activation(spec.output).steps;
    this.buffers = new Buffers(shapes);
    this.buffers.ensureFrames(1);
  }

  /** Runs `frames` frames; returns a view of the output valid until the next call. */
  run(input: Float32Array, frames: number, conditions?: Record<string, Float32Array>): Float32Array {
    const { buffers, spec } = this;
    buffers.ensureFrames(frames);
    const values = frames * this.inputStepsPerFrame * spec.inputChannels;
    buffers.f32(spec.input).set(input.length === values ? input : input.subarray(0, values));
    for (const name of this.conditions) {
      const value = conditions?.[name];
      if (value) buffers.f32(name).set(value);
    }
    for (const layer of this.layers) layer.run(buffers, frames);
    return this.output.get(buffers.f32(spec.output), 0, frames * this.outputStepsPerFrame * spec.outputChannels);
  }

  /** A named activation of the last run, for parity probes. */
  activation(name: string): Float32Array | Int8Array {
    return this.buffers.info.get(name)?.dtype === 'i8' ? this.buffers.i8(name) : this.buffers.f32(name);
  }

  reset(): void {
    for (const layer of this.layers) layer.reset();
  }
}

import { add } from '../kernels/add.js';
import { addInt8Params } from '../kernels/add-int8.js';
import { addInt8InputTables, addInt8Lut, type AddInt8Tables } from '../kernels/add-int8-lut.js';
import { dequantize } from '../kernels/dequantize.js';
import { elu } from '../kernels/elu.js';
import { quantizeMultiplier } from '../kernels/fixed-point.js';
import { film } from '../kernels/film.js';
import { leakyRelu } from '../kernels/leaky-relu.js';
import { leakyReluInt8 } from '../kernels/leaky-relu-int8.js';
import { lookupInt8, tabulateInt8 } from '../kernels/lookup-int8.js';
import { lookupInt8Pair, tabulateInt8Pair } from '../kernels/lookup-int8-pair.js';
import { quantize } from '../kernels/quantize.js';
import type { Activation, ActivationType, Buffers } from './buffers.js';
import type { Affine, Layer } from './layer.js';

// Layers without state: `reset` has nothing to forget. `size` is the values per frame of the input.

/** One input, one output, the same number of values; `apply` is the kernel call, chosen when built. */
export class MapLayer<X extends Activation, Y extends Activation> implements Layer {
  constructor(
    private readonly from: ActivationType<X>,
    private readonly to: ActivationType<Y>,
    private readonly names: { input: string; output: string },
    private readonly size: number,
    private readonly apply: (x: X, n: number, y: Y) => void,
  ) {}

  run(b: Buffers, frames: number): void {
    this.apply(this.from.view(b, this.names.input), frames * this.size, this.to.view(b, this.names.output));
  }

  reset(): void {}
}

export const leakyReluFloat = (alpha: number) => (x: Float32Array, n: number, y: Float32Array) =>
  leakyRelu(x, n, alpha, y);

/** int8 leaky ReLU as a table of the activation of every input code, computed once with leakyReluInt8. */
export function leakyReluInt8Table(
  alpha: number,
  input: Affine,
  output: Affine,
): (x: Int8Array, n: number, y: Int8Array) => void {
  // TFLite derives both multipliers in float32 arithmetic.
  const fr = Math.fround;
  const identity = quantizeMultiplier(fr(input.scale / output.scale));
  const negative = quantizeMultiplier(fr(fr(input.scale * fr(alpha)) / output.scale));
  const table = tabulateInt8((codes, out) =>
    leakyReluInt8(codes, 256, input.zeroPoint, output.zeroPoint, identity, negative, out),
  );
  return (x, n, y) => lookupInt8(x, n, table, y);
}

export const eluFloat = (alpha: number) => (x: Float32Array, n: number, y: Float32Array) => elu(x, n, alpha, y);

export const quantizeTo = (q: Affine) => (x: Float32Array, n: number, y: Int8Array) =>
  quantize(x, n, q.scale, q.zeroPoint, y);

export const dequantizeFrom = (q: Affine) => (x: Int8Array, n: number, y: Float32Array) =>
  dequantize(x, n, q.scale, q.zeroPoint, y);

/** Two inputs of the same shape, one output; `apply` is the kernel call, chosen when built. */
export class AddLayer<T extends Activation> implements Layer {
  constructor(
    private readonly type: ActivationType<T>,
    private readonly names: { a: string; b: string; output: string },
    private readonly size: number,
    private readonly apply: (a: T, b: T, n: number, y: T) => void,
  ) {}

  run(b: Buffers, frames: number): void {
    const { type, names } = this;
    this.apply(type.view(b, names.a), type.view(b, names.b), frames * this.size, type.view(b, names.output));
  }

  reset(): void {}
}

export const addFloat = add;

/** int8 add through one table of every pair of codes (TFLite's arithmetic, tabulated once). */
export function addInt8(
  a: Affine,
  b: Affine,
  output: Affine,
): (x: Int8Array, y: Int8Array, n: number, out: Int8Array) => void {
  const tables: AddInt8Tables = addInt8InputTables(addInt8Params(a, b, output));
  const table = tabulateInt8Pair((x, y, out) => addInt8Lut(x, y, x.length, tables, out));
  return (x, y, n, out) => lookupInt8Pair(x, y, n, table, out);
}

/** Channel split (one whole into parts) or concatenation (parts into one whole): data movement, row by row. */
export class ChannelCopyLayer<T extends Activation> implements Layer {
  private readonly total: number;

  constructor(
    private readonly type: ActivationType<T>,
    private readonly direction: 'split' | 'concat',
    private readonly whole: string,
    private readonly parts: readonly string[],
    private readonly widths: readonly number[],
    private readonly steps: number,
  ) {
    this.total = widths.reduce((a, w) => a + w, 0);
  }

  run(b: Buffers, frames: number): void {
    const whole = this.type.view(b, this.whole);
    const steps = frames * this.steps;
    const split = this.direction === 'split';
    let offset = 0;
    for (let p = 0; p < this.parts.length; p++) {
      const part = this.type.view(b, this.parts[p]);
      const w = this.widths[p];
      for (let t = 0; t < steps; t++) {
        const at = t * this.total + offset;
        if (split) for (let c = 0; c < w; c++) part[t * w + c] = whole[at + c];
        else for (let c = 0; c < w; c++) whole[at + c] = part[t * w + c];
      }
      offset += w;
    }
  }

  reset(): void {}
}

/** FiLM: gamma, beta = linear(condition) per step; y = gamma * x + beta. */
export class FilmLayer implements Layer {
  constructor(
    private readonly names: { input: string; condition: string; output: string },
    private readonly steps: number,
    private readonly channels: number,
    private readonly conditionDim: number,
    private readonly weight: Float32Array,
    private readonly bias: Float32Array,
  ) {}

  run(b: Buffers, frames: number): void {
    const { names } = this;
    film(
      b.f32(names.input),
      frames * this.steps,
      this.channels,
      b.f32(names.condition),
      this.conditionDim,
      this.weight,
      this.bias,
      b.f32(names.output),
    );
  }

  reset(): void {}
}

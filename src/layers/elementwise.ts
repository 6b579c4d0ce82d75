import { add } from '../kernels/add.js';
import { addInt8Params } from '../kernels/add-int8.js';
import { addInt8InputTables, addInt8Lut, type AddInt8Tables } from '../kernels/add-int8-lut.js';
import { dequantize } from '../kernels/dequantize.js';
import { elu } from '../kernels/elu.js';
import { quantizeMultiplier, type QuantizedMultiplier } from '../kernels/fixed-point.js';
import { film } from '../kernels/film.js';
import { leakyRelu } from '../kernels/leaky-relu.js';
import { leakyReluInt8 } from '../kernels/leaky-relu-int8.js';
import { lookupInt8, tabulateInt8 } from '../kernels/lookup-int8.js';
import { quantize } from '../kernels/quantize.js';
import type {
  AddNode, ConcatChannelsNode, DequantizeNode, EluNode, FilmNode, LeakyReluNode, QuantizeNode, SplitChannelsNode,
} from '../model/manifest.js';
import type { BufferInfo, Buffers } from './buffers.js';
import type { Layer } from './layer.js';
import type { WeightStore } from './weights.js';

/** Layers without state: `reset` has nothing to forget. */
abstract class Stateless implements Layer {
  abstract run(buffers: Buffers, frames: number): void;
  reset(): void {}
}

export class LeakyReluLayer extends Stateless {
  /** int8: the activation of every input code, computed once with leakyReluInt8. */
  private readonly table: Int8Array | null = null;

  constructor(private readonly node: LeakyReluNode, private readonly size: number) {
    super();
    const q = node.int8;
    if (q) {
      // TFLite derives both multipliers in float32 arithmetic.
      const fr = Math.fround;
      const identity: QuantizedMultiplier = quantizeMultiplier(fr(q.input.scale / q.output.scale));
      const negative: QuantizedMultiplier = quantizeMultiplier(fr(fr(q.input.scale * fr(node.alpha)) / q.output.scale));
      this.table = tabulateInt8((codes, out) => leakyReluInt8(codes, 256, q.input.zeroPoint, q.output.zeroPoint, identity, negative, out));
    }
  }

  run(b: Buffers, frames: number): void {
    const n = this.node;
    if (this.table) lookupInt8(b.i8(n.input), frames * this.size, this.table, b.i8(n.output));
    else leakyRelu(b.f32(n.input), frames * this.size, n.alpha, b.f32(n.output));
  }
}

export class EluLayer extends Stateless {
  constructor(private readonly node: EluNode, private readonly size: number) { super(); }
  run(b: Buffers, frames: number): void {
    elu(b.f32(this.node.input), frames * this.size, this.node.alpha, b.f32(this.node.output));
  }
}

export class AddLayer extends Stateless {
  private readonly tables: AddInt8Tables | null = null;

  constructor(private readonly node: AddNode, private readonly size: number) {
    super();
    const q = node.int8;
    if (q) {
      this.tables = addInt8InputTables(addInt8Params(q.a, q.b, q.output));
    }
  }

  run(b: Buffers, frames: number): void {
    const [x, y] = this.node.inputs;
    if (this.tables) addInt8Lut(b.i8(x), b.i8(y), frames * this.size, this.tables, b.i8(this.node.output));
    else add(b.f32(x), b.f32(y), frames * this.size, b.f32(this.node.output));
  }
}

export class QuantizeLayer extends Stateless {
  constructor(private readonly node: QuantizeNode, private readonly size: number) { super(); }
  run(b: Buffers, frames: number): void {
    const n = this.node;
    quantize(b.f32(n.input), frames * this.size, n.quant.scale, n.quant.zeroPoint, b.i8(n.output));
  }
}

export class DequantizeLayer extends Stateless {
  constructor(private readonly node: DequantizeNode, private readonly size: number) { super(); }
  run(b: Buffers, frames: number): void {
    const n = this.node;
    dequantize(b.i8(n.input), frames * this.size, n.quant.scale, n.quant.zeroPoint, b.f32(n.output));
  }
}

/** Channel split / concatenation: pure data movement, row by row over time. */
export class ChannelCopyLayer extends Stateless {
  private readonly widths: number[];
  private readonly total: number;

  constructor(private readonly node: SplitChannelsNode | ConcatChannelsNode, info: Map<string, BufferInfo>, private readonly steps: number) {
    super();
    const parts = node.op === 'split_channels' ? node.outputs : node.inputs;
    this.widths = parts.map((p) => info.get(p)!.channels);
    this.total = this.widths.reduce((a, w) => a + w, 0);
  }

  run(b: Buffers, frames: number): void {
    const n = this.node;
    const get = (name: string) => (n.dtype === 'f32' ? b.f32(name) : b.i8(name));
    const parts = (n.op === 'split_channels' ? n.outputs : n.inputs).map(get);
    const whole = get(n.op === 'split_channels' ? n.input : n.output);
    const steps = frames * this.steps;
    for (let t = 0; t < steps; t++) {
      let offset = t * this.total;
      for (let p = 0; p < parts.length; p++) {
        const w = this.widths[p];
        if (n.op === 'split_channels') parts[p].set(whole.subarray(offset, offset + w), t * w);
        else whole.set(parts[p].subarray(t * w, t * w + w), offset);
        offset += w;
      }
    }
  }
}

export class FilmLayer extends Stateless {
  private readonly weight: Float32Array;
  private readonly bias: Float32Array;

  constructor(private readonly node: FilmNode, weights: WeightStore, private readonly steps: number) {
    super();
    this.weight = weights.f32(node.weight);
    this.bias = weights.f32(node.bias);
  }

  run(b: Buffers, frames: number): void {
    const n = this.node;
    film(b.f32(n.input), frames * this.steps, n.channels, b.f32(n.condition), n.conditionDim, this.weight, this.bias, b.f32(n.output));
  }
}

// What the three convolutions share: the int8 weight scales and requantization, and the
// dequantized weights of the all-float graph.
import type { Requantization } from '../../kernels/requantize.js';
import { channelRequantization } from '../../layers/requantization.js';
import type { Int8Spec, TensorEntry } from '../manifest.js';
import type { WeightStore } from '../weights.js';
import type { ShapeContext } from './op.js';

/** int8 weights: a scale per output channel or one for all, every multiplier in range. */
export function checkWeightScales(
  ctx: ShapeContext,
  spec: Int8Spec | undefined,
  t: TensorEntry | null,
  outChannels: number,
): void {
  if (!spec || !t) return;
  const scales = t.scales ?? [];
  if (scales.length !== 1 && scales.length !== outChannels)
    ctx.fail('weight', `tensor "${t.name}" has ${scales.length} scales; this node needs 1 or ${outChannels}`);
  for (const s of scales) ctx.multiplier((spec.input.scale * s) / spec.output.scale);
}

export function requantization(spec: Int8Spec, weights: WeightStore, weight: string, channels: number): Requantization {
  return channelRequantization(
    spec.input.scale,
    spec.output,
    spec.rounding ?? 'double',
    weights.entry(weight).scales ?? [],
    channels,
  );
}

/**
 * The float twin of an int8 convolution's weights and bias (w = scale * q, bias = q * input
 * scale * weight scale), added to the store under new names. `channelOf(i)` is the output
 * channel of weight value i.
 */
export function floatWeights<N extends { weight: string; bias: string | null; int8?: Int8Spec }>(
  node: N,
  weights: WeightStore,
  channelOf: (i: number, length: number) => number,
): N {
  if (!node.int8) return node;
  const scales = weights.entry(node.weight).scales ?? [1];
  const scaleOf = (c: number) => scales[scales.length === 1 ? 0 : c];
  const q = weights.i8(node.weight);
  const w = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) w[i] = q[i] * scaleOf(channelOf(i, q.length));
  const copy = { ...node, weight: `${node.weight}#float` };
  weights.addDerived(copy.weight, w);
  if (node.bias !== null) {
    const bq = weights.i32(node.bias);
    const b = new Float32Array(bq.length);
    for (let c = 0; c < bq.length; c++) b[c] = bq[c] * node.int8.input.scale * scaleOf(c);
    copy.bias = `${node.bias}#float`;
    weights.addDerived(copy.bias, b);
  }
  delete copy.int8;
  return copy;
}

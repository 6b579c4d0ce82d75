// FiLM conditioning (float only): gamma, beta = linear(condition); y = gamma * x + beta. The
// condition is a per-frame input of the graph. Used by our denoiser; no TFLite mapping.
import { FilmLayer } from '../../layers/elementwise.js';
import { defineOp } from './op.js';
import { channels, type NodeOf, reads, tensor, writes } from './schema.js';

const fields = {
  input: reads,
  condition: reads,
  output: writes,
  channels,
  conditionDim: channels,
  /** [conditionDim, 2 * channels]: gamma columns, then beta */
  weight: tensor,
  bias: tensor,
} as const;

export type FilmNode = NodeOf<'film', typeof fields>;

export const film = defineOp('film', fields, {
  shape(n, ctx) {
    const x = ctx.read('input', n.input, 'f32');
    const cond = ctx.read('condition', n.condition, 'f32');
    if (x.channels !== n.channels)
      ctx.fail('channels', `is ${n.channels}, but "${n.input}" has ${x.channels} channels`);
    if (cond.channels !== n.conditionDim || cond.steps !== x.steps)
      ctx.fail('condition', `"${n.condition}" must give ${n.conditionDim} values per step of "${n.input}"`);
    ctx.weight('weight', 'f32', n.conditionDim * 2 * n.channels);
    ctx.weight('bias', 'f32', 2 * n.channels);
    ctx.write('output', n.output, { ...x });
  },

  build(n, { weights, activation }) {
    const names = { input: n.input, condition: n.condition, output: n.output };
    return new FilmLayer(
      names,
      activation(n.input).steps,
      n.channels,
      n.conditionDim,
      weights.f32(n.weight),
      weights.f32(n.bias),
    );
  },
});

// The float GEMM's order of summation is chosen per node from its output steps per invocation
// (measured against the reference runtime; docs/parity.md). Lyra v2's 2-step pointwise convs sum
// in plain order, every other ungrouped float conv in even/odd halves.
import { beforeAll, describe, expect, it } from 'vitest';
import { floatGemmOrder } from '../src/model/ops/conv1d.js';
import { importLyraV2 } from '../src/import/lyra-v2.js';
import type { Conv1dNode, Manifest } from '../src/model/manifest.js';
import { HAVE_SHARED, lyraFiles } from './reference/lyra.js';

describe('floatGemmOrder', () => {
  it('splits whole blocks of 4 steps, sums fewer than 4 in plain order, and refuses what was never measured', () => {
    expect([4, 8, 20, 320].map(floatGemmOrder)).toEqual(['split2', 'split2', 'split2', 'split2']);
    expect([1, 2, 3].map(floatGemmOrder)).toEqual(['sequential', 'sequential', 'sequential']);
    expect([5, 6, 7, 22].map(floatGemmOrder)).toEqual([null, null, null, null]);
  });
});

describe.skipIf(!HAVE_SHARED)('the imported Lyra v2 graph', () => {
  let manifest: Manifest;
  beforeAll(async () => {
    ({ manifest } = await importLyraV2(lyraFiles()));
  }, 60_000);

  it('sums the 2-step 256-channel pointwise convs in plain order and the 4- and 20-step ones split', () => {
    const ungroupedFloat = [...manifest.encoder!.nodes, ...manifest.decoder!.nodes].filter(
      (n): n is Conv1dNode => n.op === 'conv1d' && !n.int8 && n.groups === 1,
    );
    const plain = ungroupedFloat.filter((n) => n.accumulate === 'sequential');
    expect(plain.length).toBeGreaterThan(0);
    for (const n of plain) expect([n.inChannels, n.outChannels, n.kernel]).toEqual([256, 256, 1]);
    expect(plain.map((n) => n.source!.split('/')[1])).toEqual(plain.map(() => 'quant_encoder_2'));
    expect(ungroupedFloat.length - plain.length).toBeGreaterThan(10);
  });
});

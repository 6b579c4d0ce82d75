// The CI part of the parity sweep (scripts/parity-sweep.ts runs the whole corpus): at least three
// minutes of training speech chosen by rule across datasets and speakers, plus every hostile
// signal, split in two halves so that the two test files run side by side. Every stage must be
// bit-identical to the reference runtime.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_SHARED, importedModel, lyraFiles } from '../reference/lyra.js';
import {
  allIdentical,
  BITRATES,
  describeFirst,
  hostileSignals,
  loadSignal,
  ParitySweep,
  speechSubset,
  type SweepSignal,
} from '../reference/sweep.js';

const SPEECH_DIR = fileURLToPath(new URL('../../../shared/train/speech', import.meta.url));
export const CI_SPEECH_SECONDS = 180;

export function sweepHalf(half: 0 | 1): void {
  describe.skipIf(!HAVE_SHARED)(`parity sweep, CI subset, half ${half + 1} of 2`, () => {
    let sweep: ParitySweep;
    let inputs: { name: string; load: () => Promise<SweepSignal> }[] = [];

    beforeAll(async () => {
      const files = lyraFiles();
      sweep = await ParitySweep.create(files, await importedModel(files));
    }, 60_000);
    afterAll(() => sweep?.dispose());

    it('chooses at least 3 minutes of speech from every dataset', async () => {
      const speech = await speechSubset(SPEECH_DIR, CI_SPEECH_SECONDS);
      let seconds = 0;
      for (const f of speech) seconds += (await loadSignal(f)).samples.length / 16000;
      expect(seconds).toBeGreaterThanOrEqual(CI_SPEECH_SECONDS);
      expect(new Set(speech.map((f) => f.split('/').at(-2))).size).toBeGreaterThanOrEqual(5);
      const all = [
        ...speech.map((f) => ({ name: f.slice(SPEECH_DIR.length + 1), load: () => loadSignal(f) })),
        ...hostileSignals().map((s) => ({ name: s.name, load: async () => s })),
      ];
      inputs = all.filter((_, i) => i % 2 === half);
    }, 60_000);

    it('every stage of every input is bit-identical to the reference (frame by frame and one call)', async () => {
      expect(inputs.length).toBeGreaterThan(10);
      const differing: string[] = [];
      for (const [i, input] of inputs.entries()) {
        const report = await sweep.run(await input.load(), BITRATES[i % BITRATES.length][0]);
        if (!allIdentical(report)) differing.push(`${input.name}: ${describeFirst(report)}`);
      }
      expect(differing).toEqual([]);
    }, 1_800_000);
  });
}

// Module Worker: loads the models over HTTP with the package's loadModelFromUrl, runs the golden computation.
import * as lib from '../../src/index.js';
import { GOLDEN_FRAMES, runGolden } from './golden.js';

(async () => {
  try {
    const models = {
      lyra: await lib.loadModelFromUrl('/models/lyra-v2/'),
      denoiser: await lib.loadModelFromUrl('/models/lyra-v2-denoise/'),
    };
    postMessage({ result: await runGolden(lib, models, GOLDEN_FRAMES) });
  } catch (err) {
    postMessage({ error: String(err instanceof Error ? `${err.message}\n${err.stack}` : err) });
  }
})();

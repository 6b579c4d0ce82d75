// Files shipped inside the package (our denoiser's weights), found relative to this module rather
// than the current directory, so that they resolve from an installed package as from a checkout.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The package's folder: the nearest one above this module whose package.json is soundstream-ts's. */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'soundstream-ts'
    ) {
      root = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(`soundstream-ts: cannot find the package folder above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** The folder of the denoising bottleneck shipped with the package (manifest.json + model.bin). */
export function denoiserModelDir(): string {
  return join(packageRoot(), 'weights', 'lyra-v2-denoise');
}

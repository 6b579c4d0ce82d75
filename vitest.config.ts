// Two workers on CI's two cores (vitest would otherwise leave one idle), and 60 s per test: the
// default 5 s is too tight for a correct test where the parity sweep shares those cores.
import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { testTimeout: 60_000, maxWorkers: 2 } });

// A slow shared machine must not fail a correct test: the default 5 s per test is too tight
// where the parity sweep shares two cores with the rest of the suite.
import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { testTimeout: 60_000 } });

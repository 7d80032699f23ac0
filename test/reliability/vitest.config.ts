// `npm run test:reliability`: the reliability and security suite at full scale (RELIABILITY_FULL=1, set by the npm
// script): thousands of fuzzed requests per backend, ten kill -9 cycles, minutes of soak. One file at a time, so the
// soak's memory trend and the timing medians are not measured next to another suite's load.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/reliability/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 1_800_000,
    hookTimeout: 300_000,
    pool: 'forks',
    reporters: ['default'],
  },
});

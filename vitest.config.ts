import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
    globalSetup: ['./fixtures/chain-setup.ts'],
    // `vitest` and `vitest bench` run once and exit; use --watch to watch.
    watch: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    benchmark: {
      include: ['bench/**/*.bench.ts'],
      // Samples are kept so the reporter can give medians, p95 and p99 from the raw timings.
      includeSamples: true,
      reporters: ['./src/bench/reporter.ts'],
    },
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Files share one Redis server but use their own key space (a db number or prefix).
    fileParallelism: true,
    maxWorkers: 2,
  },
});

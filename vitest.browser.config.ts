import { defineConfig } from 'vitest/config';

// Browser tests (npm run test:browser): headless Chromium driven by playwright-core against the
// sign-up example and Swagger UI. Kept out of `npm test` for their time; .ci/run runs them.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.browser.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'kez-web',
    include: ['test/**/*.test.ts'],
    // The page test starts the demo's peers (a real PDS takes a while) and a real Chromium.
    testTimeout: 120_000,
    hookTimeout: 240_000,
  },
});

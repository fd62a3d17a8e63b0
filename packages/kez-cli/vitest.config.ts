import { defineConfig } from 'vitest/config';

// The tests run the built command (bin/kez.js → bundle/) as a subprocess: `npm test` builds first.
export default defineConfig({
  test: {
    name: 'kez-cli',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

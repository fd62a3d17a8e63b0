import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'kez-accel',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});

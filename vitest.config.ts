import { defineConfig } from 'vitest/config';

// One project per package: each may have its own vitest.config.ts (timeouts, global setup
// that starts its real peers on loopback).
export default defineConfig({
  test: {
    projects: ['packages/*'],
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'chat-server',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // The files share one nats-server, whose auth callout is served by one chat-server at a time.
    fileParallelism: false,
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'kez-channels',
    include: ['test/**/*.test.ts'],
    // Starts a real nsd on a free loopback port serving the zone built in test/dns-world.ts.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { name: 'chat-client', include: ['test/**/*.test.ts'] },
});

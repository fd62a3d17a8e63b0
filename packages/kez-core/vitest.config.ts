import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The shared test kit imports @kez/core: in core's own tests that is these sources, one
  // module instance with the tests' own imports (not the built dist).
  resolve: {
    alias: { '@kez/core': fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
  },
  test: {
    name: 'kez-core',
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 60_000,
  },
});

// Builds the static site into dist/site: index.html plus hashed assets under /assets/ (served
// immutable). Node builtins are refused, so nothing server-side slips into the page.
import { fileURLToPath } from 'node:url';
import { refuseNodeBuiltins } from '@kez/test-kit/vite-plugins';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('./src', import.meta.url)),
  base: '/',
  envDir: false,
  publicDir: false,
  logLevel: 'warn',
  plugins: [refuseNodeBuiltins()],
  build: {
    outDir: fileURLToPath(new URL('./dist/site', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: false,
    reportCompressedSize: false,
  },
});

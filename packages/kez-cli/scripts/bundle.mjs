#!/usr/bin/env node
// `npm run build` step after tsc: bundles the compiled CLI (dist/bin.js) into bundle/, one
// entry file plus the chunks its lazy imports load, so starting `kez` reads a few files instead
// of resolving and compiling hundreds of modules. Native addons and the zstd WASM (which finds
// its .wasm beside itself) stay external and load from node_modules as before.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
// Chunk names carry content hashes: clear out the last build's.
rmSync(new URL('../bundle', import.meta.url), { recursive: true, force: true });

await build({
  absWorkingDir: root,
  // The signature pool's worker is its own entry: @kez/accel starts it as pool-worker.js beside
  // the chunk that holds the pool (new URL('./pool-worker.js', import.meta.url)).
  entryPoints: { kez: 'dist/bin.js', 'pool-worker': '../kez-accel/dist/pool-worker.js' },
  outdir: 'bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['sodium-native', 'bcrypto', '@bokuweb/zstd-wasm'],
  // CommonJS dependencies call require(); an ES module has none, so give the bundle one.
  banner: {
    js: "import { createRequire as __kezCreateRequire } from 'node:module'; const require = __kezCreateRequire(import.meta.url);",
  },
  minify: true,
  logLevel: 'warning',
});

#!/usr/bin/env node
// `npm run build` step after tsc: bundles the compiled CLI (dist/bin.js) into bundle/, one
// entry file plus the chunks its lazy imports load, so starting `kez` reads a few files instead
// of resolving and compiling hundreds of modules. Native addons and the zstd WASM (which finds
// its .wasm beside itself) stay external and load from node_modules as before.
import { readFile, rm } from 'node:fs/promises';
import { build } from 'esbuild';

// JSON data (tr46's 143 KB IDNA mapping table) as JSON.parse of a string, not a JS literal:
// V8 parses JSON text several times faster than the same object literal, at every start.
const jsonAsParse = {
  name: 'json-as-parse',
  setup(b) {
    b.onLoad({ filter: /\.json$/ }, async (args) => ({
      contents: `module.exports = JSON.parse(${JSON.stringify(JSON.stringify(JSON.parse(await readFile(args.path, 'utf8'))))});`,
      loader: 'js',
    }));
  },
};

const root = new URL('..', import.meta.url).pathname;
// Chunk names carry content hashes: clear out the last build's.
// commander requires node:child_process at load for executable subcommands, which kez has none
// of; loading it (and net, dgram, streams with it) costs every start. Its uses go through a
// proxy that loads the real module on first touch.
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer)
        ? { path: 'lazy-child-process', namespace: 'kez-lazy' }
        : undefined,
    );
    b.onLoad({ filter: /^lazy-child-process$/, namespace: 'kez-lazy' }, () => ({
      contents:
        "let m; module.exports = new Proxy({}, { get: (_, k) => (m ??= require('node:child_process'))[k] });",
      loader: 'js',
    }));
  },
};

// tr46 (UTS #46) parses its 240 KB mapping table when it is evaluated, and kez-core only calls
// it for a domain with non-ASCII code points. kez-core's import of it becomes a require() at the
// call, which esbuild bundles as the same module evaluated on first call instead of at start.
const lazyTr46 = {
  name: 'lazy-tr46',
  setup(b) {
    b.onResolve({ filter: /^tr46$/ }, (args) =>
      args.namespace === 'kez-lazy' ? undefined : { path: 'lazy-tr46', namespace: 'kez-lazy' },
    );
    b.onLoad({ filter: /^lazy-tr46$/, namespace: 'kez-lazy' }, () => ({
      contents: "export const toASCII = (...args) => require('tr46').toASCII(...args);",
      loader: 'js',
      resolveDir: root,
    }));
  },
};

await rm(new URL('../bundle', import.meta.url), { recursive: true, force: true });

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
  external: ['sodium-native', 'bcrypto', 'zstd-napi', '@bokuweb/zstd-wasm'],
  // CommonJS dependencies call require(); an ES module has none, so give the bundle one.
  banner: {
    js: "import { createRequire as __kezCreateRequire } from 'node:module'; const require = __kezCreateRequire(import.meta.url);",
  },
  minify: true,
  plugins: [jsonAsParse, lazyChildProcess, lazyTr46],
  logLevel: 'warning',
});

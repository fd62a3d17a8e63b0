#!/usr/bin/env node
// `npm run build` step after tsc: bundles the compiled CLI (dist/bin.js) into bundle/, one
// entry file plus the chunks its lazy imports load, so starting `kez` reads a few files instead
// of resolving and compiling hundreds of modules. Native addons and the zstd WASM (which finds
// its .wasm beside itself) stay external and load from node_modules as before.
import { copyFile, rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { build } from 'esbuild';

// JSON data (tr46's IDNA mapping table, 240 KB as a string) is not compiled into a chunk, where
// V8 would scan it at every start: each JSON file is copied beside the bundle and required
// (JSON.parse by Node) when the module that needs it first runs.
const jsonFiles = new Map();
const jsonBeside = {
  name: 'json-beside',
  setup(b) {
    b.onResolve({ filter: /^\.\/kez-data-.*\.json$/ }, (args) => ({
      path: args.path,
      external: true,
    }));
    b.onLoad({ filter: /\.json$/ }, (args) => {
      const name = `kez-data-${jsonFiles.size}-${basename(args.path)}`;
      jsonFiles.set(name, args.path);
      return { contents: `module.exports = require('./${name}');`, loader: 'js' };
    });
  },
};

const root = new URL('..', import.meta.url).pathname;
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

// Chunk names carry content hashes: clear out the last build's.
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
  plugins: [jsonBeside, lazyChildProcess, lazyTr46],
  logLevel: 'warning',
});
for (const [name, from] of jsonFiles)
  await copyFile(from, new URL(`../bundle/${name}`, import.meta.url));

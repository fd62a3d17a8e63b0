// Bundles a page for the browser with vite (rolldown): browser export conditions, no Node
// polyfills, and any import of a Node builtin is a build error rather than vite's silent stub.
import { builtinModules } from 'node:module';
import { build, type Plugin } from 'vite';

const NODE_BUILTINS = new Set(builtinModules);

export function refuseNodeBuiltins(): Plugin {
  return {
    name: 'kez-refuse-node-builtins',
    enforce: 'pre',
    resolveId(id, importer) {
      if (id.startsWith('node:') || NODE_BUILTINS.has(id)) {
        this.error(`${importer ?? 'the entry'} imports the Node builtin "${id}": not browser code`);
      }
      return null;
    },
  };
}

/** Builds root/index.html (and what it imports) into outDir; assets are files, never inlined. */
export async function bundlePage(
  root: string,
  outDir: string,
  cacheDir: string,
  opts: { quiet?: boolean } = {},
): Promise<void> {
  await build({
    configFile: false,
    envDir: false,
    root,
    base: './',
    cacheDir,
    logLevel: opts.quiet ? 'silent' : 'warn',
    plugins: [refuseNodeBuiltins()],
    build: {
      outDir,
      emptyOutDir: true,
      minify: false,
      target: 'es2022',
      assetsInlineLimit: 0,
      modulePreload: false,
      copyPublicDir: false,
      reportCompressedSize: false,
    },
  });
}

// Bundles a page for the browser with vite (rolldown): browser export conditions, no Node
// polyfills, and any import of a Node builtin is a build error (refuseNodeBuiltins).
import { refuseNodeBuiltins } from '@kez/test-kit/vite-plugins';
import { build } from 'vite';

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

// Vite plugins shared by the browser builds (kez-core's browser test page, kez-web's app).
import { builtinModules } from 'node:module';
import type { Plugin } from 'vite';

const NODE_BUILTINS = new Set(builtinModules);

/** Any import of a Node builtin is a build error, not vite's silent browser stub. */
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

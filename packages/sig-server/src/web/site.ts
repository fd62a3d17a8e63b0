// The built kez-web site (index.html and its hashed assets), read once into memory: a few
// hundred KiB, served without touching the disk per request.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';

export interface SiteFile {
  body: Buffer;
  type: string;
}

export interface Site {
  index: Buffer;
  /** File name under /assets/ → file (names carry a content hash, so they never change). */
  assets: Map<string, SiteFile>;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** The site @kez/web built (its dist/site), when no other directory is given. */
export function defaultSiteDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@kez/web/package.json')), 'dist', 'site');
}

export function loadSite(dir: string): Site {
  const index = readFileSync(join(dir, 'index.html'));
  const assets = new Map<string, SiteFile>();
  for (const name of readdirSync(join(dir, 'assets'))) {
    const type = TYPES[extname(name)];
    if (type) assets.set(name, { body: readFileSync(join(dir, 'assets', name)), type });
  }
  return { index, assets };
}

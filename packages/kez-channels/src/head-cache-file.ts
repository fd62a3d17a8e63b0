// The head cache kept on disk (Node): the CLI's memory of the heads it accepted.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { HeadCache, SeenHead } from './head-cache.js';

/** A JSON file (KEZ_HOME/heads.json), written atomically. */
export function fileHeadCache(path: string): HeadCache {
  async function load(): Promise<Record<string, SeenHead>> {
    try {
      const v = JSON.parse(await readFile(path, 'utf8')) as unknown;
      return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, SeenHead>) : {};
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') return {};
      throw e;
    }
  }
  return {
    async get(identity) {
      const h = (await load())[identity];
      return h && typeof h.seq === 'number' && typeof h.hash === 'string'
        ? { seq: h.seq, hash: h.hash }
        : undefined;
    },
    async put(identity, head) {
      const all = await load();
      all[identity] = { seq: head.seq, hash: head.hash };
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, `${JSON.stringify(all, null, 1)}\n`, { mode: 0o600 });
      await rename(tmp, path);
    },
  };
}

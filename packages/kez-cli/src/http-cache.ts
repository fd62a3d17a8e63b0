// The ETag cache behind the channels' conditional requests (GitHub: an authorized 304 does not
// count against the hourly limit): one JSON file in KEZ_HOME, 0600, bounded in entries and
// bytes, the least recently stored dropped first. A damaged file is an empty cache: it only
// ever saves requests, so losing it costs nothing but those.
import { readFileSync } from 'node:fs';
import type { HttpCache } from '@kez/channels';
import { writeFileAtomic } from './fs-safe.js';

const MAX_ENTRIES = 64;
const MAX_ENTRY_BYTES = 256 << 10;
const MAX_FILE_BYTES = 2 << 20;

type Entry = { url: string; etag: string; body: string };

export interface FileHttpCache extends HttpCache {
  /** Writes the cache back if anything was stored. */
  save(): void;
}

export function fileHttpCache(path: string): FileHttpCache {
  let entries: Entry[] | undefined;
  let dirty = false;
  const load = (): Entry[] => {
    if (entries) return entries;
    try {
      const text = readFileSync(path, 'utf8');
      const doc = text.length <= MAX_FILE_BYTES ? (JSON.parse(text) as unknown) : [];
      entries = (Array.isArray(doc) ? doc : []).filter(
        (e): e is Entry =>
          typeof e?.url === 'string' && typeof e.etag === 'string' && typeof e.body === 'string',
      );
    } catch {
      entries = [];
    }
    return entries;
  };
  return {
    get(url) {
      const e = load().find((x) => x.url === url);
      return e && { etag: e.etag, body: e.body };
    },
    set(url, { etag, body }) {
      if (Buffer.byteLength(body) > MAX_ENTRY_BYTES) return;
      const kept = load().filter((x) => x.url !== url);
      kept.push({ url, etag, body });
      let bytes = kept.reduce((n, x) => n + Buffer.byteLength(x.body) + x.url.length, 0);
      while (kept.length > MAX_ENTRIES || bytes > MAX_FILE_BYTES) {
        const dropped = kept.shift()!;
        bytes -= Buffer.byteLength(dropped.body) + dropped.url.length;
      }
      entries = kept;
      dirty = true;
    },
    save() {
      if (dirty && entries) writeFileAtomic(path, JSON.stringify(entries), { overwrite: true });
      dirty = false;
    },
  };
}

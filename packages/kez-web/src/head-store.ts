// The heads this browser accepted before (SPEC §6.7), kept in localStorage so a later visit
// sees a rollback or fork; in memory where storage is unavailable. No cookies.
import { memoryHeadCache, type HeadCache, type SeenHead } from '@kez/channels/browser';

const PREFIX = 'kez-head:';

export function browserHeadCache(): HeadCache {
  let storage: Storage;
  try {
    storage = window.localStorage;
    storage.getItem(PREFIX);
  } catch {
    return memoryHeadCache();
  }
  return {
    async get(identity) {
      try {
        const v = JSON.parse(storage.getItem(PREFIX + identity) ?? 'null') as SeenHead | null;
        return v && typeof v.seq === 'number' && typeof v.hash === 'string'
          ? { seq: v.seq, hash: v.hash }
          : undefined;
      } catch {
        return undefined;
      }
    },
    async put(identity, head) {
      try {
        storage.setItem(PREFIX + identity, JSON.stringify({ seq: head.seq, hash: head.hash }));
      } catch {
        /* storage full or refused: this visit still verified */
      }
    },
  };
}

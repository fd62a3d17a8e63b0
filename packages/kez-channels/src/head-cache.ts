// The last chain head accepted per identity (SPEC §6.7), so a later rollback or fork is seen.
// The interface and the in-memory cache (browser-safe); the file cache is head-cache-file.ts.
export interface SeenHead {
  seq: number;
  hash: string;
}

export interface HeadCache {
  get(identity: string): Promise<SeenHead | undefined>;
  put(identity: string, head: SeenHead): Promise<void>;
}

export function memoryHeadCache(): HeadCache {
  const m = new Map<string, SeenHead>();
  return { get: async (id) => m.get(id), put: async (id, h) => void m.set(id, h) };
}

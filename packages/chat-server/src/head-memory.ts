// SPEC §6.7: the last chain head accepted per identity, so a sig-server that later serves a
// shorter or different history (withholding a revocation) is noticed. The service keeps it in
// JetStream (head-store.ts), shared by replicas and kept across restarts; this in-memory
// version is for a single process and for tests. Bounded: the least recently used go first.
import type { SeenHead as Head } from '@kez/channels';
import { BoundedCache } from '@kez/core';

/** A chain head (seq, hash), as @kez/channels' verifier remembers it too. */
export type { Head };

export interface HeadStore {
  get(identity: string): Promise<Head | undefined>;
  /** Keeps the highest head seen; a lower one is ignored. */
  remember(identity: string, head: Head): Promise<void>;
}

export class HeadMemory implements HeadStore {
  private readonly heads: BoundedCache<string, Head>;
  constructor(maxEntries = 100_000) {
    this.heads = new BoundedCache(maxEntries);
  }

  async get(identity: string): Promise<Head | undefined> {
    return this.heads.get(identity);
  }

  async remember(identity: string, head: Head): Promise<void> {
    const prev = this.heads.get(identity);
    if (prev && prev.seq > head.seq) return;
    this.heads.set(identity, { seq: head.seq, hash: head.hash });
  }
}

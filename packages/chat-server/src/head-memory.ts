// SPEC §6.7: the last chain head accepted per identity, so a sig-server that later serves a
// shorter or different history (withholding a revocation) is noticed. The service keeps it in
// JetStream (head-store.ts), shared by replicas and kept across restarts; this in-memory
// version is for a single process and for tests. Bounded: the oldest entries go first.
export interface Head {
  seq: number;
  hash: string;
}

export interface HeadStore {
  get(identity: string): Promise<Head | undefined>;
  /** Keeps the highest head seen; a lower one is ignored. */
  remember(identity: string, head: Head): Promise<void>;
}

export class HeadMemory implements HeadStore {
  private readonly heads = new Map<string, Head>();
  constructor(private readonly maxEntries = 100_000) {}

  async get(identity: string): Promise<Head | undefined> {
    return this.heads.get(identity);
  }

  async remember(identity: string, head: Head): Promise<void> {
    const prev = this.heads.get(identity);
    if (prev && prev.seq > head.seq) return;
    this.heads.delete(identity); // re-insert: most recent last
    this.heads.set(identity, { seq: head.seq, hash: head.hash });
    if (this.heads.size > this.maxEntries) {
      const oldest = this.heads.keys().next().value;
      if (oldest !== undefined) this.heads.delete(oldest);
    }
  }
}

// SPEC §6.7: the last chain head accepted per identity, so a sig-server that later serves a
// shorter or different history (withholding a revocation) is noticed. Bounded: the oldest
// entries are forgotten first.
export interface Head {
  seq: number;
  hash: string;
}

export class HeadMemory {
  private readonly heads = new Map<string, Head>();
  constructor(private readonly maxEntries = 100_000) {}

  get(identity: string): Head | undefined {
    return this.heads.get(identity);
  }

  remember(identity: string, head: Head): void {
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

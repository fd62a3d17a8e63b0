// Single use of login assertions (SPEC §7): a nonce is remembered until its assertion expires.
// Memory is bounded: when full, the service refuses new logins instead of forgetting nonces
// early (forgetting would reopen a replay window).
export class NonceCache {
  private readonly seen = new Map<string, number>(); // nonce → expires_at (unix s)
  constructor(private readonly maxEntries = 200_000) {}

  has(nonce: string, now: number): boolean {
    const exp = this.seen.get(nonce);
    return exp !== undefined && exp > now;
  }

  /** Records the nonce; false if it was already used or the cache is full. Synchronous, so
   *  check-and-set is atomic on the event loop even with many logins in flight. */
  use(nonce: string, expiresAt: number, now: number): boolean {
    if (this.has(nonce, now)) return false;
    if (this.seen.size >= this.maxEntries) this.prune(now);
    if (this.seen.size >= this.maxEntries) return false;
    this.seen.set(nonce, expiresAt);
    return true;
  }

  prune(now: number): void {
    for (const [nonce, exp] of this.seen) if (exp <= now) this.seen.delete(nonce);
  }

  get size(): number {
    return this.seen.size;
  }
}

// Single use of login assertions (SPEC §7): a nonce is remembered until its assertion expires.
// Two tiers, both bounded:
// - used: nonces of admitted logins. When full, the service refuses new logins instead of
//   forgetting them early (forgetting would reopen a replay window).
// - tried: nonces of logins refused or still being checked, so a replayed token costs one
//   check, not one sig-server read per replay. When full, the oldest is forgotten: a
//   forgotten refused nonce costs one more check, never an admission (`use` still decides).
import { BoundedCache } from '@kez/core';

export class NonceCache {
  private readonly used = new Map<string, number>(); // nonce → expires_at (unix s)
  private readonly tried: BoundedCache<string, number>;
  constructor(
    private readonly maxEntries = 200_000,
    maxTried = 200_000,
  ) {
    this.tried = new BoundedCache(maxTried);
  }

  has(nonce: string, now: number): boolean {
    const exp = this.used.get(nonce) ?? this.tried.get(nonce);
    return exp !== undefined && exp > now;
  }

  /** Marks a nonce as seen (refused or in flight); false if it was seen before. */
  try(nonce: string, expiresAt: number, now: number): boolean {
    if (this.has(nonce, now)) return false;
    this.tried.set(nonce, expiresAt);
    return true;
  }

  /** Records the nonce of an admitted login; false if it was already used or the cache is full.
   *  Synchronous, so check-and-set is atomic on the event loop even with many logins in flight. */
  use(nonce: string, expiresAt: number, now: number): boolean {
    const used = this.used.get(nonce);
    if (used !== undefined && used > now) return false;
    if (this.used.size >= this.maxEntries) this.prune(now);
    if (this.used.size >= this.maxEntries) return false;
    this.tried.delete(nonce);
    this.used.set(nonce, expiresAt);
    return true;
  }

  prune(now: number): void {
    for (const [nonce, exp] of this.used) if (exp <= now) this.used.delete(nonce);
  }

  get size(): number {
    return this.used.size;
  }
}

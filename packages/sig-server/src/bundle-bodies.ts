import { BoundedCache } from '@kez/core';
import { LIMITS } from './limits.js';

/**
 * Response bodies of whole-chain reads (`since` 0, one page), keyed by chain and checked
 * against the head hash they end at. Events are append-only between reorganizations and a
 * reorganization moves the head, so a body whose head is still the chain's head is exactly
 * what the store would give again; any other head is a miss.
 */
export class BundleBodies {
  private readonly bodies = new BoundedCache<string, { head: string; body: string }>(
    LIMITS.bundleBodies,
    { maxWeight: LIMITS.bundleBodyBytes, weigh: (e) => e.body.length },
  );

  get(identity: string, head: string): string | undefined {
    const hit = this.bodies.get(identity);
    return hit?.head === head ? hit.body : undefined;
  }

  set(identity: string, head: string, body: string): void {
    if (body.length <= LIMITS.bundleBodyBytes / 8) this.bodies.set(identity, { head, body });
  }
}

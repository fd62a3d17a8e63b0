import { objectHash, resolveChain, type ChainEvent, type ChainState } from '@kez/core';

/**
 * SPEC §6.8 for one rival `c` against the main event `m` at its seq (state `S` before both),
 * when `c` has no stored continuation, so its path is `c` alone. Necessary for `c` to win, and
 * cheap: only then is the whole chain resolved. Unless `c` rotates (commitment) or revokes a
 * device (retiring `m`'s signer), its key is at most `m`'s on commitment and retirement, so it
 * can win only on the signer: signed by the primary against a device-signed `m`.
 */
export function mayOutrank(S: ChainState, m: ChainEvent, c: ChainEvent): boolean {
  return (
    c.op === 'rotate' || c.op === 'revoke_device' || (c.key === S.primary && m.key !== S.primary)
  );
}

/**
 * Whether `rival` takes its seq from the main line `main` (genesis to head, all applied), by
 * @kez/core's resolution of the tree they form. A tie is a fork: the main line stays.
 */
export function rivalWins(main: readonly ChainEvent[], rival: ChainEvent, now: number): boolean {
  const resolved = resolveChain([...main, rival], { now });
  const at = resolved.events[rival.seq];
  return resolved.status === 'valid' && at !== undefined && objectHash(at) === objectHash(rival);
}

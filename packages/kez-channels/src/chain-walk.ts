// SPEC §10 junk rule: from an open bulletin board (a relay), keep only what extends the
// identity's chain from genesis. Junk — what anyone could have made — is ignored; an event only
// the identity's key holders could have made that fails a rule (a `future` revoke, say) is kept,
// so the verifier reports its code instead of silently folding a shorter chain.
import {
  createFolder,
  identityIdOf,
  isKezError,
  objectHash,
  verifyObject,
  type Candidate,
  type ChainEvent,
  type ChainState,
  type SignedObject,
} from '@kez/core';

/** A time no signed object is "in the future" of: checks signature and structure, not the clock. */
export const END_OF_TIME = Number.MAX_SAFE_INTEGER;

/**
 * Whether `event` links to the chain so far and is signed by a key the state lets act — the
 * clock and the op's own rules aside. Such an event is the identity's, not junk.
 */
function authentic(state: ChainState | null, identity: string, event: ChainEvent): boolean {
  try {
    if (state === null)
      return identityIdOf(createFolder().check(event, END_OF_TIME).hash) === identity;
    if (event.seq !== state.head.seq + 1 || event.prev !== state.head.hash) return false;
    if (event.identity !== identity) return false;
    if (event.key !== state.primary && !state.devices.has(event.key)) return false;
    return verifyObject(event, { now: END_OF_TIME }).status === 'valid';
  } catch (e) {
    if (isKezError(e)) return false;
    throw e;
  }
}

/**
 * Whether a parsed object can be one of the identity's chain events before the chain is
 * known: its genesis (the identity is its hash), or an event naming the identity whose
 * signature verifies (the clock aside). Lets readers drop most junk the moment it arrives.
 */
export function plausibleEvent(object: SignedObject, identity: string): boolean {
  if (object.type !== 'event') return false;
  if (object.seq === 0) return authentic(null, identity, object);
  return (
    object.identity === identity && verifyObject(object, { now: END_OF_TIME }).status === 'valid'
  );
}

/**
 * The events that extend the identity's chain from genesis at `now`, seq by seq. The walk
 * stops at a seq where two events apply (both kept: fork evidence) or where an authentic event
 * fails (kept: verifyChain reports its code).
 */
export function chainFrom(identity: string, events: ChainEvent[], now: number): ChainEvent[] {
  const bySeq = new Map<number, Map<string, ChainEvent>>();
  for (const e of events) {
    let hash: string;
    try {
      hash = objectHash(e);
    } catch (err) {
      if (isKezError(err)) continue;
      throw err;
    }
    const at = bySeq.get(e.seq) ?? new Map<string, ChainEvent>();
    at.set(hash, e);
    bySeq.set(e.seq, at);
  }
  const kept: ChainEvent[] = [];
  // One folder for the walk: each seq's events are checked (no copy), the one that extends is
  // committed in place, so the walk is linear in the chain's length.
  const folder = createFolder();
  for (let seq = 0; bySeq.has(seq); seq++) {
    const extending: Candidate[] = [];
    const failing: ChainEvent[] = [];
    for (const event of bySeq.get(seq)!.values()) {
      try {
        const candidate = folder.check(event, now);
        if (seq > 0 || identityIdOf(candidate.hash) === identity) extending.push(candidate);
      } catch (e) {
        if (!isKezError(e)) throw e;
        if (authentic(folder.state, identity, event)) failing.push(event);
      }
    }
    kept.push(...extending.map((c) => c.event), ...failing);
    if (extending.length !== 1 || failing.length > 0) break;
    folder.commit(extending[0]!);
  }
  return kept;
}

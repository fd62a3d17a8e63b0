// Folding a sigchain (SPEC §6.2–§6.4): events are checked against the current state, then
// applied to it in place, so a chain of n events costs n checks and no copies of the state.
import { fail } from './errors.js';
import type { ChainEvent } from './objects.js';
import { cloneChainState, type ChainState } from './chain-state.js';
import { checkEvent, type Change, type Transition } from './chain-rules.js';
import type { SignatureKind } from './signature-results.js';

/** An event checked against a folder's state and not yet applied. */
export interface Candidate {
  readonly event: ChainEvent;
  readonly hash: string;
}

/** Vouches for one kind of signature of the event with a given hash (signature-results.ts). */
export type Vouch = (hash: string, kind: SignatureKind) => boolean;

export interface ChainFolder {
  /** The state folded so far (null before genesis). Live: later commits change this object. */
  readonly state: ChainState | null;
  /**
   * Checks `value` against the current state with every rule of SPEC §6; mutates nothing.
   * Several candidates may be checked at one head (a fork shows as two that pass).
   * Throws KezError. `verified` may vouch for signatures checked elsewhere (checkEvent).
   */
  check(value: unknown, now: number, verified?: Vouch): Candidate;
  /** Applies a candidate this folder checked at its current head; anything else is bad_link. */
  commit(candidate: Candidate): ChainState;
  /** check, then commit. */
  apply(value: unknown, now: number, verified?: Vouch): ChainState;
  /** A new folder at a copy of this state (a fork point: each branch folds on its own). */
  branch(): ChainFolder;
}

/** The one place a state changes. */
function fold(state: ChainState | null, t: Transition): ChainState {
  const c: Change = t.change;
  if (c.op === 'init') {
    return {
      identity: c.identity,
      primary: c.primary,
      ...(c.next === undefined ? {} : { next: c.next }),
      devices: new Map(),
      revokedDevices: new Set(),
      usedKeys: new Set([c.primary]),
      retirements: [],
      claims: new Map(),
      head: t.head,
    };
  }
  const s = state!;
  switch (c.op) {
    case 'add':
      s.claims.set(c.claimHash, { claim: c.claim, seq: t.head.seq });
      break;
    case 'revoke':
      // A new entry object: one handed out earlier (or shared with a clone) stays as it was.
      s.claims.set(c.claimHash, { ...s.claims.get(c.claimHash)!, revoked: c.revoked });
      break;
    case 'rotate':
      s.primary = c.primary;
      s.usedKeys.add(c.primary);
      if (c.next === undefined) delete s.next;
      else s.next = c.next;
      for (const d of c.revokedDevices) {
        s.devices.delete(d);
        s.revokedDevices.add(d);
      }
      s.retirements.push(...c.retirements);
      break;
    case 'add_device':
      s.devices.set(c.device, c.entry);
      s.usedKeys.add(c.device);
      break;
    case 'revoke_device':
      s.devices.delete(c.device);
      s.revokedDevices.add(c.device);
      s.retirements.push(c.retirement);
      break;
  }
  s.head = t.head;
  return s;
}

interface Pending {
  folder: Folder;
  /** The head hash the candidate was checked at (null: before genesis). */
  basis: string | null;
  transition: Transition;
}
// Only candidates made by check() can be committed: a hand-made object has no entry here.
const pending = new WeakMap<Candidate, Pending>();

class Folder implements ChainFolder {
  #state: ChainState | null;

  constructor(start: ChainState | null) {
    this.#state = start;
  }

  get state(): ChainState | null {
    return this.#state;
  }

  check(value: unknown, now: number, verified?: Vouch): Candidate {
    const transition = checkEvent(this.#state, value, now, verified);
    const candidate: Candidate = Object.freeze({
      event: transition.event,
      hash: transition.hash,
    });
    pending.set(candidate, {
      folder: this,
      basis: this.#state?.head.hash ?? null,
      transition,
    });
    return candidate;
  }

  commit(candidate: Candidate): ChainState {
    const p = pending.get(candidate);
    if (!p || p.folder !== this) fail('bad_link', 'the event was not checked by this folder');
    if (p.basis !== (this.#state?.head.hash ?? null))
      fail('bad_link', 'the chain moved on since the event was checked', { hash: candidate.hash });
    pending.delete(candidate);
    this.#state = fold(this.#state, p.transition);
    return this.#state;
  }

  apply(value: unknown, now: number, verified?: Vouch): ChainState {
    return this.commit(this.check(value, now, verified));
  }

  branch(): ChainFolder {
    return new Folder(this.#state && cloneChainState(this.#state));
  }
}

/**
 * A folder that extends `start` (null: a chain from its genesis) IN PLACE: `start` becomes the
 * folded state. To keep a state unchanged, start from cloneChainState(state).
 */
export function createFolder(start: ChainState | null = null): ChainFolder {
  return new Folder(start);
}

/**
 * Checks and applies one event; returns a new state (the input is not modified). Throws
 * KezError. Each call copies the state, so folding n events this way costs O(n²): callers that
 * fold many events should hold one folder instead — sig-server `chain-states.ts` (the replay
 * in its cache miss path), kez-channels `nostr-chain.ts` (narrowing relay events) and the
 * test chain builders.
 */
export function applyEvent(
  state: ChainState | null,
  event: ChainEvent,
  opts: { now: number },
): ChainState {
  return createFolder(state && cloneChainState(state)).apply(event, opts.now);
}

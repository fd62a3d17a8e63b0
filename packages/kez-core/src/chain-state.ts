// The sigchain state machine (SPEC §6.2–§6.4): check an event against a state, then fold it in.
import { fail, KezError } from './errors.js';
import { commitment } from './keys.js';
import { parseObject, type ChainEvent, type Claim } from './objects.js';
import { checkSignature, reverseSigningInput, verifySignedObject } from './signing.js';

export interface ClaimEntry {
  claim: Claim;
  seq: number;
  revoked?: { seq: number; reason?: string };
}
export interface ChainState {
  identity: string;
  primary: string;
  next?: string;
  devices: Map<string, { name?: string; seq: number }>;
  revokedDevices: Set<string>;
  claims: Map<string, ClaimEntry>;
  head: { seq: number; hash: string; created_at: number };
}

const IDENTITY_PREFIX = 'kez:id:';

function cloneState(s: ChainState): ChainState {
  const claims = new Map<string, ClaimEntry>();
  for (const [h, e] of s.claims)
    claims.set(h, { ...e, ...(e.revoked ? { revoked: { ...e.revoked } } : {}) });
  const devices = new Map<string, { name?: string; seq: number }>();
  for (const [k, d] of s.devices) devices.set(k, { ...d });
  return { ...s, devices, revokedDevices: new Set(s.revokedDevices), claims, head: { ...s.head } };
}

function canAct(state: ChainState, key: string): boolean {
  return key === state.primary || state.devices.has(key);
}

function checkReverse(keyId: string, event: ChainEvent): void {
  try {
    checkSignature(
      keyId,
      reverseSigningInput(event as unknown as Record<string, unknown>),
      (event.body as { reverse: string }).reverse,
    );
  } catch (err) {
    if (err instanceof KezError && err.code === 'bad_signature')
      fail('bad_reverse', `reverse signature by ${keyId} does not verify`);
    throw err;
  }
}

/**
 * Checks `event` against `state` (null before genesis) with every rule of SPEC §6 and returns
 * a function that applies it to that state in place. Nothing is mutated until it is called,
 * so several candidates at one seq can be checked against the same state (fork detection).
 */
export function checkEvent(
  state: ChainState | null,
  value: unknown,
  now: number,
): { event: ChainEvent; hash: string; commit(s: ChainState | null): ChainState } {
  const parsed = parseObject(value);
  if (parsed.type !== 'event') fail('malformed', 'not a sigchain event');
  const verified = verifySignedObject(parsed, now);
  const event = verified.object as ChainEvent;
  const hash = verified.hash;
  const body = event.body;

  if (state === null) {
    if (event.seq !== 0) fail('bad_link', 'the chain must start at seq 0');
    const genesis: ChainState = {
      identity: IDENTITY_PREFIX + hash,
      primary: event.key,
      devices: new Map(),
      revokedDevices: new Set(),
      claims: new Map(),
      head: { seq: 0, hash, created_at: event.created_at },
    };
    if (typeof body.next === 'string') genesis.next = body.next;
    return { event, hash, commit: () => genesis };
  }

  if (event.seq === 0) fail('bad_link', 'a second genesis event');
  if (event.identity !== state.identity)
    fail('bad_link', 'event identity is not the chain identity', { identity: event.identity });
  if (event.seq !== state.head.seq + 1)
    fail('bad_link', `expected seq ${state.head.seq + 1}`, { seq: event.seq });
  if (event.prev !== state.head.hash)
    fail('bad_link', 'prev is not the hash of the previous event', { prev: event.prev });
  if (event.created_at < state.head.created_at) fail('bad_link', 'created_at goes backwards');
  const primaryOnly =
    event.op === 'rotate' || event.op === 'add_device' || event.op === 'revoke_device';
  if (primaryOnly ? event.key !== state.primary : !canAct(state, event.key)) {
    fail('not_authorized', `${event.key} may not sign ${event.op}`, { key: event.key });
  }

  const head = { seq: event.seq, hash, created_at: event.created_at };
  let apply: (s: ChainState) => void;
  switch (event.op) {
    case 'add': {
      const vc = verifySignedObject(body.claim, now);
      const claim = vc.object as Claim;
      if (claim.type !== 'claim') fail('bad_claim', 'add carries a claim');
      if (
        claim.identity !== state.identity ||
        claim.seq !== event.seq ||
        claim.key !== event.key ||
        claim.created_at > event.created_at
      ) {
        fail('bad_claim', 'claim identity, seq, key or created_at does not match its add event');
      }
      const ch = vc.hash;
      if (state.claims.has(ch)) fail('bad_claim', 'claim already in the chain', { claim: ch });
      apply = (s) => {
        s.claims.set(ch, { claim, seq: event.seq });
      };
      break;
    }
    case 'revoke': {
      const ch = body.claim as string;
      const entry = state.claims.get(ch);
      if (!entry || entry.revoked)
        fail('bad_claim', 'revoke names no active claim of this chain', { claim: ch });
      const revoked: { seq: number; reason?: string } = { seq: event.seq };
      if (typeof body.reason === 'string') revoked.reason = body.reason;
      apply = (s) => {
        s.claims.set(ch, { ...s.claims.get(ch)!, revoked });
      };
      break;
    }
    case 'rotate': {
      const nk = body.new_key as string;
      if (nk === state.primary || state.devices.has(nk) || state.revokedDevices.has(nk))
        fail('bad_key', 'new_key is the primary or a device key', { key: nk });
      if (state.next !== undefined && commitment(nk) !== state.next) {
        fail('precommit_mismatch', 'new_key does not match the pre-rotation commitment', {
          next: state.next,
        });
      }
      checkReverse(nk, event);
      apply = (s) => {
        s.primary = nk;
        if (typeof body.next === 'string') s.next = body.next;
        else delete s.next;
      };
      break;
    }
    case 'add_device': {
      const dk = body.device as string;
      if (dk === state.primary || state.devices.has(dk) || state.revokedDevices.has(dk))
        fail('bad_key', 'device is the primary, active or revoked', { key: dk });
      checkReverse(dk, event);
      const dev: { name?: string; seq: number } = { seq: event.seq };
      if (typeof body.name === 'string') dev.name = body.name;
      apply = (s) => {
        s.devices.set(dk, dev);
      };
      break;
    }
    case 'revoke_device': {
      const dk = body.device as string;
      if (!state.devices.has(dk)) fail('bad_key', 'not an active device', { key: dk });
      apply = (s) => {
        s.devices.delete(dk);
        s.revokedDevices.add(dk);
      };
      break;
    }
    default:
      return fail('malformed', 'init only at seq 0');
  }
  return {
    event,
    hash,
    commit: (s) => {
      const target = s ?? state;
      apply(target);
      target.head = head;
      return target;
    },
  };
}

/** Checks and applies one event; returns a new state (the input is not modified). Throws KezError. */
export function applyEvent(
  state: ChainState | null,
  event: ChainEvent,
  opts: { now: number },
): ChainState {
  const { commit } = checkEvent(state, event, opts.now);
  return commit(state ? cloneState(state) : null);
}

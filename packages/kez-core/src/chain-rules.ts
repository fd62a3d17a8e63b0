// The sigchain rules (SPEC §6.2–§6.4): may this event extend this state, and what does it
// change? The state is only read; the change comes back as data, applied by chain-folder.ts.
import { fail, isKezError } from './errors.js';
import { commitment } from './keys.js';
import { identityIdOf } from './identity-id.js';
import { parseObject, type ChainEvent, type Claim, type DeviceRequest } from './objects.js';
import { checkSignature, reverseSigningInput, verifySignedObject } from './signing.js';
import type { SignatureKind } from './signature-results.js';
import type { Vouch } from './chain-folder.js';
import type { ChainState, DeviceEntry, Retirement } from './chain-state.js';
import { requestMismatch } from './device-request.js';
import { FUTURE_SKEW } from './limits.js';

/** What one accepted event does to the state, besides moving the head. */
export type Change =
  | { op: 'init'; identity: string; primary: string; next?: string }
  | { op: 'add'; claimHash: string; claim: Claim }
  | { op: 'revoke'; claimHash: string; revoked: { seq: number; reason?: string } }
  | {
      op: 'rotate';
      primary: string;
      next?: string;
      retirements: Retirement[];
      /** Devices a compromise declaration revokes (SPEC §6.2). */
      revokedDevices: string[];
    }
  | { op: 'add_device'; device: string; entry: DeviceEntry }
  | { op: 'revoke_device'; device: string; retirement: Retirement };

export interface Transition {
  event: ChainEvent;
  hash: string;
  change: Change;
  head: ChainState['head'];
}

/** Vouches for one kind of signature of the event being checked (signature-results.ts). */
type Verified = (kind: SignatureKind) => boolean;

function canAct(state: ChainState, key: string): boolean {
  return key === state.primary || state.devices.has(key);
}

/** SPEC §6.3: a rotate signed by its new_key is the recovery form (v0.3 only, checked in
 * objects.ts with the rest of the structure). */
export const isRecovery = (event: ChainEvent): boolean =>
  event.op === 'rotate' && event.key === event.body.new_key;

/** SPEC §6.4: the key that signs an event's reverse — the key it grants. */
const grantee = (event: ChainEvent): string =>
  (event.op === 'rotate' ? event.body.new_key : event.body.device) as string;

/** The reverse signature alone (rotate, add_device without request). Throws bad_signature. */
export function checkReverseSignature(event: ChainEvent): void {
  checkSignature(
    grantee(event),
    reverseSigningInput(event as unknown as Record<string, unknown>),
    (event.body as { reverse: string }).reverse,
  );
}

function checkReverse(event: ChainEvent, verified: Verified | undefined): void {
  if (verified?.('reverse')) return;
  try {
    checkReverseSignature(event);
  } catch (err) {
    if (isKezError(err) && err.code === 'bad_signature')
      fail('bad_reverse', `reverse signature by ${grantee(event)} does not verify`, {}, err);
    throw err;
  }
}

/** The genesis rules: seq 0 starts a chain whose identity is its own hash (SPEC §2.4). */
function genesisChange(event: ChainEvent, hash: string): Change {
  if (event.seq !== 0) fail('bad_link', 'the chain must start at seq 0');
  const next = event.body.next;
  return {
    op: 'init',
    identity: identityIdOf(hash),
    primary: event.key,
    ...(typeof next === 'string' ? { next } : {}),
  };
}

/** Link and authority (SPEC §6.2): the event extends this head and its key may sign its op. */
function checkLink(state: ChainState, event: ChainEvent): void {
  if (event.seq === 0) fail('bad_link', 'a second genesis event');
  if (event.identity !== state.identity)
    fail('bad_link', 'event identity is not the chain identity', { identity: event.identity });
  if (event.seq !== state.head.seq + 1)
    fail('bad_link', `expected seq ${state.head.seq + 1}`, { seq: event.seq });
  if (event.prev !== state.head.hash)
    fail('bad_link', 'prev is not the hash of the previous event', { prev: event.prev });
  if (event.created_at < state.head.created_at) fail('bad_link', 'created_at goes backwards');
  const refuse = () =>
    fail('not_authorized', `${event.key} may not sign ${event.op}`, { key: event.key });
  switch (event.op) {
    case 'add':
    case 'revoke':
      if (!canAct(state, event.key)) refuse();
      break;
    case 'rotate':
      if (event.key === state.primary) {
        if (!Object.hasOwn(event.body, 'reverse'))
          fail('malformed', 'an ordinary rotation carries reverse');
      } else if (!isRecovery(event) || state.next === undefined) refuse();
      break;
    default:
      if (event.key !== state.primary) refuse();
  }
}

/** SPEC §6.2 table, rotate rows: what a rotation away from `state.primary` retires. */
function rotationRetirements(
  state: ChainState,
  event: ChainEvent,
): { retirements: Retirement[]; revokedDevices: string[] } {
  const old = state.primary;
  if (event.kez === '0.2')
    return {
      retirements: [{ key: old, since: 0, code: 'key_rotated', seq: event.seq }],
      revokedDevices: [],
    };
  const n = event.body.compromised_since as number | undefined;
  if (n === undefined) return { retirements: [], revokedDevices: [] };
  // Devices the compromised key added from N on may be the thief's: each is revoked from its
  // own add seq (sorted, so the order of the retirements is the same everywhere).
  const revokedDevices = [...state.devices]
    .filter(([, d]) => d.seq >= n && d.addedBy === old)
    .map(([k]) => k)
    .sort();
  return {
    retirements: [
      { key: old, since: n, code: 'key_compromised', seq: event.seq },
      ...revokedDevices.map(
        (k): Retirement => ({
          key: k,
          since: state.devices.get(k)!.seq,
          code: 'key_compromised',
          seq: event.seq,
        }),
      ),
    ],
    revokedDevices,
  };
}

/** SPEC §6.3, add_device with a request (§6.9): every failure is bad_reverse. */
function checkRequest(
  state: ChainState,
  event: ChainEvent,
  now: number,
  verified: Verified | undefined,
): void {
  let request: DeviceRequest;
  try {
    request = verifySignedObject(
      event.body.request,
      now,
      FUTURE_SKEW,
      verified && (() => verified('request')),
    ).object as DeviceRequest;
  } catch (err) {
    if (isKezError(err) && (err.code === 'bad_signature' || err.code === 'future'))
      fail('bad_reverse', `the device request does not verify: ${err.message}`, {}, err);
    throw err;
  }
  const mismatch = requestMismatch(request, {
    identity: state.identity,
    device: event.body.device as string,
    name: event.body.name as string | undefined,
    at: event.created_at,
  });
  if (mismatch) fail('bad_reverse', `the device request does not fit: ${mismatch.reason}`);
}

/** The op's own rules (SPEC §6.3, §6.4) against a state the event already links onto. */
function opChange(
  state: ChainState,
  event: ChainEvent,
  now: number,
  verified: Verified | undefined,
): Change {
  const body = event.body;
  switch (event.op) {
    case 'add': {
      const vc = verifySignedObject(
        body.claim,
        now,
        FUTURE_SKEW,
        verified && (() => verified('claim')),
      );
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
      if (state.claims.has(vc.hash))
        fail('bad_claim', 'claim already in the chain', { claim: vc.hash });
      return { op: 'add', claimHash: vc.hash, claim };
    }
    case 'revoke': {
      const ch = body.claim as string;
      const entry = state.claims.get(ch);
      if (!entry || entry.revoked)
        fail('bad_claim', 'revoke names no active claim of this chain', { claim: ch });
      const revoked: { seq: number; reason?: string } = { seq: event.seq };
      if (typeof body.reason === 'string') revoked.reason = body.reason;
      return { op: 'revoke', claimHash: ch, revoked };
    }
    case 'rotate': {
      const nk = body.new_key as string;
      if (state.usedKeys.has(nk))
        fail('bad_key', 'new_key was already the primary or a device', { key: nk });
      if (state.next !== undefined && commitment(nk) !== state.next) {
        fail('precommit_mismatch', 'new_key does not match the pre-rotation commitment', {
          next: state.next,
        });
      }
      if (!isRecovery(event)) checkReverse(event, verified);
      return {
        op: 'rotate',
        primary: nk,
        ...(typeof body.next === 'string' ? { next: body.next } : {}),
        ...rotationRetirements(state, event),
      };
    }
    case 'add_device': {
      const dk = body.device as string;
      if (state.usedKeys.has(dk))
        fail('bad_key', 'device was already the primary or a device', { key: dk });
      if (Object.hasOwn(body, 'request')) checkRequest(state, event, now, verified);
      else checkReverse(event, verified);
      const entry: DeviceEntry = { seq: event.seq, addedBy: event.key };
      if (typeof body.name === 'string') entry.name = body.name;
      return { op: 'add_device', device: dk, entry };
    }
    case 'revoke_device': {
      const dk = body.device as string;
      if (!state.devices.has(dk)) fail('bad_key', 'not an active device', { key: dk });
      // SPEC §6.2 table, revoke_device rows.
      const n = body.compromised_since as number | undefined;
      const retirement: Retirement =
        n === undefined
          ? {
              key: dk,
              since: event.kez === '0.2' ? 0 : event.seq,
              code: 'device_revoked',
              seq: event.seq,
            }
          : { key: dk, since: n, code: 'key_compromised', seq: event.seq };
      return { op: 'revoke_device', device: dk, retirement };
    }
    default:
      return fail('malformed', 'init only at seq 0');
  }
}

/**
 * Checks `value` against `state` (null before genesis) with every rule of SPEC §6 and returns
 * what accepting it would change. Mutates nothing, so several candidates at one seq can be
 * checked against the same state (fork detection). Throws KezError. `verified` may vouch for
 * signatures of the event with a given hash, checked elsewhere (signature-results.ts); every
 * signature it does not vouch for is checked here.
 */
export function checkEvent(
  state: ChainState | null,
  value: unknown,
  now: number,
  verified?: Vouch,
): Transition {
  const parsed = parseObject(value);
  if (parsed.type !== 'event') fail('malformed', 'not a sigchain event');
  const read = verifySignedObject(
    parsed,
    now,
    FUTURE_SKEW,
    verified && ((h) => verified(h, 'event')),
  );
  const event = read.object as ChainEvent;
  const hash = read.hash;
  const vouch: Verified | undefined = verified && ((kind) => verified(hash, kind));
  let change: Change;
  if (state === null) change = genesisChange(event, hash);
  else {
    checkLink(state, event);
    change = opChange(state, event, now, vouch);
  }
  return { event, hash, change, head: { seq: event.seq, hash, created_at: event.created_at } };
}

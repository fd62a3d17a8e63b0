// Builders: each returns the signed event extending `state` (SPEC §6.3). Every builder signs
// the current version unless `version` names another (vectors and tests sign v0.2 objects).
import { fail } from './errors.js';
import { toHex } from './bytes.js';
import { commitment, type Signer } from './keys.js';
import {
  type ChainEvent,
  type Claim,
  type DeviceRequest,
  type Unsigned,
  type Version,
  VERSION,
} from './objects.js';
import { reverseSigningInput, signValid } from './signing.js';
import type { ChainState } from './chain-state.js';
import { createClaim } from './claim.js';
import { readDeviceRequest, requestMismatch } from './device-request.js';

type Body = Record<string, unknown>;

/** A body member that is there only when given (absent, not undefined, in JCS). */
const optional = (name: string, value: unknown): Body =>
  value === undefined ? {} : { [name]: value };

/** What every builder takes besides its op's own parameters. */
interface Common {
  created_at: number;
  /** The version to sign (default: the current one). */
  version?: Version;
}

/**
 * The signed event extending `state` with `op`; with a `grantee`, its reverse signature is
 * added to the body first (SPEC §6.4).
 */
function signedEvent(
  state: ChainState,
  op: ChainEvent['op'],
  body: Body,
  p: Common,
  signer: Signer,
  grantee?: Signer,
): ChainEvent {
  if (!state) fail('bad_link', 'no chain state to extend');
  const unsigned: Unsigned<ChainEvent> = {
    kez: p.version ?? VERSION,
    type: 'event',
    identity: state.identity,
    seq: state.head.seq + 1,
    prev: state.head.hash,
    op,
    body,
    created_at: p.created_at,
    key: signer.keyId,
  };
  if (!grantee) return signValid<ChainEvent>(unsigned, signer);
  const reverse = toHex(
    grantee.sign(reverseSigningInput(unsigned as unknown as Record<string, unknown>)),
  );
  return signValid<ChainEvent>({ ...unsigned, body: { ...body, reverse } }, signer);
}

export function createGenesis(p: Common & { next?: string }, signer: Signer): ChainEvent {
  return signValid<ChainEvent>(
    {
      kez: p.version ?? VERSION,
      type: 'event',
      seq: 0,
      op: 'init',
      body: optional('next', p.next),
      created_at: p.created_at,
      key: signer.keyId,
    },
    signer,
  );
}

export function addClaim(
  state: ChainState,
  p: Common & { subject: string; expires_at?: number; locators?: string[] },
  signer: Signer,
): { claim: Claim; event: ChainEvent } {
  const claim = createClaim({ ...p, identity: state.identity, seq: state.head.seq + 1 }, signer);
  const event = signedEvent(state, 'add', { claim }, p, signer);
  return { claim, event };
}

export function revokeClaim(
  state: ChainState,
  p: Common & { claim: string; reason?: string },
  signer: Signer,
): ChainEvent {
  const body = { claim: p.claim, ...optional('reason', p.reason) };
  return signedEvent(state, 'revoke', body, p, signer);
}

/** An ordinary rotation (SPEC §6.3): signed by the primary, reverse-signed by the new key. */
export function rotateKey(
  state: ChainState,
  p: Common & { newSigner: Signer; next?: string; compromisedSince?: number },
  signer: Signer,
): ChainEvent {
  const body = {
    new_key: p.newSigner.keyId,
    ...optional('next', p.next),
    ...optional('compromised_since', p.compromisedSince),
  };
  return signedEvent(state, 'rotate', body, p, signer, p.newSigner);
}

/**
 * A recovery rotation (SPEC §6.3, v0.3 only): the key `state.next` commits to signs alone and
 * becomes the primary, so an owner whose primary is lost or stolen keeps the identity (§6.8).
 */
export function recoverKey(
  state: ChainState,
  p: { created_at: number; next?: string; compromisedSince?: number },
  committedSigner: Signer,
): ChainEvent {
  if (state.next === undefined)
    fail('not_authorized', 'the chain commits to no next key, so nothing can recover it');
  if (commitment(committedSigner.keyId) !== state.next)
    fail('precommit_mismatch', 'the key is not the one the chain commits to', {
      next: state.next,
    });
  const body = {
    new_key: committedSigner.keyId,
    ...optional('next', p.next),
    ...optional('compromised_since', p.compromisedSince),
  };
  return signedEvent(state, 'rotate', body, p, committedSigner);
}

/** add_device with a reverse signature: the device's secret is at hand (SPEC §6.3). */
export function addDevice(
  state: ChainState,
  p: Common & { deviceSigner: Signer; name?: string },
  signer: Signer,
): ChainEvent {
  const body = { device: p.deviceSigner.keyId, ...optional('name', p.name) };
  return signedEvent(state, 'add_device', body, p, signer, p.deviceSigner);
}

/**
 * add_device carrying the device's own request (SPEC §6.9), which is checked first: signature
 * (bad_signature), the identity (identity_mismatch), a key already used (bad_key), and
 * `created_at` within the request's 7 days (future / expired).
 */
export function approveDevice(
  state: ChainState,
  p: { request: DeviceRequest; created_at: number },
  primarySigner: Signer,
): ChainEvent {
  // The request is judged at the approval's time: it may be approved until it expires.
  const { request } = readDeviceRequest(p.request, { now: p.created_at });
  const mismatch = requestMismatch(request, {
    identity: state.identity,
    device: request.key,
    name: request.name,
    at: p.created_at,
  });
  if (mismatch) fail(mismatch.code, mismatch.reason);
  if (state.usedKeys.has(request.key))
    fail('bad_key', 'the device key was already the primary or a device', { key: request.key });
  const body = { device: request.key, ...optional('name', request.name), request };
  return signedEvent(state, 'add_device', body, p, primarySigner);
}

export function revokeDevice(
  state: ChainState,
  p: Common & { device: string; compromisedSince?: number },
  signer: Signer,
): ChainEvent {
  const body = { device: p.device, ...optional('compromised_since', p.compromisedSince) };
  return signedEvent(state, 'revoke_device', body, p, signer);
}

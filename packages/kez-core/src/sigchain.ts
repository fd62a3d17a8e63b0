// Builders: each returns the signed event extending `state` (SPEC §6.3).
import { fail } from './errors.js';
import { toHex } from './bytes.js';
import type { Signer } from './keys.js';
import { type ChainEvent, type Claim, type Unsigned, VERSION } from './objects.js';
import { reverseSigningInput, signValid } from './signing.js';
import type { ChainState } from './chain-state.js';
import { createClaim } from './claim.js';

type Body = Record<string, unknown>;

function nextEvent(
  state: ChainState,
  op: ChainEvent['op'],
  body: Body,
  created_at: number,
  signer: Signer,
): Unsigned<ChainEvent> {
  if (!state) fail('bad_link', 'no chain state to extend');
  return {
    kez: VERSION,
    type: 'event',
    identity: state.identity,
    seq: state.head.seq + 1,
    prev: state.head.hash,
    op,
    body,
    created_at,
    key: signer.keyId,
  };
}

/** Signs `unsigned` after adding the reverse signature of `grantee` to its body (SPEC §6.4). */
function withReverse(unsigned: Unsigned<ChainEvent>, grantee: Signer): Unsigned<ChainEvent> {
  const reverse = toHex(
    grantee.sign(reverseSigningInput(unsigned as unknown as Record<string, unknown>)),
  );
  return { ...unsigned, body: { ...unsigned.body, reverse } };
}

export function createGenesis(
  p: { created_at: number; next?: string },
  signer: Signer,
): ChainEvent {
  const body: Body = p.next === undefined ? {} : { next: p.next };
  return signValid<ChainEvent>(
    {
      kez: VERSION,
      type: 'event',
      seq: 0,
      op: 'init',
      body,
      created_at: p.created_at,
      key: signer.keyId,
    },
    signer,
  );
}

export function addClaim(
  state: ChainState,
  p: { subject: string; created_at: number; expires_at?: number; locators?: string[] },
  signer: Signer,
): { claim: Claim; event: ChainEvent } {
  const claim = createClaim({ ...p, identity: state.identity, seq: state.head.seq + 1 }, signer);
  const event = signValid<ChainEvent>(
    nextEvent(state, 'add', { claim }, p.created_at, signer),
    signer,
  );
  return { claim, event };
}

export function revokeClaim(
  state: ChainState,
  p: { claim: string; reason?: string; created_at: number },
  signer: Signer,
): ChainEvent {
  const body: Body =
    p.reason === undefined ? { claim: p.claim } : { claim: p.claim, reason: p.reason };
  return signValid<ChainEvent>(nextEvent(state, 'revoke', body, p.created_at, signer), signer);
}

export function rotateKey(
  state: ChainState,
  p: { newSigner: Signer; next?: string; created_at: number },
  signer: Signer,
): ChainEvent {
  const body: Body =
    p.next === undefined
      ? { new_key: p.newSigner.keyId }
      : { new_key: p.newSigner.keyId, next: p.next };
  return signValid<ChainEvent>(
    withReverse(nextEvent(state, 'rotate', body, p.created_at, signer), p.newSigner),
    signer,
  );
}

export function addDevice(
  state: ChainState,
  p: { deviceSigner: Signer; name?: string; created_at: number },
  signer: Signer,
): ChainEvent {
  const body: Body =
    p.name === undefined
      ? { device: p.deviceSigner.keyId }
      : { device: p.deviceSigner.keyId, name: p.name };
  return signValid<ChainEvent>(
    withReverse(nextEvent(state, 'add_device', body, p.created_at, signer), p.deviceSigner),
    signer,
  );
}

export function revokeDevice(
  state: ChainState,
  p: { device: string; created_at: number },
  signer: Signer,
): ChainEvent {
  return signValid<ChainEvent>(
    nextEvent(state, 'revoke_device', { device: p.device }, p.created_at, signer),
    signer,
  );
}

// Builders: each returns the signed event extending `state` (SPEC §6.3).
import { fail } from './errors.js';
import { toHex } from './bytes.js';
import type { Signer } from './keys.js';
import { type ChainEvent, type Claim, type Unsigned, VERSION } from './objects.js';
import { reverseSigningInput, signValid } from './signing.js';
import type { ChainState } from './chain-state.js';
import { createClaim } from './claim.js';

type Body = Record<string, unknown>;

/** A body member that is there only when given (absent, not undefined, in JCS). */
const optional = (name: string, value: unknown): Body =>
  value === undefined ? {} : { [name]: value };

/**
 * The signed event extending `state` with `op`; with a `grantee`, its reverse signature is
 * added to the body first (SPEC §6.4).
 */
function signedEvent(
  state: ChainState,
  op: ChainEvent['op'],
  body: Body,
  created_at: number,
  signer: Signer,
  grantee?: Signer,
): ChainEvent {
  if (!state) fail('bad_link', 'no chain state to extend');
  const unsigned: Unsigned<ChainEvent> = {
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
  if (!grantee) return signValid<ChainEvent>(unsigned, signer);
  const reverse = toHex(
    grantee.sign(reverseSigningInput(unsigned as unknown as Record<string, unknown>)),
  );
  return signValid<ChainEvent>({ ...unsigned, body: { ...body, reverse } }, signer);
}

export function createGenesis(
  p: { created_at: number; next?: string },
  signer: Signer,
): ChainEvent {
  return signValid<ChainEvent>(
    {
      kez: VERSION,
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
  p: { subject: string; created_at: number; expires_at?: number; locators?: string[] },
  signer: Signer,
): { claim: Claim; event: ChainEvent } {
  const claim = createClaim({ ...p, identity: state.identity, seq: state.head.seq + 1 }, signer);
  const event = signedEvent(state, 'add', { claim }, p.created_at, signer);
  return { claim, event };
}

export function revokeClaim(
  state: ChainState,
  p: { claim: string; reason?: string; created_at: number },
  signer: Signer,
): ChainEvent {
  const body = { claim: p.claim, ...optional('reason', p.reason) };
  return signedEvent(state, 'revoke', body, p.created_at, signer);
}

export function rotateKey(
  state: ChainState,
  p: { newSigner: Signer; next?: string; created_at: number },
  signer: Signer,
): ChainEvent {
  const body = { new_key: p.newSigner.keyId, ...optional('next', p.next) };
  return signedEvent(state, 'rotate', body, p.created_at, signer, p.newSigner);
}

export function addDevice(
  state: ChainState,
  p: { deviceSigner: Signer; name?: string; created_at: number },
  signer: Signer,
): ChainEvent {
  const body = { device: p.deviceSigner.keyId, ...optional('name', p.name) };
  return signedEvent(state, 'add_device', body, p.created_at, signer, p.deviceSigner);
}

export function revokeDevice(
  state: ChainState,
  p: { device: string; created_at: number },
  signer: Signer,
): ChainEvent {
  return signedEvent(state, 'revoke_device', { device: p.device }, p.created_at, signer);
}

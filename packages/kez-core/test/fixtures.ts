// Deterministic keys, a small chain and the error-code probe for tests.
import { expect } from 'vitest';
import {
  addClaim,
  addDevice,
  applyEvent,
  commitment,
  createGenesis,
  isKezError,
  rotateKey,
  signerFromSecret,
  type ChainEvent,
  type ChainState,
  type Signer,
  type SuiteName,
} from '../src/index.js';

export const NOW = 1_750_000_000;

/** 'ok' when `fn` returns; else the code of the KezError it throws (anything else fails). */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    expect(isKezError(err)).toBe(true);
    return (err as { code: string }).code;
  }
}
export const AUX = new Uint8Array(32).fill(7);

export function signer(suite: SuiteName, n: number): Signer {
  return signerFromSecret(suite, new Uint8Array(32).fill(n), { aux: AUX });
}

export function buildChain(suite: SuiteName = 'ed25519'): {
  events: ChainEvent[];
  state: ChainState;
  primary: Signer;
  next: Signer;
  device: Signer;
} {
  const primary = signer(suite, 11);
  const next = signer(suite === 'ed25519' ? 'bip340' : 'ed25519', 12);
  const device = signer(suite, 13);
  const events: ChainEvent[] = [];
  const push = (s: ChainState | null, e: ChainEvent) => {
    events.push(e);
    return applyEvent(s, e, { now: NOW });
  };
  let state = push(
    null,
    createGenesis({ created_at: NOW - 100, next: commitment(next.keyId) }, primary),
  );
  state = push(
    state,
    addClaim(state, { subject: 'github:alice', created_at: NOW - 90 }, primary).event,
  );
  state = push(
    state,
    addDevice(state, { deviceSigner: device, name: 'laptop', created_at: NOW - 80 }, primary),
  );
  state = push(state, rotateKey(state, { newSigner: next, created_at: NOW - 70 }, primary));
  return { events, state, primary, next, device };
}

/** A plain-data view of a state, so states compare by value (before/after, or two folds). */
export function stateSnapshot(s: ChainState | null | undefined): unknown {
  if (!s) return null;
  return {
    ...s,
    devices: [...s.devices],
    revokedDevices: [...s.revokedDevices],
    claims: [...s.claims],
    head: { ...s.head },
  };
}

// The sigchain state (SPEC §6.2): what a chain's events add up to at its head.
import type { Claim } from './objects.js';

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

/** A deep copy of the mutable parts (claims themselves are never written, so they are shared). */
export function cloneChainState(s: ChainState): ChainState {
  const claims = new Map<string, ClaimEntry>();
  for (const [h, e] of s.claims)
    claims.set(h, { ...e, ...(e.revoked ? { revoked: { ...e.revoked } } : {}) });
  const devices = new Map<string, { name?: string; seq: number }>();
  for (const [k, d] of s.devices) devices.set(k, { ...d });
  return { ...s, devices, revokedDevices: new Set(s.revokedDevices), claims, head: { ...s.head } };
}

// The sigchain state (SPEC §6.2): what a chain's events add up to at its head.
import type { Claim } from './objects.js';

export interface ClaimEntry {
  claim: Claim;
  seq: number;
  revoked?: { seq: number; reason?: string };
}
export interface DeviceEntry {
  name?: string;
  /** The seq of its add_device. */
  seq: number;
  /** The key that signed its add_device (the primary then): a compromise of that key undoes it. */
  addedBy: string;
}
export type RetirementCode = 'key_rotated' | 'device_revoked' | 'key_compromised';
/**
 * SPEC §6.2: `key` stopped acting; its claims with claim.seq ≥ since are revoked with `code`.
 * `seq` is the event that recorded it; `superseded` marks one recorded on a superseded branch
 * (SPEC §6.8: it still counts).
 */
export interface Retirement {
  readonly key: string;
  readonly since: number;
  readonly code: RetirementCode;
  readonly seq: number;
  readonly superseded?: true;
}
export interface ChainState {
  identity: string;
  primary: string;
  next?: string;
  devices: Map<string, DeviceEntry>;
  revokedDevices: Set<string>;
  /** Every key that was ever primary or a device: none is made either again. */
  usedKeys: Set<string>;
  /** The resolved path's retirements in chain order; a verified chain adds the superseded ones. */
  retirements: Retirement[];
  claims: Map<string, ClaimEntry>;
  head: { seq: number; hash: string; created_at: number };
}

/** A deep copy of the mutable parts (claims and retirements are never written, so are shared). */
export function cloneChainState(s: ChainState): ChainState {
  const claims = new Map<string, ClaimEntry>();
  for (const [h, e] of s.claims)
    claims.set(h, { ...e, ...(e.revoked ? { revoked: { ...e.revoked } } : {}) });
  const devices = new Map<string, DeviceEntry>();
  for (const [k, d] of s.devices) devices.set(k, { ...d });
  return {
    ...s,
    devices,
    revokedDevices: new Set(s.revokedDevices),
    usedKeys: new Set(s.usedKeys),
    retirements: [...s.retirements],
    claims,
    head: { ...s.head },
  };
}

// SPEC §6.6: when several retirements match, the strongest code decides.
const RANK: Record<RetirementCode, number> = {
  key_compromised: 3,
  device_revoked: 2,
  key_rotated: 1,
};

/**
 * The strongest retirement of `key` (on any branch) that undoes what it signed at `seq`; with
 * no seq, any retirement of `key` at all (SPEC §7: a retired key never logs in).
 */
export function retirementOf(s: ChainState, key: string, seq?: number): Retirement | undefined {
  let best: Retirement | undefined;
  for (const r of s.retirements) {
    if (r.key !== key || (seq !== undefined && r.since > seq)) continue;
    if (!best || RANK[r.code] > RANK[best.code]) best = r;
  }
  return best;
}

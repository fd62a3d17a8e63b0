// Probes for core's own tests: the error code a call throws, and states compared by value.
import { expect } from 'vitest';
import { isKezError, type ChainState } from '../src/index.js';

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

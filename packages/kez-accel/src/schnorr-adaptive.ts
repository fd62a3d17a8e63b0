// BIP-340 for short and long runs alike, as ed25519-adaptive.ts does for Ed25519: the pure
// backend (already loaded with @kez/core) for a process's first verifications, then native
// libsecp256k1, whose binding costs more to load and to set up its context than a few dozen
// pure verifications. Both compute the same BIP-340 verification.
import { purePrimitives } from '@kez/core';
import { schnorrVerifyNative } from './schnorr-libsecp256k1.js';

/** Verifications on the pure backend before switching to libsecp256k1. */
export const LIBSECP_AFTER = 16;
let count = 0;

export function schnorrVerifyAdaptive(
  publicKey: Uint8Array,
  msg32: Uint8Array,
  sig: Uint8Array,
): boolean {
  if (count < LIBSECP_AFTER) {
    count++;
    return purePrimitives.schnorrVerify(publicKey, msg32, sig);
  }
  return schnorrVerifyNative(publicKey, msg32, sig);
}

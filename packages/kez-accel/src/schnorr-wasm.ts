// BIP-340 verification by libsecp256k1 (tiny-secp256k1, WASM). It takes 32-byte messages only;
// other lengths go to the pure primitive.
import * as secp from 'tiny-secp256k1';
import { purePrimitives } from '@kez/core';

export function schnorrVerifyWasm(
  publicKey: Uint8Array,
  msg32: Uint8Array,
  sig: Uint8Array,
): boolean {
  if (msg32.length !== 32) return purePrimitives.schnorrVerify(publicKey, msg32, sig);
  if (publicKey.length !== 32 || sig.length !== 64) return false;
  try {
    return secp.verifySchnorr(msg32, publicKey, sig);
  } catch {
    // tiny-secp256k1 throws for a public key that is not on the curve: a failed verification.
    return false;
  }
}

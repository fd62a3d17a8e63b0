// Ed25519 verification by OpenSSL (node:crypto): built into Node, so it costs nothing to load,
// where libsodium's loader takes tens of milliseconds; OpenSSL's verify is the cofactorless
// equation too (the SPEC §3.3 policy in @kez/core runs first either way).
import { createPublicKey, verify } from 'node:crypto';
import { ed25519SpkiDer } from '@kez/core';

export function ed25519VerifyOpenSsl(
  publicKey: Uint8Array,
  msg: Uint8Array,
  sig: Uint8Array,
): boolean {
  if (publicKey.length !== 32 || sig.length !== 64) return false;
  let key;
  try {
    key = createPublicKey({
      key: Buffer.from(ed25519SpkiDer(publicKey)),
      format: 'der',
      type: 'spki',
    });
  } catch {
    return false; // not a point OpenSSL can decode: a failed verification
  }
  return verify(null, msg, key, sig);
}

// Ed25519 for short and long runs alike: OpenSSL (no load cost, a key object per call) for a
// process's first verifications, then libsodium (faster per signature, but loading it costs
// more than hundreds of OpenSSL verifications), so a CLI run that checks one claim never loads
// libsodium and a server pays for it once. Both compute the same strict equation.
import { ed25519VerifyOpenSsl } from './ed25519-openssl.js';
import { ed25519VerifySodium } from './ed25519-sodium.js';

/** Verifications on OpenSSL before switching to libsodium. */
export const SODIUM_AFTER = 256;
let count = 0;

export function ed25519VerifyAdaptive(
  publicKey: Uint8Array,
  msg: Uint8Array,
  sig: Uint8Array,
): boolean {
  if (count < SODIUM_AFTER) {
    count++;
    return ed25519VerifyOpenSsl(publicKey, msg, sig);
  }
  return ed25519VerifySodium(publicKey, msg, sig);
}

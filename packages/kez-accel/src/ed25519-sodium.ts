// Ed25519 verification by libsodium (sodium-native). Its crypto_sign_verify_detached is the
// cofactorless equation with canonical-S and small-order checks (SPEC §3.3 rule 5; the policy
// in @kez/core runs first anyway), and it takes raw key bytes: no key object to build or cache.
import { createRequire } from 'node:module';
import { lazy } from './lazy.js';

const require = createRequire(import.meta.url);
const sodium = lazy(() => require('sodium-native') as typeof import('sodium-native'));

export function ed25519VerifySodium(
  publicKey: Uint8Array,
  msg: Uint8Array,
  sig: Uint8Array,
): boolean {
  if (publicKey.length !== 32 || sig.length !== 64) return false;
  return sodium().crypto_sign_verify_detached(sig, msg, publicKey);
}

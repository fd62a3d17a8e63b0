// The two signature suites (SPEC §3.2). verify() applies the policy, then the current backend.
import { ed25519 as nobleEd } from '@noble/curves/ed25519.js';
import { schnorr } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bech32 } from '@scure/base';
import { fail } from './errors.js';
import { randomBytes, toHex } from './bytes.js';
import { getPrimitives } from './primitives.js';
import { isStrictPublicKey, isStrictSignature } from './ed25519-policy.js';

export type SuiteName = 'ed25519' | 'bip340';

export interface Suite {
  name: SuiteName;
  generateSecret(): Uint8Array;
  publicKey(secret: Uint8Array): Uint8Array;
  keyId(publicKey: Uint8Array): string;
  sign(secret: Uint8Array, msg: Uint8Array, aux?: Uint8Array): Uint8Array;
  verify(publicKey: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean;
}

function checkSecret(secret: Uint8Array): void {
  if (!(secret instanceof Uint8Array) || secret.length !== 32)
    fail('bad_key', 'secret must be 32 bytes');
}

export const ed25519: Suite = {
  name: 'ed25519',
  generateSecret: () => randomBytes(32),
  publicKey(secret) {
    checkSecret(secret);
    return nobleEd.getPublicKey(secret);
  },
  keyId: (pub) => `ed25519:${toHex(pub)}`,
  sign(secret, msg) {
    checkSecret(secret);
    return nobleEd.sign(msg, secret);
  },
  verify(pub, msg, sig) {
    if (!isStrictPublicKey(pub) || !isStrictSignature(sig)) return false;
    return getPrimitives().ed25519Verify(pub, msg, sig);
  },
};

export const bip340: Suite = {
  name: 'bip340',
  generateSecret: () => schnorr.utils.randomSecretKey(),
  publicKey(secret) {
    checkSecret(secret);
    try {
      return schnorr.getPublicKey(secret);
    } catch (err) {
      return fail('bad_key', 'secret is not a scalar in [1, n)', {}, err);
    }
  },
  keyId: (pub) => `nostr:${bech32.encode('npub', bech32.toWords(pub), 1000)}`,
  // BIP-340 signs the 32-byte digest of the signing input (SPEC §3.2).
  sign(secret, msg, aux) {
    checkSecret(secret);
    try {
      return schnorr.sign(sha256(msg), secret, aux ?? randomBytes(32));
    } catch (err) {
      return fail('bad_key', 'secret is not a scalar in [1, n)', {}, err);
    }
  },
  verify(pub, msg, sig) {
    if (pub.length !== 32 || sig.length !== 64) return false;
    const p = getPrimitives();
    return p.schnorrVerify(pub, p.sha256(msg), sig);
  },
};

export const suites: Record<SuiteName, Suite> = { ed25519, bip340 };

/**
 * suite.verify for the public key of a parsed key id, which already passed the key policy
 * (SPEC §3.3 rules 1, 2 and 4 for A): the signature policy and the backend remain.
 */
export function verifyParsedKey(
  suite: Suite,
  pub: Uint8Array,
  msg: Uint8Array,
  sig: Uint8Array,
): boolean {
  if (suite !== ed25519) return suite.verify(pub, msg, sig);
  return isStrictSignature(sig) && getPrimitives().ed25519Verify(pub, msg, sig);
}

// Ed25519 verification by OpenSSL through node:crypto, with a bounded cache of KeyObjects.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';

// DER SubjectPublicKeyInfo header for an Ed25519 key (RFC 8410); the 32 key bytes follow.
const SPKI_PREFIX = Uint8Array.from([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
]);
const CACHE_MAX = 1024;
const cache = new Map<string, KeyObject>();

function keyObject(publicKey: Uint8Array): KeyObject {
  const id = Buffer.from(publicKey).toString('hex');
  let k = cache.get(id);
  if (k) {
    // Refresh recency: Map iteration order is insertion order, so this makes it an LRU.
    cache.delete(id);
  } else {
    const der = new Uint8Array(SPKI_PREFIX.length + 32);
    der.set(SPKI_PREFIX);
    der.set(publicKey, SPKI_PREFIX.length);
    k = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
  }
  cache.set(id, k);
  return k;
}

export function ed25519VerifyNode(
  publicKey: Uint8Array,
  msg: Uint8Array,
  sig: Uint8Array,
): boolean {
  if (publicKey.length !== 32 || sig.length !== 64) return false;
  try {
    return verify(null, msg, keyObject(publicKey), sig);
  } catch {
    return false;
  }
}

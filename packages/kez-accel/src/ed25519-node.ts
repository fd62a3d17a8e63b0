// Ed25519 verification by OpenSSL through node:crypto, with a bounded cache of KeyObjects.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { BoundedCache, ed25519SpkiDer } from '@kez/core';

const cache = new BoundedCache<string, KeyObject>(1024);

function keyObject(publicKey: Uint8Array): KeyObject {
  const id = Buffer.from(publicKey).toString('hex');
  let k = cache.get(id);
  if (!k) {
    k = createPublicKey({
      key: Buffer.from(ed25519SpkiDer(publicKey)),
      format: 'der',
      type: 'spki',
    });
    cache.set(id, k);
  }
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

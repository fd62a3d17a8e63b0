// BIP-340 verification by native libsecp256k1 (bcrypto's binding, built by node-gyp). It takes
// 32-byte messages only; other lengths go to the pure primitive.
import { purePrimitives } from '@kez/core';
import { createRequire } from 'node:module';
import { lazy } from './lazy.js';

const require = createRequire(import.meta.url);
// The libsecp256k1 module itself, not bcrypto's dispatcher, which would fall back to its own JS
// (or libtorsion) code when the binding is missing: no binding must fail loudly.
const native = lazy(
  () =>
    require('bcrypto/lib/native/schnorr-libsecp256k1.js') as typeof import('bcrypto/lib/native/schnorr-libsecp256k1.js'),
);

/** The same bytes as a Buffer (bcrypto asserts Buffer.isBuffer); no copy. */
const buf = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

export function schnorrVerifyNative(
  publicKey: Uint8Array,
  msg32: Uint8Array,
  sig: Uint8Array,
): boolean {
  if (msg32.length !== 32) return purePrimitives.schnorrVerify(publicKey, msg32, sig);
  if (publicKey.length !== 32 || sig.length !== 64) return false;
  // Outside the try: a binding that does not load must throw, not read as a bad signature.
  const { verify } = native();
  try {
    // A public key that is not an x on the curve is a failed verification (libsecp256k1: 0).
    return verify(buf(msg32), buf(sig), buf(publicKey));
  } catch {
    return false;
  }
}

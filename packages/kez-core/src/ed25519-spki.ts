// The DER SubjectPublicKeyInfo of an Ed25519 key (RFC 8410): a fixed 12-byte header, then the
// 32 key bytes. node:crypto and WebCrypto import raw keys in this form.
import { concatBytes, fromHex } from './bytes.js';
import { fail } from './errors.js';

/** The header as hex: text, so no caller can write into a shared copy. */
export const ED25519_SPKI_PREFIX_HEX = '302a300506032b6570032100';
const PREFIX = fromHex(ED25519_SPKI_PREFIX_HEX);

/** SPKI DER of a raw 32-byte Ed25519 public key (fresh bytes on each call). */
export function ed25519SpkiDer(publicKey: Uint8Array): Uint8Array {
  if (publicKey.length !== 32) fail('bad_key', 'an Ed25519 public key is 32 bytes');
  return concatBytes(PREFIX, publicKey);
}

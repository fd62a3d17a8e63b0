// SHA-256 by OpenSSL (node:crypto's one-shot hash): several times faster than the pure-JS
// hash on the short inputs KEZ hashes (objects, signing inputs).
import { hash } from 'node:crypto';

export function sha256OpenSsl(msg: Uint8Array): Uint8Array {
  const d = hash('sha256', msg, 'buffer');
  // A plain Uint8Array view, like the pure hash returns (not a Buffer).
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/** Hex straight from OpenSSL: no Buffer to allocate, and one flat string. */
export function sha256HexOpenSsl(msg: Uint8Array): string {
  return hash('sha256', msg, 'hex');
}

// SPEC §3.3 rules 1–3 and 4 for A: canonical encodings, no small-order points, S < L.
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { BoundedCache } from './bounded-cache.js';

const P = 2n ** 255n - 19n;
const L = ed25519.Point.Fn.ORDER;
/** y of the order-8 points (SPEC §3.3). */
export const Y8 = 0x7a03ac9277fdc74ec6cc392cfa53202a0f67100d760b3cba4fd84d3d706a17c7n;
/** y values (sign bit cleared) of every point of small order: orders 1, 2, 4, 8. */
export const SMALL_ORDER_Y: readonly bigint[] = [0n, 1n, P - 1n, Y8, P - Y8];

const Y_MASK = (1n << 255n) - 1n;

/** y of an encoded point: little-endian with the sign bit (bit 255) cleared. */
function yOf(enc: Uint8Array): bigint {
  return bytesToNumberLE(enc) & Y_MASK;
}

/** Rules 1 and 2 for one encoded point (A or R). */
export function isCanonicalNotSmallOrder(enc: Uint8Array): boolean {
  if (enc.length !== 32) return false;
  const y = yOf(enc);
  return y < P && !SMALL_ORDER_Y.includes(y);
}

// Decoding a point costs a square root (more than OpenSSL's whole verify), so keys that passed
// are remembered; the cache is bounded and holds only public keys.
const goodKeys = new BoundedCache<string, true>(4096);

function keyString(pub: Uint8Array): string {
  let s = '';
  for (let i = 0; i < pub.length; i++) s += String.fromCharCode(pub[i]!);
  return s;
}

/** A usable Ed25519 public key: rules 1, 2 and 4 (decodes to a point, strict RFC 8032). */
export function isStrictPublicKey(pub: Uint8Array): boolean {
  if (!isCanonicalNotSmallOrder(pub)) return false;
  const id = keyString(pub);
  if (goodKeys.get(id)) return true;
  try {
    ed25519.Point.fromBytes(pub, false);
  } catch {
    return false;
  }
  goodKeys.set(id, true);
  return true;
}

/** Rules 1–3 for a signature (R canonical and not small order, S < L). */
export function isStrictSignature(sig: Uint8Array): boolean {
  if (sig.length !== 64) return false;
  if (!isCanonicalNotSmallOrder(sig.subarray(0, 32))) return false;
  return bytesToNumberLE(sig.subarray(32)) < L;
}

// SPEC §3.3 rules 1–3 and 4 for A: canonical encodings, no small-order points, S < L.
import { ed25519 } from '@noble/curves/ed25519.js';
import { BoundedCache } from './bounded-cache.js';

const P = 2n ** 255n - 19n;
const L = ed25519.Point.Fn.ORDER;
/** y of the order-8 points (SPEC §3.3). */
export const Y8 = 0x7a03ac9277fdc74ec6cc392cfa53202a0f67100d760b3cba4fd84d3d706a17c7n;
/** y values (sign bit cleared) of every point of small order: orders 1, 2, 4, 8. */
export const SMALL_ORDER_Y: readonly bigint[] = [0n, 1n, P - 1n, Y8, P - Y8];

// The checks compare bytes, not bigints: they run on every signature verified.
const leBytes = (n: bigint) =>
  Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 255n));
const P_BYTES = leBytes(P);
const L_BYTES = leBytes(L);
const SMALL_ORDER_BYTES = SMALL_ORDER_Y.map(leBytes);

/** a < b for 32-byte little-endian numbers, bit 255 of `a` ignored when `mask`. */
function lessThan(a: Uint8Array, b: Uint8Array, mask: boolean): boolean {
  for (let i = 31; i >= 0; i--) {
    const x = i === 31 && mask ? a[i]! & 0x7f : a[i]!;
    if (x !== b[i]) return x < b[i]!;
  }
  return false;
}

/** y (sign bit cleared) equals the 32-byte little-endian `y`. */
function yEquals(enc: Uint8Array, y: Uint8Array): boolean {
  if ((enc[31]! & 0x7f) !== y[31]) return false;
  for (let i = 0; i < 31; i++) if (enc[i] !== y[i]) return false;
  return true;
}

/** Rules 1 and 2 for one encoded point (A or R). */
export function isCanonicalNotSmallOrder(enc: Uint8Array): boolean {
  if (enc.length !== 32) return false;
  return lessThan(enc, P_BYTES, true) && !SMALL_ORDER_BYTES.some((y) => yEquals(enc, y));
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
  return lessThan(sig.subarray(32), L_BYTES, false);
}

// The seam for faster primitives: signature checks, SHA-256, zstd decompression and base64url. Policy
// checks (SPEC §3.3) stay in suites.ts and run before either backend, so a backend only decides
// the curve equation; the §8.2 frame checks and size rules stay in compact.ts, so a
// decompressor only inflates a checked frame into a bounded output.
import { ed25519 } from '@noble/curves/ed25519.js';
import { schnorr } from '@noble/curves/secp256k1.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
// noble's byte helpers, not ./bytes.js: bytes.js hashes through this module.
import { bytesToNumberLE, concatBytes, equalBytes } from '@noble/curves/utils.js';
import { fzstdDecompress } from './encodings/zstd-fzstd.js';
import type { ZstdFrameInfo } from './encodings/zstd-frame.js';

export interface Primitives {
  name: string;
  ed25519Verify(publicKey: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean;
  schnorrVerify(publicKey: Uint8Array, msg32: Uint8Array, sig: Uint8Array): boolean;
  sha256(msg: Uint8Array): Uint8Array;
  /**
   * The content of one zstd frame that passed checkZstdFrame (`info`), or undefined as soon as
   * it would exceed `cap` bytes; throws when the frame does not decompress. The result may be a
   * view of a buffer the next call reuses.
   */
  zstdDecompress(frame: Uint8Array, info: ZstdFrameInfo, cap: number): Uint8Array | undefined;
  /** Optional: lowercase hex of sha256(msg), where a backend makes it cheaper than the bytes. */
  sha256Hex?(msg: Uint8Array): string;
  /**
   * Optional: the bytes of `text` when it is canonical base64url (SPEC §1), else undefined; the
   * pure decoder then decides, and says why (so a backend only speeds up the accepting path).
   */
  b64uDecode?(text: string): Uint8Array | undefined;
}

const Point = ed25519.Point;
const L = Point.Fn.ORDER;

/**
 * Cofactorless Ed25519 (SPEC §3.3 rule 5): encode([S]B − [k]A) = R, k = SHA-512(R‖A‖M) mod L.
 * noble's ed25519.verify checks the cofactored equation, which accepts mixed-order R; this
 * composes noble's audited point operations instead, matching OpenSSL and dalek verify_strict.
 */
function ed25519VerifyCofactorless(
  publicKey: Uint8Array,
  msg: Uint8Array,
  sig: Uint8Array,
): boolean {
  if (publicKey.length !== 32 || sig.length !== 64) return false;
  const r = sig.subarray(0, 32);
  const s = bytesToNumberLE(sig.subarray(32));
  if (s >= L) return false;
  let A;
  try {
    A = Point.fromBytes(publicKey, false);
  } catch {
    return false;
  }
  const k = bytesToNumberLE(sha512(concatBytes(r, publicKey, msg))) % L;
  const sB = s === 0n ? Point.ZERO : Point.BASE.multiplyUnsafe(s);
  const kA = k === 0n ? Point.ZERO : A.multiplyUnsafe(k);
  return equalBytes(sB.subtract(kA).toBytes(), r);
}

function schnorrVerifyNoble(publicKey: Uint8Array, msg32: Uint8Array, sig: Uint8Array): boolean {
  try {
    return schnorr.verify(sig, msg32, publicKey);
  } catch {
    return false;
  }
}

export const purePrimitives: Primitives = {
  name: 'noble',
  ed25519Verify: ed25519VerifyCofactorless,
  schnorrVerify: schnorrVerifyNoble,
  sha256: (msg) => sha256(msg),
  zstdDecompress: fzstdDecompress,
};

let current: Primitives = purePrimitives;

export function setPrimitives(p: Primitives | null): void {
  current = p ?? purePrimitives;
}

export function getPrimitives(): Primitives {
  return current;
}

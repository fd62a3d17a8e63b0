// Backends for short and long runs alike. A native binding is faster per call but costs more
// to load (and, for libsecp256k1, to build its context) than the backend already in the process
// takes for many calls: libsodium's loader alone outweighs hundreds of OpenSSL verifications,
// bcrypto's 20–30 ms a few dozen noble ones, zstd-napi's a few dozen fzstd frames. So each
// primitive runs on the backend at hand for a process's first calls, then on the native one: a
// CLI run that checks one claim loads no binding, and a server pays for each once. The two
// backends of a primitive give the same answers (each alone runs the conformance suite).
import { purePrimitives } from '@kez/core';
import { ed25519VerifyOpenSsl } from './ed25519-openssl.js';
import { ed25519VerifySodium } from './ed25519-sodium.js';
import { schnorrVerifyNative } from './schnorr-libsecp256k1.js';
import { zstdDecompressNative } from './zstd-libzstd.js';

/** `first` for a process's first `after` calls, then `then` (all three primitives take three
 * arguments; fixed arity keeps the hot path free of argument arrays). */
function switchAfter<A, B, C, R>(
  after: number,
  first: (a: A, b: B, c: C) => R,
  then: (a: A, b: B, c: C) => R,
): (a: A, b: B, c: C) => R {
  let count = 0;
  return (a, b, c) => {
    if (count >= after) return then(a, b, c);
    count++;
    return first(a, b, c);
  };
}

/** Ed25519 verifications on OpenSSL (node:crypto, no load cost) before libsodium. */
export const SODIUM_AFTER = 256;
/** BIP-340 verifications on core's noble backend before libsecp256k1. */
export const LIBSECP_AFTER = 16;
/** zstd frames on core's fzstd before libzstd. */
export const LIBZSTD_AFTER = 16;

export const ed25519VerifyAdaptive = switchAfter(
  SODIUM_AFTER,
  ed25519VerifyOpenSsl,
  ed25519VerifySodium,
);
export const schnorrVerifyAdaptive = switchAfter(
  LIBSECP_AFTER,
  purePrimitives.schnorrVerify,
  schnorrVerifyNative,
);
export const zstdDecompressAdaptive = switchAfter(
  LIBZSTD_AFTER,
  purePrimitives.zstdDecompress,
  zstdDecompressNative,
);

// Node-only fast primitives for @kez/core. Importing this module installs them.
import { setPrimitives, type Primitives } from '@kez/core';
import {
  ed25519VerifyAdaptive,
  schnorrVerifyAdaptive,
  zstdDecompressAdaptive,
} from './adaptive.js';
import { sha256HexOpenSsl, sha256OpenSsl } from './sha256-openssl.js';
import { b64uDecodeNode } from './base64url-node.js';

export const fastPrimitives: Primitives = {
  name: 'openssl/libsodium+noble/libsecp256k1+openssl+fzstd/libzstd+node-base64',
  ed25519Verify: ed25519VerifyAdaptive,
  schnorrVerify: schnorrVerifyAdaptive,
  sha256: sha256OpenSsl,
  zstdDecompress: zstdDecompressAdaptive,
  sha256Hex: sha256HexOpenSsl,
  b64uDecode: b64uDecodeNode,
};

/** The backends behind fastPrimitives one by one, for tests and benchmarks. */
export { ed25519VerifyOpenSsl } from './ed25519-openssl.js';
export { ed25519VerifySodium } from './ed25519-sodium.js';
export { LIBSECP_AFTER, LIBZSTD_AFTER, SODIUM_AFTER } from './adaptive.js';
export { schnorrVerifyNative } from './schnorr-libsecp256k1.js';
export { zstdDecompressNative } from './zstd-libzstd.js';

export function installFastPrimitives(): void {
  setPrimitives(fastPrimitives);
}

installFastPrimitives();

export { SignaturePool, type SignatureTask, type PoolOptions } from './signature-pool.js';
export { verifyChain, sharedPool, closeSharedPool, POOL_MIN_EVENTS } from './verify-chain.js';

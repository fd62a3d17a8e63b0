// Node-only fast primitives for @kez/core. Importing this module installs them.
import { setPrimitives, type Primitives } from '@kez/core';
import { ed25519VerifySodium } from './ed25519-sodium.js';
import { schnorrVerifyNative } from './schnorr-libsecp256k1.js';

export const fastPrimitives: Primitives = {
  name: 'libsodium+libsecp256k1',
  ed25519Verify: ed25519VerifySodium,
  schnorrVerify: schnorrVerifyNative,
};

export function installFastPrimitives(): void {
  setPrimitives(fastPrimitives);
}

installFastPrimitives();

export { SignaturePool, type SignatureTask, type PoolOptions } from './signature-pool.js';
export { verifyChain, sharedPool, closeSharedPool, POOL_MIN_EVENTS } from './verify-chain.js';

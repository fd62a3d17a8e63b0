// Node-only fast primitives for @kez/core. Importing this module installs them.
import { setPrimitives, type Primitives } from '@kez/core';
import { ed25519VerifySodium } from './ed25519-sodium.js';
import { schnorrVerifyNative } from './schnorr-libsecp256k1.js';
import { sha256OpenSsl } from './sha256-openssl.js';
import { zstdDecompressNative } from './zstd-libzstd.js';

export const fastPrimitives: Primitives = {
  name: 'libsodium+libsecp256k1+openssl+libzstd',
  ed25519Verify: ed25519VerifySodium,
  schnorrVerify: schnorrVerifyNative,
  sha256: sha256OpenSsl,
  zstdDecompress: zstdDecompressNative,
};

export function installFastPrimitives(): void {
  setPrimitives(fastPrimitives);
}

installFastPrimitives();

// Node-only fast primitives for @kez/core. Importing this module installs them.
import { setPrimitives, type Primitives } from '@kez/core';
import { ed25519VerifyNode } from './ed25519-node.js';
import { schnorrVerifyWasm } from './schnorr-wasm.js';

export const fastPrimitives: Primitives = {
  name: 'node:crypto+libsecp256k1',
  ed25519Verify: ed25519VerifyNode,
  schnorrVerify: schnorrVerifyWasm,
};

export function installFastPrimitives(): void {
  setPrimitives(fastPrimitives);
}

installFastPrimitives();

// The same vector and negative suite as @kez/core's pure backend, on the fast primitives: as
// installed (Ed25519 by OpenSSL, then libsodium), and with each Ed25519 backend alone.
import { describe, expect, it } from 'vitest';
import { ed25519VerifyOpenSsl, ed25519VerifySodium, fastPrimitives } from '../src/index.js';
import { conformanceSuite } from '@kez/test-kit/conformance';
import { getPrimitives } from '@kez/core';

describe('side effect', () => {
  it('importing @kez/accel installs the fast primitives in @kez/core', () => {
    expect(getPrimitives()).toBe(fastPrimitives);
  });
});

conformanceSuite('accel', () => fastPrimitives);
conformanceSuite('accel, Ed25519 by OpenSSL', () => ({
  ...fastPrimitives,
  name: 'accel-openssl',
  ed25519Verify: ed25519VerifyOpenSsl,
}));
conformanceSuite('accel, Ed25519 by libsodium', () => ({
  ...fastPrimitives,
  name: 'accel-libsodium',
  ed25519Verify: ed25519VerifySodium,
}));

// The same vector and negative suite as @kez/core's pure backend, on the fast primitives: as
// installed (Ed25519 by OpenSSL, then libsodium; BIP-340 and zstd by the pure backends, then
// libsecp256k1 and libzstd), and with each backend alone.
import { afterAll, describe, expect, it } from 'vitest';
// The built package (as its users load it): the pool's worker threads run dist/pool-worker.js.
import {
  ed25519VerifyOpenSsl,
  ed25519VerifySodium,
  fastPrimitives,
  SignaturePool,
  schnorrVerifyNative,
  zstdDecompressNative,
} from '@kez/accel';
import { conformanceSuite } from '@kez/test-kit/conformance';
import { countUses } from '@kez/test-kit/signatures-ahead';
import { getPrimitives } from '@kez/core';

describe('side effect', () => {
  it('importing @kez/accel installs the fast primitives in @kez/core', () => {
    expect(getPrimitives()).toBe(fastPrimitives);
  });
});

// The chain vectors also run with their signatures checked on a real worker pool.
const pool = new SignaturePool({ size: 2, chunk: 1 });
afterAll(() => pool.close());
const onPool = async (bundle: string) => {
  const task = pool.check(bundle);
  await task.settled;
  return countUses(task);
};

conformanceSuite('accel', () => fastPrimitives, onPool);
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
conformanceSuite('accel, BIP-340 by libsecp256k1', () => ({
  ...fastPrimitives,
  name: 'accel-libsecp256k1',
  schnorrVerify: schnorrVerifyNative,
}));
conformanceSuite('accel, zstd by libzstd', () => ({
  ...fastPrimitives,
  name: 'accel-libzstd',
  zstdDecompress: zstdDecompressNative,
}));

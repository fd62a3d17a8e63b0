import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ed25519 as nobleEd } from '@noble/curves/ed25519.js';
import { schnorr } from '@noble/curves/secp256k1.js';
import {
  b64uDecode,
  b64uEncode,
  ED25519_SPKI_PREFIX_HEX,
  ed25519SpkiDer,
  getPrimitives,
  KezError,
  purePrimitives,
  setPrimitives,
  toHex,
} from '@kez/core';
import {
  ed25519VerifyOpenSsl,
  ed25519VerifySodium,
  fastPrimitives,
  LIBSECP_AFTER,
  SODIUM_AFTER,
  schnorrVerifyNative,
} from '../src/index.js';

describe('fast primitives agree with the pure ones on random inputs', () => {
  it('Ed25519: honest, tampered, and garbage signatures', () => {
    for (let i = 0; i < 50; i++) {
      const seed = crypto.getRandomValues(new Uint8Array(32));
      const pub = nobleEd.getPublicKey(seed);
      const msg = crypto.getRandomValues(new Uint8Array(i));
      const sig = nobleEd.sign(msg, seed);
      expect(fastPrimitives.ed25519Verify(pub, msg, sig)).toBe(true);
      const bad = sig.slice();
      bad[i % 64]! ^= 1 << (i % 8);
      expect(fastPrimitives.ed25519Verify(pub, msg, bad)).toBe(
        purePrimitives.ed25519Verify(pub, msg, bad),
      );
      const junk = crypto.getRandomValues(new Uint8Array(64));
      expect(fastPrimitives.ed25519Verify(pub, msg, junk)).toBe(false);
    }
  });
  it('BIP-340: 32-byte messages on libsecp256k1, other lengths on the fallback', () => {
    for (let i = 0; i < 50; i++) {
      const sk = schnorr.utils.randomSecretKey();
      const pub = schnorr.getPublicKey(sk);
      const msg = crypto.getRandomValues(new Uint8Array(i % 3 === 0 ? 17 : 32));
      const sig = schnorr.sign(msg, sk);
      expect(fastPrimitives.schnorrVerify(pub, msg, sig)).toBe(true);
      const bad = sig.slice();
      bad[i % 64]! ^= 1;
      expect(fastPrimitives.schnorrVerify(pub, msg, bad)).toBe(false);
      expect(
        fastPrimitives.schnorrVerify(crypto.getRandomValues(new Uint8Array(32)), msg, sig),
      ).toBe(false);
    }
  });
  it('wrong lengths are false, never a throw', () => {
    expect(
      fastPrimitives.ed25519Verify(new Uint8Array(31), new Uint8Array(0), new Uint8Array(64)),
    ).toBe(false);
    expect(
      fastPrimitives.ed25519Verify(new Uint8Array(32), new Uint8Array(0), new Uint8Array(63)),
    ).toBe(false);
    expect(
      fastPrimitives.schnorrVerify(new Uint8Array(33), new Uint8Array(32), new Uint8Array(64)),
    ).toBe(false);
    expect(
      fastPrimitives.schnorrVerify(
        new Uint8Array(32).fill(0xff),
        new Uint8Array(32),
        new Uint8Array(64),
      ),
    ).toBe(false);
  });
});

describe('SHA-256 hex and base64url', () => {
  it('sha256Hex is the hex of the pure hash', () => {
    for (let n = 0; n < 300; n += 7) {
      const msg = crypto.getRandomValues(new Uint8Array(n));
      expect(fastPrimitives.sha256Hex!(msg)).toBe(toHex(purePrimitives.sha256(msg)));
    }
  });
  // Core's strict decoder, with no backend in front of it.
  const strict = (s: string): string => {
    const before = getPrimitives();
    setPrimitives(purePrimitives);
    try {
      return toHex(b64uDecode(s));
    } catch (err) {
      return (err as KezError).code;
    } finally {
      setPrimitives(before);
    }
  };
  it('accepts exactly the canonical texts, with the same bytes as core', () => {
    const texts: string[] = [];
    for (let n = 0; n < 40; n++) {
      const s = b64uEncode(Uint8Array.from({ length: n }, (_, i) => (i * 53 + n) & 255));
      texts.push(
        s,
        `${s}=`,
        `${s}==`,
        ` ${s}`,
        `${s}\n`,
        `${s}A`,
        `${s}+`,
        `${s}/`,
        s.replace(/.$/, 'B'),
      );
    }
    texts.push('AB', 'AAB', 'A', '!!!!', 'AA==', 'é', 'AAAA\u0000');
    for (const s of texts) {
      const fast = fastPrimitives.b64uDecode!(s);
      const want = strict(s);
      if (fast === undefined) expect(want).toBe('bad_encoding');
      else expect(toHex(fast)).toBe(want);
    }
  });
});

type Verify = (publicKey: Uint8Array, msg: Uint8Array, sig: Uint8Array) => boolean;
// Each suite as installed (the backend at hand first, then the native one) and each of its
// backends alone, against the pure backend.
const SUITES: {
  name: string;
  backends: Record<string, Verify>;
  pure: Verify;
  installed: Verify;
  after: number;
  /** A fresh key for message `i`: its public key and a signer. */
  key(): { pub: Uint8Array; sign(msg: Uint8Array): Uint8Array };
  msgLength(i: number): number;
}[] = [
  {
    name: 'Ed25519: OpenSSL, then libsodium',
    backends: { openssl: ed25519VerifyOpenSsl, libsodium: ed25519VerifySodium },
    pure: purePrimitives.ed25519Verify,
    installed: fastPrimitives.ed25519Verify,
    after: SODIUM_AFTER,
    key() {
      const seed = crypto.getRandomValues(new Uint8Array(32));
      return { pub: nobleEd.getPublicKey(seed), sign: (m) => nobleEd.sign(m, seed) };
    },
    msgLength: (i) => i,
  },
  {
    name: 'BIP-340: noble, then libsecp256k1',
    backends: { libsecp256k1: schnorrVerifyNative },
    pure: purePrimitives.schnorrVerify,
    installed: fastPrimitives.schnorrVerify,
    after: LIBSECP_AFTER,
    key() {
      const sk = schnorr.utils.randomSecretKey();
      return { pub: schnorr.getPublicKey(sk), sign: (m) => schnorr.sign(m, sk) };
    },
    msgLength: () => 32,
  },
];

describe.each(SUITES)('$name', (suite) => {
  it('every backend agrees with the pure one on honest, tampered and garbage inputs', () => {
    for (let i = 0; i < 64; i++) {
      const { pub, sign } = suite.key();
      const msg = crypto.getRandomValues(new Uint8Array(suite.msgLength(i)));
      const good = sign(msg);
      const bad = good.slice();
      bad[(i * 5) % 64]! ^= 1 << (i % 8);
      const junkKey = crypto.getRandomValues(new Uint8Array(32));
      for (const [k, sig] of [
        [pub, good],
        [pub, bad],
        [junkKey, good],
      ] as const) {
        const want = suite.pure(k, msg, sig);
        for (const [name, verify] of Object.entries(suite.backends))
          expect(verify(k, msg, sig), name).toBe(want);
        expect(suite.installed(k, msg, sig)).toBe(want);
      }
    }
  });
  it('the installed one keeps its answers across the switch', () => {
    const { pub, sign } = suite.key();
    const msg = crypto.getRandomValues(new Uint8Array(suite.msgLength(7)));
    const sig = sign(msg);
    const bad = sig.slice();
    bad[0]! ^= 1;
    for (let i = 0; i < suite.after + 20; i++) {
      expect(suite.installed(pub, msg, sig)).toBe(true);
      expect(suite.installed(pub, msg, bad)).toBe(false);
    }
  });
});

describe('native modules', () => {
  it('many distinct keys, then the first again: no per-key state to go stale', () => {
    const msg = new TextEncoder().encode('keys');
    const keys = Array.from({ length: 300 }, () => {
      const { publicKey, privateKey } = generateKeyPairSync('ed25519');
      const pub = new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url'));
      return { pub, sig: new Uint8Array(sign(null, msg, privateKey)) };
    });
    for (const k of keys) expect(fastPrimitives.ed25519Verify(k.pub, msg, k.sig)).toBe(true);
    for (const k of keys.slice(0, 20)) {
      expect(fastPrimitives.ed25519Verify(k.pub, msg, k.sig)).toBe(true);
      expect(fastPrimitives.ed25519Verify(keys[299]!.pub, msg, k.sig)).toBe(false);
    }
  });
  it('BIP-340 inputs that are views into a larger buffer are read at their offset', () => {
    const sk = schnorr.utils.randomSecretKey();
    const pub = schnorr.getPublicKey(sk);
    const msg = crypto.getRandomValues(new Uint8Array(32));
    const sig = schnorr.sign(msg, sk);
    const big = new Uint8Array(7 + 32 + 64 + 32);
    big.set(pub, 7);
    big.set(sig, 39);
    big.set(msg, 103);
    const view = (o: number, n: number) => big.subarray(o, o + n);
    expect(fastPrimitives.schnorrVerify(view(7, 32), view(103, 32), view(39, 64))).toBe(true);
    expect(fastPrimitives.schnorrVerify(view(6, 32), view(103, 32), view(39, 64))).toBe(false);
  });
});

describe('Ed25519 SPKI (RFC 8410) from core', () => {
  it('is the DER node:crypto exports for the same key, and rejects other lengths', () => {
    for (let i = 0; i < 8; i++) {
      const { publicKey } = generateKeyPairSync('ed25519');
      const der = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
      const raw = der.subarray(der.length - 32);
      expect(ed25519SpkiDer(raw)).toEqual(der);
      expect(Buffer.from(der.subarray(0, 12)).toString('hex')).toBe(ED25519_SPKI_PREFIX_HEX);
    }
    for (const n of [0, 31, 33]) expect(() => ed25519SpkiDer(new Uint8Array(n))).toThrow(KezError);
  });
});

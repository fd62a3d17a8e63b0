// SPEC §3.3 rule 2: the y blocklist is exactly the small-order points.
import { describe, expect, it } from 'vitest';
import { ed25519 as nobleEd, ED25519_TORSION_SUBGROUP } from '@noble/curves/ed25519.js';
import {
  SMALL_ORDER_Y,
  Y8,
  isCanonicalNotSmallOrder,
  isStrictPublicKey,
} from '../src/ed25519-policy.js';

const Point = nobleEd.Point;
const P = 2n ** 255n - 19n;
const enc = (y: bigint, sign: 0 | 1) => {
  const b = Uint8Array.from({ length: 32 }, (_, i) => Number((y >> BigInt(8 * i)) & 255n));
  b[31]! |= sign << 7;
  return b;
};
const yOf = (b: Uint8Array) =>
  b.reduceRight((n, x, i) => (n << 8n) | BigInt(i === 31 ? x & 0x7f : x), 0n);

describe('small-order blocklist', () => {
  it('Y8 is the one in SPEC §3.3 (big-endian there)', () => {
    expect(Y8.toString(16)).toBe(
      '7a03ac9277fdc74ec6cc392cfa53202a0f67100d760b3cba4fd84d3d706a17c7',
    );
  });
  it('every blocklisted y with either sign decodes (when it decodes) to a point of small order', () => {
    let decoded = 0;
    for (const y of SMALL_ORDER_Y) {
      for (const sign of [0, 1] as const) {
        let pt;
        try {
          pt = Point.fromBytes(enc(y, sign), false);
        } catch {
          continue;
        }
        decoded++;
        expect(pt.isSmallOrder()).toBe(true);
        expect(pt.multiplyUnsafe(8n).is0() || pt.is0()).toBe(true);
        expect(isCanonicalNotSmallOrder(enc(y, sign))).toBe(false);
      }
    }
    // 8 torsion points: y=1 (x=0), y=p−1 (x=0), y=0 (2 points), Y8 and p−Y8 (2 points each).
    expect(decoded).toBe(8);
  });
  it('the blocklist covers all 8 torsion points noble lists', () => {
    for (const t of ED25519_TORSION_SUBGROUP) {
      const b = Uint8Array.from(Buffer.from(t, 'hex'));
      expect(SMALL_ORDER_Y).toContain(yOf(b));
      expect(isStrictPublicKey(b)).toBe(false);
    }
  });
  it('agrees with noble isSmallOrder on random and mixed-order points', () => {
    const T = Point.fromBytes(Uint8Array.from(Buffer.from(ED25519_TORSION_SUBGROUP[1]!, 'hex')));
    for (let i = 0; i < 200; i++) {
      const s =
        BigInt(`0x${Buffer.from(crypto.getRandomValues(new Uint8Array(31))).toString('hex')}`) + 1n;
      const pt = i % 2 ? Point.BASE.multiply(s) : Point.BASE.multiply(s).add(T);
      const b = pt.toBytes();
      expect(isCanonicalNotSmallOrder(b)).toBe(!pt.isSmallOrder());
      expect(isStrictPublicKey(b)).toBe(true);
    }
  });
  it('non-canonical encodings (y ≥ p) are refused', () => {
    for (const y of [P, P + 1n, 2n ** 255n - 1n]) {
      expect(isCanonicalNotSmallOrder(enc(y, 0))).toBe(false);
      expect(isStrictPublicKey(enc(y, 1))).toBe(false);
    }
  });
});

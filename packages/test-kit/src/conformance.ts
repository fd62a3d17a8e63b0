// The vector and negative suite, run once per signature backend (pure noble, @kez/accel).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519 as nobleEd, ED25519_TORSION_SUBGROUP } from '@noble/curves/ed25519.js';
import { schnorr } from '@noble/curves/secp256k1.js';
import { sha512 } from '@noble/hashes/sha2.js';
import {
  bip340,
  claimStatus,
  decode,
  decodeAs,
  detectEncoding,
  ed25519,
  verdictOf,
  encodeDns,
  encodeJson,
  encodeMarkdown,
  exportBundle,
  fromHex,
  getPrimitives,
  normalizeKeyId,
  purePrimitives,
  objectHash,
  parseSubject,
  reverseSigningInput,
  setPrimitives,
  signingInput,
  signerFromSecret,
  toHex,
  verifyChain,
  verifyClaim,
  verifyLogin,
  verifyObject,
  KezError,
  type ChainResult,
  type Claim,
  type EncodingName,
  type Primitives,
  type SignedObject,
  type SuiteName,
  type Verdict,
} from '@kez/core';
import { signaturesAhead, type CountedResults } from './signatures-ahead.js';
import { HAVE_THIRD_PARTY, KEZ_VECTORS, SKIP_MESSAGE, THIRD_PARTY } from './vector-paths.js';

type Json = any;
export const vectors: Json = JSON.parse(readFileSync(KEZ_VECTORS, 'utf8'));

function verdictFor(v: Json, chains: Map<string, ChainResult>): Verdict {
  const now = vectors.now;
  let obj: SignedObject;
  if (v.check !== 'chain') {
    try {
      obj = decodeAs(v.input, v.encoding);
    } catch (err) {
      expect(err).toBeInstanceOf(KezError);
      return verdictOf(err);
    }
  }
  switch (v.check) {
    case 'object':
      return verifyObject(obj!, { now });
    case 'claim':
      return verifyClaim(obj!, { now });
    case 'login':
      return verifyLogin(obj!, { now, audience: v.audience, chain: chains.get(v.chain)! });
    case 'chain':
      return verifyChain(v.input, { now });
    default:
      throw new Error(`unknown check ${v.check}`);
  }
}

const le = (b: Uint8Array) => b.reduceRight((n, x) => (n << 8n) | BigInt(x), 0n);
const leBytes = (n: bigint) =>
  Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 255n));
const Point = nobleEd.Point;
const L = Point.Fn.ORDER;

/**
 * `signatures` checks a chain's signatures ahead of the fold (default: in this thread, with
 * the code a pool worker runs; @kez/accel passes its worker pool): every chain vector must
 * then give the very result of the serial path.
 */
export function conformanceSuite(
  label: string,
  primitives: () => Primitives,
  signatures: (bundle: string) => Promise<CountedResults> = async (b) => signaturesAhead(b),
): void {
  describe(`conformance [${label}]`, () => {
    let saved: Primitives;
    beforeAll(() => {
      saved = getPrimitives();
      setPrimitives(primitives());
    });
    afterAll(() => setPrimitives(saved));

    it('runs on the intended backend', () => {
      expect(getPrimitives().name).toBe(primitives().name);
    });

    describe('SPEC vectors: objects', () => {
      for (const v of vectors.objects as Json[]) {
        it(v.name, () => {
          const obj = v.object as SignedObject;
          expect(toHex(signingInput(obj))).toBe(v.signing_input_hex);
          expect(objectHash(obj)).toBe(v.hash);
          if (v.reverse_signing_input_hex)
            expect(toHex(reverseSigningInput(obj as never))).toBe(v.reverse_signing_input_hex);
          expect(encodeJson(obj)).toBe(v.encodings.json);
          expect(encodeMarkdown(obj)).toBe(v.encodings.markdown);
          expect(encodeDns(v.encodings.compact)).toBe(v.encodings.dns);
          for (const enc of ['json', 'compact', 'markdown', 'dns'] as EncodingName[]) {
            const d = decode(v.encodings[enc]);
            expect(d.encoding).toBe(enc);
            expect(d.object).toEqual(obj);
            const verdict = verifyObject(v.encodings[enc], { now: vectors.now });
            expect(verdict).toMatchObject(v.expected);
            expect(verdict.evidence.hash).toBe(v.hash);
          }
          if (v.type === 'login') {
            const chain = verifyChain(
              (vectors.chains as Json[]).find((c) => c.name === v.chain).bundle,
              { now: vectors.now },
            );
            expect(
              verifyLogin(obj, { now: vectors.now, audience: v.audience, chain }),
            ).toMatchObject({ status: 'valid' });
          }
          // Signatures are deterministic (Ed25519; BIP-340 with the fixed aux).
          const key = vectors.keys[v.signer];
          const s = signerFromSecret(key.suite as SuiteName, fromHex(key.secret), {
            aux: fromHex(vectors.aux),
          });
          expect(s.keyId).toBe(obj.key);
          expect(toHex(s.sign(signingInput(obj)))).toBe(obj.sig);
        });
      }
    });

    const chains = new Map<string, ChainResult>();
    describe('SPEC vectors: chains', () => {
      for (const c of vectors.chains as Json[]) {
        it(c.name, () => {
          const r = verifyChain(c.bundle, { now: vectors.now });
          chains.set(c.name, r);
          const e = c.expected;
          expect(r.status).toBe(e.status);
          expect(r.code).toBe(e.code);
          expect(exportBundle(r.allEvents)).toBe(c.bundle);
          if (e.identity) {
            const s = r.state!;
            expect(s.identity).toBe(e.identity);
            expect(s.head).toEqual(e.head);
            expect(s.primary).toBe(e.primary);
            expect(s.next).toBe(e.next);
            expect([...s.devices.keys()].sort()).toEqual(e.devices);
            expect([...s.revokedDevices].sort()).toEqual(e.revoked_devices);
          }
          if (e.fork_hashes)
            expect([...(r.evidence.hashes as string[])].sort()).toEqual(e.fork_hashes);
          for (const row of e.claims) {
            expect(objectHash(row.claim)).toBe(row.hash);
            const v = claimStatus(row.claim as Claim, r, { now: vectors.now });
            expect({ name: row.name, status: v.status, code: v.code }).toEqual({
              name: row.name,
              status: row.status,
              code: row.code,
            });
          }
        });
      }
    });

    describe('SPEC vectors: negative', () => {
      beforeAll(() => {
        for (const c of vectors.chains as Json[])
          if (!chains.has(c.name)) chains.set(c.name, verifyChain(c.bundle, { now: vectors.now }));
      });
      for (const v of vectors.negative as Json[]) {
        it(`${v.name} → ${v.expected.status}/${v.expected.code}`, () => {
          const r = verdictFor(v, chains);
          expect({ status: r.status, code: r.code }).toEqual(v.expected);
          if (v.check !== 'chain' && detectEncoding(v.input) === v.encoding) {
            // Detection picks the same decoder, so verifying the text directly agrees.
            const direct =
              v.check === 'object'
                ? verifyObject(v.input, { now: vectors.now })
                : v.check === 'claim'
                  ? verifyClaim(v.input, { now: vectors.now })
                  : r;
            expect({ status: direct.status, code: direct.code }).toEqual(v.expected);
          }
        });
      }
    });

    describe('SPEC vectors: chains with signatures checked ahead give the serial result', () => {
      const cases: Array<{ name: string; bundle: string }> = [
        ...(vectors.chains as Json[]).map((c) => ({ name: c.name, bundle: c.bundle })),
        ...(vectors.negative as Json[])
          .filter((v) => v.check === 'chain' && typeof v.input === 'string')
          .map((v) => ({ name: `negative: ${v.name}`, bundle: v.input as string })),
      ];
      it('covers every chain vector, valid and negative', () => {
        expect(cases.length).toBeGreaterThan((vectors.chains as Json[]).length);
      });
      for (const c of cases) {
        it(c.name, async () => {
          const serial = verifyChain(c.bundle, { now: vectors.now });
          const ahead = await signatures(c.bundle);
          expect(verifyChain(c.bundle, { now: vectors.now, signatures: ahead })).toEqual(serial);
          if (serial.status === 'valid') expect(ahead.used).toBeGreaterThan(0);
        });
      }
    });

    describe('SPEC vectors: markdown_pastes', () => {
      it('holds accepted pastes', () => {
        expect((vectors.markdown_pastes as Json[]).length).toBeGreaterThanOrEqual(10);
      });
      for (const v of vectors.markdown_pastes as Json[]) {
        it(`${v.name} decodes to the claim and verifies`, () => {
          const object = decodeAs(v.input, 'markdown');
          expect(object).toEqual(v.object);
          expect(objectHash(object)).toBe(v.hash);
          expect(verifyObject(v.input, { now: vectors.now }).status).toBe('valid');
        });
      }
    });

    describe('SPEC vectors: identifiers', () => {
      it('subjects', () => {
        for (const s of vectors.subjects as Json[]) {
          let got: string | null;
          try {
            got = parseSubject(s.input).text;
          } catch (err) {
            expect((err as KezError).code).toBe('bad_subject');
            got = null;
          }
          expect([s.input, got]).toEqual([s.input, s.canonical]);
        }
      });
      it('key ids', () => {
        for (const s of vectors.key_ids as Json[]) {
          let got: string | null;
          try {
            got = normalizeKeyId(s.input);
          } catch (err) {
            expect((err as KezError).code).toBe('bad_key');
            got = null;
          }
          expect([s.input, got]).toEqual([s.input, s.canonical]);
        }
      });
    });

    describe('Ed25519 strict policy (SPEC §3.3)', () => {
      const seed = new Uint8Array(32).fill(9);
      const { scalar: a, pointBytes: A } = nobleEd.utils.getExtendedPublicKey(seed);
      const msg = new TextEncoder().encode('KEZ strict');
      const kOf = (R: Uint8Array, pub: Uint8Array, m: Uint8Array) =>
        le(sha512(new Uint8Array([...R, ...pub, ...m]))) % L;

      it('accepts an honest signature', () => {
        expect(ed25519.verify(A, msg, nobleEd.sign(msg, seed))).toBe(true);
      });

      it('rejects mixed-order R (valid only under the cofactored equation) for every torsion component', () => {
        for (const t of ED25519_TORSION_SUBGROUP.slice(1)) {
          const T = Point.fromBytes(fromHex(t));
          const r = 987654321n;
          const R = Point.BASE.multiply(r).add(T).toBytes();
          const S = (r + kOf(R, A, msg) * a) % L;
          const sig = new Uint8Array([...R, ...leBytes(S)]);
          // The cofactored check (noble's verify) accepts it: the test is meaningful.
          expect(nobleEd.verify(sig, msg, A, { zip215: false })).toBe(true);
          expect(getPrimitives().ed25519Verify(A, msg, sig)).toBe(false);
          expect(ed25519.verify(A, msg, sig)).toBe(false);
        }
      });

      it('mixed-order A: both equations agree only when k ≡ 0 (mod 8), and the backend is cofactorless', () => {
        const T = Point.fromBytes(fromHex(ED25519_TORSION_SUBGROUP[1]!));
        const Am = Point.fromBytes(A).add(T).toBytes(); // not small order: passes the blocklist
        let accepted = 0;
        let rejected = 0;
        for (let i = 0; i < 24; i++) {
          const m = new TextEncoder().encode(`mixed ${i}`);
          const r = 1000n + BigInt(i);
          const R = Point.BASE.multiply(r).toBytes();
          const k = kOf(R, Am, m);
          const sig = new Uint8Array([...R, ...leBytes((r + k * a) % L)]);
          // [S]B − [k]A' = rB − [k]T, which encodes to R exactly when [k]T = 0.
          const want = k % 8n === 0n;
          expect(getPrimitives().ed25519Verify(Am, m, sig)).toBe(want);
          expect(ed25519.verify(Am, m, sig)).toBe(want);
          if (want) accepted++;
          else rejected++;
        }
        expect(rejected).toBeGreaterThan(0);
        expect(accepted + rejected).toBe(24);
      });

      it('rejects S + L (non-canonical S)', () => {
        const sig = nobleEd.sign(msg, seed);
        const big = leBytes(le(sig.subarray(32)) + L);
        expect(ed25519.verify(A, msg, new Uint8Array([...sig.subarray(0, 32), ...big]))).toBe(
          false,
        );
      });

      it('a small-order key satisfies the cofactorless equation yet is refused by policy', () => {
        const small = fromHex(ED25519_TORSION_SUBGROUP[0]!); // identity: [k]A = 0
        const R = Point.BASE.multiply(5n).toBytes();
        const sig = new Uint8Array([...R, ...leBytes(5n)]);
        // The pure backend's equation holds, so the refusal below is the policy's doing.
        expect(purePrimitives.ed25519Verify(small, msg, sig)).toBe(true);
        expect(ed25519.verify(small, msg, sig)).toBe(false);
      });
    });

    describe.skipIf(!HAVE_THIRD_PARTY)(
      `RFC 8032 §7.1 Ed25519 (strict) ${HAVE_THIRD_PARTY ? '' : SKIP_MESSAGE}`,
      () => {
        const file = HAVE_THIRD_PARTY
          ? JSON.parse(
              readFileSync(resolve(THIRD_PARTY, 'rfc8032/rfc8032-ed25519-vectors.json'), 'utf8'),
            )
          : { vectors: [] };
        it('has 5 vectors', () => expect(file.vectors).toHaveLength(5));
        for (const v of file.vectors as Json[]) {
          it(v.name, () => {
            const pub = fromHex(v.publicKey);
            const msg = fromHex(v.message);
            const sig = fromHex(v.signature);
            expect(toHex(ed25519.publicKey(fromHex(v.secretKey)))).toBe(v.publicKey);
            expect(toHex(ed25519.sign(fromHex(v.secretKey), msg))).toBe(v.signature);
            expect(ed25519.verify(pub, msg, sig)).toBe(true);
            const bad = sig.slice();
            bad[63]! ^= 0x10;
            expect(ed25519.verify(pub, msg, bad)).toBe(false);
            if (msg.length > 0) {
              const m2 = msg.slice();
              m2[0]! ^= 1;
              expect(ed25519.verify(pub, m2, sig)).toBe(false);
            }
          });
        }
      },
    );

    describe.skipIf(!HAVE_THIRD_PARTY)(
      `BIP-340 official vectors ${HAVE_THIRD_PARTY ? '' : SKIP_MESSAGE}`,
      () => {
        const rows = HAVE_THIRD_PARTY
          ? readFileSync(resolve(THIRD_PARTY, 'bip340/test-vectors.csv'), 'utf8')
              .trim()
              .split('\n')
              .slice(1)
              .map((l) => l.split(','))
          : [];
        it('has 19 rows', () => expect(rows).toHaveLength(19));
        for (const [index, sk, pk, aux, msg, sig, result, comment] of rows as string[][]) {
          it(`#${index} ${result} ${comment ?? ''}`, () => {
            const pub = fromHex(pk!.toLowerCase());
            const m = fromHex(msg!.toLowerCase());
            const s = fromHex(sig!.toLowerCase());
            // Raw BIP-340 Verify on the backend (the CSV messages are not KEZ signing inputs).
            expect(getPrimitives().schnorrVerify(pub, m, s)).toBe(result === 'TRUE');
            if (sk) {
              expect(
                toHex(schnorr.sign(m, fromHex(sk.toLowerCase()), fromHex(aux!.toLowerCase()))),
              ).toBe(sig!.toLowerCase());
              expect(toHex(bip340.publicKey(fromHex(sk.toLowerCase())))).toBe(pk!.toLowerCase());
            }
          });
        }
      },
    );
  });
}

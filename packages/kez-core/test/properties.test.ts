// Property tests: mutated artifacts never verify as valid, and nothing throws a non-KezError.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ENCODINGS,
  addClaim,
  canonicalize,
  createLogin,
  decode,
  encode,
  exportBundle,
  parseBundle,
  parseCanonical,
  parseSubject,
  normalizeKeyId,
  verifyChain,
  verifyObject,
  KezError,
  type Claim,
  type EncodingName,
  type SignedObject,
} from '../src/index.js';
import { buildChain, FIXTURE_NOW as NOW } from '@kez/test-kit/chain-builder';
import { signaturesAhead } from '@kez/test-kit/signatures-ahead';

const RUNS = Number(process.env.KEZ_PROP_RUNS ?? 150);

/** Runs fn; a throw must be a KezError. */
function onlyKezErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof KezError)) throw err;
  }
}

const mutation = (len: number) =>
  fc.oneof(
    fc.record({
      kind: fc.constant('flip' as const),
      at: fc.nat(len - 1),
      bit: fc.integer({ min: 0, max: 6 }),
    }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(len - 1) }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(len),
      ch: fc.string({ minLength: 1, maxLength: 3 }),
    }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(len - 1) }),
  );

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; ch: string }
  | { kind: 'delete'; at: number };

function apply(text: string, m: Mutation): string {
  switch (m.kind) {
    case 'flip':
      return (
        text.slice(0, m.at) +
        String.fromCharCode(text.charCodeAt(m.at) ^ (1 << m.bit)) +
        text.slice(m.at + 1)
      );
    case 'truncate':
      return text.slice(0, m.at);
    case 'insert':
      return text.slice(0, m.at) + m.ch + text.slice(m.at);
    case 'delete':
      return text.slice(0, m.at) + text.slice(m.at + 1);
  }
}

/** A mutation that leaves the decoded object unchanged may still verify; anything else must not. */
function sameObject(text: string, original: SignedObject): boolean {
  try {
    return canonicalize(decode(text).object) === canonicalize(original);
  } catch {
    return false;
  }
}

describe('mutated artifacts', () => {
  const texts = {} as Record<string, Record<EncodingName, string>>;
  const artifacts = {} as Record<string, SignedObject>;
  let claim: Claim;
  beforeAll(async () => {
    const { state, next, events } = buildChain('bip340');
    claim = addClaim(
      state,
      { subject: 'github:prop', created_at: NOW, locators: ['https://sig.example.com/x'] },
      next,
    ).claim;
    artifacts.claim = claim;
    artifacts.event = events[3]!; // a rotate with a reverse signature
    artifacts.login = createLogin(
      { identity: state.identity, audience: 'chat', created_at: NOW, expires_at: NOW + 60 },
      next,
    );
    for (const [name, obj] of Object.entries(artifacts)) {
      texts[name] = {} as Record<EncodingName, string>;
      for (const enc of ENCODINGS) texts[name]![enc] = await encode(obj, enc);
    }
  });

  for (const name of ['claim', 'event', 'login']) {
    for (const enc of ENCODINGS) {
      it(`${name} ${enc}: byte flips, truncation, insertion, deletion never yield a valid other object`, () => {
        const text = texts[name]![enc];
        fc.assert(
          fc.property(mutation(text.length), (m) => {
            const t = apply(text, m as Mutation);
            let v;
            onlyKezErrors(() => {
              v = verifyObject(t, { now: NOW });
            });
            expect(v).toBeDefined();
            if (v!.status === 'valid') expect(sameObject(t, artifacts[name]!)).toBe(true);
          }),
          { numRuns: name === 'claim' ? RUNS : Math.ceil(RUNS / 2) },
        );
      });
    }
  }

  it('member changes (JSON) are caught by structure or signature', () => {
    const keys = Object.keys({
      ...({} as Claim),
      kez: 1,
      type: 1,
      identity: 1,
      seq: 1,
      subject: 1,
      key: 1,
      created_at: 1,
      sig: 1,
      locators: 1,
    });
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 2 }), (k, val) => {
        const mutated = { ...claim, [k]: val } as Record<string, unknown>;
        if (
          JSON.stringify(mutated[k]) ===
          JSON.stringify((claim as unknown as Record<string, unknown>)[k])
        )
          return;
        const v = verifyObject(mutated, { now: NOW });
        expect(v.status).not.toBe('valid');
      }),
      { numRuns: RUNS },
    );
  });

  it('removing a member or adding an unknown one is never valid', () => {
    for (const k of Object.keys(claim)) {
      const { [k]: _drop, ...rest } = claim as unknown as Record<string, unknown>;
      expect(verifyObject(rest, { now: NOW }).status).not.toBe('valid');
    }
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 8 }),
        fc.jsonValue({ maxDepth: 1 }),
        (k, val) => {
          if (k in claim) return;
          expect(verifyObject({ ...claim, [k]: val }, { now: NOW })).toMatchObject({
            status: 'invalid',
            code: 'malformed',
          });
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('arbitrary input', () => {
  it('decoders and parsers only throw KezError', () => {
    fc.assert(
      fc.property(
        fc
          .oneof(
            fc.string(),
            fc.string({ unit: 'binary' }),
            fc.json().map((j) => j),
            fc.constantFrom('{', '"', 'kez:z1:', '```kez\n'),
          )
          .chain((prefix) => fc.string().map((s) => prefix + s)),
        (t) => {
          onlyKezErrors(() => decode(t));
          onlyKezErrors(() => parseCanonical(t));
          onlyKezErrors(() => parseBundle(t));
          onlyKezErrors(() => parseSubject(t));
          onlyKezErrors(() => normalizeKeyId(t));
          expect(verifyObject(t, { now: NOW }).status).not.toBe('valid');
          expect(verifyChain(t, { now: NOW }).status).not.toBe('valid');
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });
  it('verifyObject on arbitrary JSON values is never valid and never throws', () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        expect(verifyObject(v, { now: NOW }).status).not.toBe('valid');
      }),
      { numRuns: RUNS },
    );
  });
  it('compact: random frames after the prefix are rejected with a KezError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const b64 = Buffer.from(bytes).toString('base64url');
        onlyKezErrors(() => decode(`kez:z1:${b64}`));
        // zstd magic + random header and blocks
        onlyKezErrors(() =>
          decode(`kez:z1:${Buffer.from([0x28, 0xb5, 0x2f, 0xfd, ...bytes]).toString('base64url')}`),
        );
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

describe('mutated bundles', () => {
  it('a mutated line never yields a valid chain with a different head', () => {
    const { events, state } = buildChain('ed25519');
    const bundle = exportBundle(events);
    fc.assert(
      fc.property(mutation(bundle.length), (m) => {
        const t = apply(bundle, m as Mutation);
        let r;
        onlyKezErrors(() => {
          r = verifyChain(t, { now: NOW });
        });
        if (r!.status === 'valid')
          expect(r!.state!.head.hash === state.head.hash || t.length < bundle.length).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
  it('signatures checked ahead, of the mutated bundle or of the original, change no verdict', () => {
    const { events } = buildChain('bip340');
    const bundle = exportBundle(events);
    const original = signaturesAhead(bundle);
    fc.assert(
      fc.property(mutation(bundle.length), (m) => {
        const t = apply(bundle, m as Mutation);
        const serial = verifyChain(t, { now: NOW });
        for (const signatures of [signaturesAhead(t), original])
          expect(verifyChain(t, { now: NOW, signatures })).toEqual(serial);
      }),
      { numRuns: RUNS },
    );
    expect(original.used).toBeGreaterThan(0);
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import canonicalizeLib from 'canonicalize';
import { canonicalize, parseCanonical, KezError } from '../src/index.js';
import { canonicalWithAndWithout, jcsMemberKey, jcsMemberSpan } from '../src/jcs.js';
import { HAVE_THIRD_PARTY, SKIP_MESSAGE, THIRD_PARTY } from '@kez/test-kit/vector-paths';

const JCS = resolve(THIRD_PARTY, 'jcs');

describe.skipIf(!HAVE_THIRD_PARTY)(
  `RFC 8785 data (cyberphone) ${HAVE_THIRD_PARTY ? '' : SKIP_MESSAGE}`,
  () => {
    const names = HAVE_THIRD_PARTY ? readdirSync(resolve(JCS, 'input')).sort() : [];
    it('has 6 cases', () => expect(names).toHaveLength(6));
    for (const name of names) {
      it(name, () => {
        const input = JSON.parse(readFileSync(resolve(JCS, 'input', name), 'utf8'));
        const expected = readFileSync(resolve(JCS, 'output', name));
        const out = new TextEncoder().encode(canonicalize(input));
        expect(Buffer.from(out).equals(expected)).toBe(true);
        const hex = readFileSync(resolve(JCS, 'outhex', name.replace('.json', '.txt')), 'utf8')
          .trim()
          .split(/\s+/)
          .join('');
        expect(Buffer.from(out).toString('hex')).toBe(hex);
      });
    }

    it('es6testfile100k.txt: all 100,000 number serializations', () => {
      const lines = readFileSync(resolve(JCS, 'es6testfile100k.txt'), 'utf8')
        .split('\n')
        .filter((l) => l !== '');
      expect(lines).toHaveLength(100_000);
      const view = new DataView(new ArrayBuffer(8));
      let bad = 0;
      for (const line of lines) {
        const comma = line.indexOf(',');
        view.setBigUint64(0, BigInt(`0x${line.slice(0, comma)}`));
        const got = canonicalize(view.getFloat64(0));
        if (got !== line.slice(comma + 1)) bad++;
      }
      expect(bad).toBe(0);
    });
  },
);

describe('canonicalize: JSON.stringify when keys are already in order, the library otherwise', () => {
  /** The same value with every object's keys inserted in JCS order (the fast path's case). */
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
          )
        : v;
  it('equals the RFC 8785 library on random JSON, in any key order', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
        expect(canonicalize(v)).toBe(canonicalizeLib(v));
        expect(canonicalize(sorted(v))).toBe(canonicalizeLib(v));
      }),
      { numRuns: 500 },
    );
  });
  it('equals it where JSON.stringify differs from JCS', () => {
    const cases: unknown[] = [
      { '10': 1, '9': 2, a: 3 }, // V8 enumerates integer keys first, numerically
      { b: 1, a: 2 },
      { a: undefined, b: 1 },
      [1, undefined, 2],
      { a: { toJSON: () => 'x' } },
      Object.assign(Object.create(null), { a: 1 }),
      { a: new Date(0) },
      { a: -0, b: 1e21, c: 5e-7 },
      { é: 1, e: 2, '\u{1f600}': 3, '\uff61': 4 },
    ];
    for (const v of cases) expect(canonicalize(v)).toBe(canonicalizeLib(v));
  });
  it('refuses what the library refuses', () => {
    for (const v of [{ a: '\ud800' }, { '\udc00': 1 }, { a: Number.NaN }, [Infinity]]) {
      expect(() => canonicalize(v)).toThrow(KezError);
      expect(() => canonicalizeLib(v)).toThrow();
    }
  });
});

describe('canonicalWithAndWithout', () => {
  it('equals JCS of the object and of the object without the member', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })),
        fc.string(),
        (obj, omit) => {
          const o = { ...obj, [omit]: 1 } as Record<string, unknown>;
          const { full, without } = canonicalWithAndWithout(o, omit);
          expect(full).toBe(canonicalize(o));
          const { [omit]: _x, ...rest } = o;
          expect(without).toBe(canonicalize(rest));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('parseCanonical (SPEC §8.1)', () => {
  const code = (text: string) => {
    try {
      parseCanonical(text);
      return 'ok';
    } catch (err) {
      expect(err).toBeInstanceOf(KezError);
      return (err as KezError).code;
    }
  };
  it('accepts exactly JCS, optionally with one LF', () => {
    expect(code('{"a":1,"b":[true,null,"x"]}')).toBe('ok');
    expect(code('{"a":1}\n')).toBe('ok');
  });
  it('classifies the rest', () => {
    expect(code('{"a":1}\n\n')).toBe('trailing_data');
    expect(code('{"a":1}x')).toBe('trailing_data');
    expect(code('{"b":1,"a":1}')).toBe('non_canonical');
    expect(code('{"a":1,"a":1}')).toBe('non_canonical');
    expect(code('{ "a":1}')).toBe('non_canonical');
    expect(code('{"a":"\\u0041"}')).toBe('non_canonical');
    expect(code('{"a":1E1}')).toBe('non_canonical');
    expect(code('{"a":-0}')).toBe('non_canonical');
    expect(code('{"a":1.5}')).toBe('malformed');
    expect(code('{"a":-1}')).toBe('malformed');
    expect(code('{"a":1e400}')).toBe('malformed');
    expect(code('{"a":9007199254740992}')).toBe('malformed');
    expect(code('{"a":"\\udc00"}')).toBe('malformed');
    expect(code('{"\\ud800":1}')).toBe('malformed');
    expect(code('[1]')).toBe('malformed');
    expect(code('"x"')).toBe('malformed');
    expect(code('')).toBe('malformed');
    expect(code('{"a":')).toBe('malformed');
    expect(code('{"a":[[[[[[[1]]]]]]]}')).toBe('ok');
    expect(code('{"a":[[[[[[[[1]]]]]]]]}')).toBe('too_large');
    expect(code('['.repeat(100_000))).toBe('too_large');
    expect(code(`{"a":"${'é'.repeat(32_768)}"}`)).toBe('too_large');
  });
  it('refuses lone surrogates given raw (not escaped) in the text', () => {
    expect(code('{"a":"\ud800"}')).toBe('malformed');
    expect(code('{"\udc00":1}')).toBe('malformed');
    expect(code('{"a":"\ud83d\ude00"}')).toBe('ok');
  });
  it('returns the parsed object, equal to JSON.parse of the text', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })), (obj) => {
        let text: string;
        try {
          text = canonicalize(obj);
        } catch {
          return;
        }
        let parsed: unknown;
        try {
          parsed = parseCanonical(text);
        } catch (err) {
          // Non-integers and values nested past the depth limit are refused, never accepted.
          expect(['malformed', 'too_large']).toContain((err as KezError).code);
          return;
        }
        expect(parsed).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });
});

describe('jcsMemberSpan', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  const dec = (b: Uint8Array) => new TextDecoder().decode(b);
  const cut = (o: Record<string, unknown>, name: string) => {
    const b = enc(canonicalize(o));
    const span = jcsMemberSpan(b, jcsMemberKey(name));
    if (!span) return undefined;
    return dec(b.subarray(0, span[0])) + dec(b.subarray(span[1]));
  };
  it('cuts the top-level member and one comma: JCS without it', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })),
        fc.string(),
        fc.jsonValue({ maxDepth: 2 }),
        (obj, name, value) => {
          const o = { ...obj, [name]: value } as Record<string, unknown>;
          const { [name]: _x, ...rest } = o;
          let want: string;
          try {
            want = canonicalize(rest);
            canonicalize(o);
          } catch {
            return;
          }
          expect(cut(o, name)).toBe(want);
        },
      ),
      { numRuns: 500 },
    );
  });
  it('finds only the top-level member, not look-alikes in names, values or nested objects', () => {
    const sig = 'ab'.repeat(64);
    const o = {
      a: { sig },
      'x"sig': sig,
      b: [`"sig":"${sig}"`, { sig }],
      sig,
      subject: `"sig":"${sig}"`,
      é: 'ü',
    };
    const { sig: _s, ...rest } = o;
    expect(cut(o, 'sig')).toBe(canonicalize(rest));
    expect(cut({ sig }, 'sig')).toBe('{}');
    expect(cut({ a: 1, sig }, 'sig')).toBe('{"a":1}');
    expect(cut({ sig, z: 1 }, 'sig')).toBe('{"z":1}');
    expect(cut({ a: { sig } }, 'sig')).toBeUndefined();
    expect(cut({ 'x"sig': sig }, 'sig')).toBeUndefined();
  });
});

// KezError: a brand any copy of the package recognises, and the wrapped error kept as cause.
import { describe, expect, it } from 'vitest';
import {
  isKezError,
  KezError,
  normalizeDomain,
  nsecDecode,
  parseCanonical,
  utf8Decode,
  verdictOf,
} from '../src/index.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('isKezError', () => {
  it('is true for a KezError, also from a second copy of the module', async () => {
    // A query string makes Vite load errors.ts again: another class, the same brand.
    type Errors = typeof import('../src/errors.js');
    // @ts-expect-error tsc does not resolve a specifier with a query string; Vite does
    const copy: Errors = await import('../src/errors.js?second-copy');
    expect(copy.KezError).not.toBe(KezError);
    const other = new copy.KezError('bad_link', 'from the other copy', { seq: 3 });
    expect(other).not.toBeInstanceOf(KezError);
    expect(isKezError(other)).toBe(true);
    expect(isKezError(new KezError('fork', 'x'))).toBe(true);
    expect(copy.isKezError(new KezError('fork', 'x'))).toBe(true);
    // …so a verdict keeps its code instead of turning into "unexpected input".
    expect(verdictOf(other)).toEqual({
      status: 'invalid',
      code: 'bad_link',
      reason: 'from the other copy',
      evidence: { seq: 3 },
    });
  });

  it('is false for look-alikes: a name, or the fields, are not the brand', () => {
    const named = Object.assign(new Error('x'), { name: 'KezError', code: 'fork', status: 'fork' });
    expect(isKezError(named)).toBe(false);
    expect(isKezError({ name: 'KezError', code: 'fork', status: 'fork', message: 'x' })).toBe(
      false,
    );
    expect(isKezError(JSON.parse(JSON.stringify(new KezError('fork', 'x'))))).toBe(false);
    expect(isKezError(null)).toBe(false);
    expect(isKezError('KezError')).toBe(false);
    expect(verdictOf(named)).toMatchObject({ code: 'malformed', reason: 'unexpected input' });
  });
});

describe('cause', () => {
  it('keeps the error a failure wraps', () => {
    const cases: [() => unknown, string][] = [
      [() => parseCanonical('{"a":'), 'malformed'],
      [() => utf8Decode(new Uint8Array([0xff])), 'malformed'],
      [() => nsecDecode('nsec1notbech32'), 'bad_key'],
      [() => normalizeDomain('\u00e4<.example'), 'bad_subject'],
    ];
    for (const [fn, code] of cases) {
      const err = thrown(fn) as KezError;
      expect(isKezError(err)).toBe(true);
      expect(err.code).toBe(code);
      expect(err.cause).toBeInstanceOf(Error);
      expect(isKezError(err.cause)).toBe(false);
    }
  });

  it('is absent when nothing was wrapped', () => {
    const err = thrown(() => parseCanonical('{"b":1,"a":2}')) as KezError;
    expect(err.code).toBe('non_canonical');
    expect('cause' in err).toBe(false);
  });
});

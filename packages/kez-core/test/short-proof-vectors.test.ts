// The TS scanner passes the short_proofs vectors (SPEC §5.2, §12).
import { describe, expect, it } from 'vitest';
import { vectors } from '@kez/test-kit/conformance';
import { findShortProofs, isKezError } from '../src/index.js';

type Expected = { identity: string; home?: string }[] | { status: string; code: string };
const cases = (vectors as unknown as { short_proofs: { input: string; expected: Expected }[] })
  .short_proofs;

describe('vectors: short_proofs', () => {
  it('has at least 20 entries, positive and negative', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
    expect(cases.some((c) => Array.isArray(c.expected) && c.expected.length > 0)).toBe(true);
    expect(cases.some((c) => !Array.isArray(c.expected))).toBe(true);
  });

  it.each(cases.map((c) => [JSON.stringify(c.input).slice(0, 60), c] as const))('%s', (_, c) => {
    let got: Expected;
    try {
      got = findShortProofs(c.input);
    } catch (e) {
      if (!isKezError(e)) throw e;
      got = { status: e.status, code: e.code };
    }
    expect(got).toEqual(c.expected);
  });
});

import { describe, expect, it } from 'vitest';
import { BoundedCache, isKezError } from '../src/index.js';

describe('BoundedCache', () => {
  it('never holds more than maxEntries, whatever is written', () => {
    const c = new BoundedCache<string, number>(3);
    for (let i = 0; i < 1000; i++) {
      c.set(`k${i}`, i);
      expect(c.size).toBeLessThanOrEqual(3);
    }
    expect([c.get('k999'), c.get('k998'), c.get('k997'), c.get('k996')]).toEqual([
      999,
      998,
      997,
      undefined,
    ]);
  });

  it('evicts the least recently used: a get refreshes, a has does not', () => {
    const c = new BoundedCache<string, number>(2);
    c.set('a', 1).set('b', 2);
    expect(c.get('a')).toBe(1);
    c.set('c', 3); // evicts b, the least recently used
    expect(c.has('b')).toBe(false);
    expect(c.has('a')).toBe(true);
    expect(c.has('c')).toBe(true);
    expect(c.has('a')).toBe(true); // not a use: a is still older than c
    c.set('d', 4);
    expect(c.has('a')).toBe(false);
    expect([c.get('c'), c.get('d')]).toEqual([3, 4]);
  });

  it('overwriting a key keeps one entry and refreshes it', () => {
    const c = new BoundedCache<string, number>(2);
    c.set('a', 1).set('b', 2).set('a', 10).set('c', 3);
    expect(c.size).toBe(2);
    expect(c.get('a')).toBe(10);
    expect(c.has('b')).toBe(false);
  });

  it('caches falsy values, deletes and clears', () => {
    const c = new BoundedCache<string, number | undefined>(4);
    c.set('zero', 0).set('undef', undefined);
    expect(c.get('zero')).toBe(0);
    expect(c.has('undef')).toBe(true);
    expect(c.delete('zero')).toBe(true);
    expect(c.delete('zero')).toBe(false);
    c.clear();
    expect(c.size).toBe(0);
  });

  it('rejects a bound that is not a positive integer', () => {
    for (const n of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      let err: unknown;
      try {
        new BoundedCache(n);
      } catch (e) {
        err = e;
      }
      expect(isKezError(err)).toBe(true);
    }
  });
});

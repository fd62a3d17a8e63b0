// BoundedCache with a weight budget (the sig-server's chain-state caches): by entry count and
// by total weight.
import { describe, expect, it } from 'vitest';
import { BoundedCache } from '../src/index.js';

const lru = (capacity: number, maxWeight: number) =>
  new BoundedCache<string, { w: number }>(capacity, { maxWeight, weigh: (v) => v.w });

describe('BoundedCache with a weight budget', () => {
  it('evicts the least recently used entry past its capacity', () => {
    const c = lru(2, 1000);
    c.set('a', { w: 1 });
    c.set('b', { w: 1 });
    c.get('a');
    c.set('c', { w: 1 });
    expect([c.get('a'), c.get('b'), c.get('c')].map(Boolean)).toEqual([true, false, true]);
    expect(c.size).toBe(2);
  });

  it('evicts by total weight, keeps the newest entry even when it alone is too heavy', () => {
    const c = lru(100, 10);
    c.set('a', { w: 4 });
    c.set('b', { w: 4 });
    c.set('c', { w: 4 });
    expect(c.get('a')).toBeUndefined();
    expect(c.weight).toBe(8);
    c.set('huge', { w: 50 });
    expect(c.size).toBe(1);
    expect(c.get('huge')).toEqual({ w: 50 });
  });

  it('re-weighs an entry that grew in place when it is set again', () => {
    const c = lru(100, 10);
    const grows = { w: 2 };
    c.set('x', grows);
    c.set('y', { w: 2 });
    grows.w = 9;
    c.set('x', grows);
    expect(c.weight).toBe(9);
    expect(c.get('y')).toBeUndefined();
  });
});

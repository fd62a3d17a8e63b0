/**
 * A small LRU bounded by entry count and by total weight (an estimate of memory: a chain state
 * grows with its claims). Touching an entry makes it the newest; the oldest go first, and the
 * newest entry always stays.
 */
export class WeightedLru<V> {
  private readonly map = new Map<string, { v: V; w: number }>();
  private total = 0;
  constructor(
    private readonly capacity: number,
    private readonly maxWeight: number,
    private readonly weigh: (v: V) => number,
  ) {}
  get(key: string): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    this.map.delete(key);
    this.map.set(key, e);
    return e.v;
  }
  /** Inserts or refreshes `key` (also after its value grew in place). */
  set(key: string, v: V): void {
    const old = this.map.get(key);
    if (old) {
      this.total -= old.w;
      this.map.delete(key);
    }
    const w = this.weigh(v);
    this.map.set(key, { v, w });
    this.total += w;
    while (this.map.size > 1 && (this.map.size > this.capacity || this.total > this.maxWeight)) {
      const [oldest, e] = this.map.entries().next().value!;
      this.map.delete(oldest);
      this.total -= e.w;
    }
  }
  get size(): number {
    return this.map.size;
  }
  get weight(): number {
    return this.total;
  }
}

// A bounded least-recently-used cache: at most `maxEntries` entries and, when given, at most
// `maxWeight` total weight (an estimate of memory, e.g. claims held); the least recently read
// or written entry goes first, and the newest always stays. Pure (no timers, no I/O), so
// memory stays bounded whatever keys a hostile peer makes us see.
import { fail } from './errors.js';

export interface WeightBudget<V> {
  readonly maxWeight: number;
  /** The weight of a value, read when it is set (set it again after it grew in place). */
  weigh(value: V): number;
}

export class BoundedCache<K, V> {
  // Map iteration follows insertion order; re-inserting on each hit keeps the oldest first.
  readonly #entries = new Map<K, { value: V; weight: number }>();
  readonly #budget: WeightBudget<V> | undefined;
  #weight = 0;
  readonly maxEntries: number;

  constructor(maxEntries: number, budget?: WeightBudget<V>) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1)
      fail('malformed', 'a bounded cache holds at least one entry');
    this.maxEntries = maxEntries;
    this.#budget = budget;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The total weight held (0 without a weight budget). */
  get weight(): number {
    return this.#weight;
  }

  /** The value for `key` (now the most recently used), or undefined. */
  get(key: K): V | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, e);
    return e.value;
  }

  /** Presence only; does not count as a use. */
  has(key: K): boolean {
    return this.#entries.has(key);
  }

  set(key: K, value: V): this {
    this.delete(key);
    const weight = this.#budget ? this.#budget.weigh(value) : 0;
    this.#entries.set(key, { value, weight });
    this.#weight += weight;
    const maxWeight = this.#budget?.maxWeight ?? Number.POSITIVE_INFINITY;
    while (
      this.#entries.size > 1 &&
      (this.#entries.size > this.maxEntries || this.#weight > maxWeight)
    ) {
      this.delete(this.#entries.keys().next().value as K);
    }
    return this;
  }

  delete(key: K): boolean {
    const e = this.#entries.get(key);
    if (!e) return false;
    this.#entries.delete(key);
    this.#weight -= e.weight;
    return true;
  }

  clear(): void {
    this.#entries.clear();
    this.#weight = 0;
  }
}

/**
 * The storage seam: the HTTP layer and the append logic talk only to this interface, so the
 * SQLite default and the PostgreSQL backend are interchangeable. Backends store bytes and
 * enforce "one main event per (identity, seq)" atomically; they never validate events —
 * that is @kez/core's job, done before a write is attempted.
 */

/** One stored event: its position, its object hash H(e) and its exact JCS text. */
export interface StoredEvent {
  seq: number;
  hash: string;
  /** JCS(event), without the trailing LF. */
  jcs: string;
}

export interface ChainHead {
  identity: string;
  seq: number;
  hash: string;
  /** True once fork evidence (a second valid event at a stored position) exists. */
  fork: boolean;
  /** Fork evidence events stored, and valid rivals refused storage by the bounds. */
  forksStored: number;
  forksDropped: number;
  /**
   * Reorganizations of this chain so far: a state or history cached at another count may
   * describe a main line that is now evidence.
   */
  reorgs: number;
}

/** What became of a valid rival: stored, already stored, or only counted (bounds reached). */
export type ForkOutcome = 'stored' | 'duplicate' | 'dropped';

export interface ForkBounds {
  forksPerPosition: number;
  forksPerChain: number;
}

/** Where a page of fork evidence ends: evidence is ordered by (seq, hash). */
export interface ForkCursor {
  seq: number;
  hash: string;
}

/** The head an append expects to extend; null for a genesis append (no chain yet). */
export type ExpectedHead = { seq: number; hash: string } | null;

export type AppendResult =
  | { ok: true }
  /** The head moved (or the chain appeared) since the caller read it: re-read and decide again. */
  | { ok: false; reason: 'conflict' };

/** What a reorganization did: each former main event, from the winner's seq on, as evidence. */
export type ReorgResult =
  | { ok: true; superseded: (StoredEvent & { outcome: ForkOutcome })[] }
  /** The head moved since the caller decided: re-read and decide again. */
  | { ok: false; reason: 'conflict' };

export interface StoreStats {
  chains: number;
  events: number;
  forkEvents: number;
}

export interface ChainStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Creates the schema if it is missing. Idempotent. */
  init(): Promise<void>;
  head(identity: string): Promise<ChainHead | null>;
  /** Main-chain events with seq >= fromSeq, ascending, at most `limit`. */
  events(identity: string, fromSeq: number, limit: number): Promise<StoredEvent[]>;
  eventAt(identity: string, seq: number): Promise<StoredEvent | null>;
  /**
   * Appends `event` as the main event at `expected.seq + 1` (or seq 0 when `expected` is null)
   * in one transaction, only if the chain's head still equals `expected`.
   */
  append(identity: string, event: StoredEvent, expected: ExpectedHead): Promise<AppendResult>;
  /**
   * Flags the chain and stores fork evidence, unless `bounds` are reached for its position or
   * chain (then it is only counted). Atomic per chain, so concurrent rivals cannot overshoot.
   */
  addFork(identity: string, event: StoredEvent, bounds: ForkBounds): Promise<ForkOutcome>;
  /**
   * Makes `winner` the main event at its seq (1 ≤ seq ≤ expected.seq), in one transaction,
   * only if the chain's head still equals `expected` — the head the caller decided from; as
   * every event names its predecessor's hash, that head fixes the whole main line. The main
   * events from `winner.seq` on become fork evidence, ascending, under `bounds` (beyond them
   * they are only counted, in `forksDropped`); `winner` leaves the evidence if it was there;
   * the head moves to `winner`, the chain is flagged and its `reorgs` count grows by one.
   */
  reorg(
    identity: string,
    winner: StoredEvent,
    expected: { seq: number; hash: string },
    bounds: ForkBounds,
  ): Promise<ReorgResult>;
  /** Fork evidence after `after` (from the start when null), ordered by (seq, hash). */
  forks(identity: string, after: ForkCursor | null, limit: number): Promise<StoredEvent[]>;
  /** Totals from counters the write path maintains in the same transactions: no table scan. */
  stats(): Promise<StoreStats>;
  /** Throws a StoreUnavailableError if the database cannot take writes now. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

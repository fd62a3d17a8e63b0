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
}

/** The head an append expects to extend; null for a genesis append (no chain yet). */
export type ExpectedHead = { seq: number; hash: string } | null;

export type AppendResult =
  | { ok: true }
  /** The head moved (or the chain appeared) since the caller read it: re-read and decide again. */
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
  /** Stores fork evidence and flags the chain. Returns false if this event was already stored. */
  addFork(identity: string, event: StoredEvent): Promise<boolean>;
  /** Fork evidence, ordered by (seq, hash). */
  forks(identity: string): Promise<StoredEvent[]>;
  stats(): Promise<StoreStats>;
  /** Throws if the database cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

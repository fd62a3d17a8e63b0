// The SQLite schema, statements and write transactions, shared by the store's reading
// connection (sqlite.ts) and its writer thread (sqlite-writer.ts).
import type Database from 'better-sqlite3';
import { supersede } from './evidence.js';
import type {
  AppendResult,
  ExpectedHead,
  ForkBounds,
  ForkOutcome,
  ReorgResult,
  StoredEvent,
  StoreStats,
} from './types.js';

export const SQLITE_FILE = 'kez-sig.sqlite3';
/** A write blocked by another process's lock waits this long per try, then retries later. */
export const BUSY_SLICE_MS = 5;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS chains (
  identity  TEXT PRIMARY KEY,
  head_seq  INTEGER NOT NULL,
  head_hash TEXT NOT NULL,
  fork      INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS events (
  identity TEXT NOT NULL,
  seq      INTEGER NOT NULL,
  hash     TEXT NOT NULL,
  jcs      TEXT NOT NULL,
  PRIMARY KEY (identity, seq)
);
CREATE TABLE IF NOT EXISTS fork_events (
  identity TEXT NOT NULL,
  seq      INTEGER NOT NULL,
  hash     TEXT NOT NULL,
  jcs      TEXT NOT NULL,
  PRIMARY KEY (identity, hash)
);
CREATE INDEX IF NOT EXISTS fork_events_position ON fork_events (identity, seq);
`;
/** Added after 0.2.0: fork evidence bounds and write-path counters (migrated on open). */
const MIGRATION = `
ALTER TABLE chains ADD COLUMN forks_stored INTEGER NOT NULL DEFAULT 0;
ALTER TABLE chains ADD COLUMN forks_dropped INTEGER NOT NULL DEFAULT 0;
CREATE TABLE counters (
  id INTEGER PRIMARY KEY CHECK (id = 0),
  chains INTEGER NOT NULL, events INTEGER NOT NULL, fork_events INTEGER NOT NULL
);
INSERT INTO counters VALUES (0, (SELECT count(*) FROM chains), (SELECT count(*) FROM events),
  (SELECT count(*) FROM fork_events));
UPDATE chains SET forks_stored = (SELECT count(*) FROM fork_events f
  WHERE f.identity = chains.identity) WHERE fork = 1;
`;
/** Added with recovery reorganizations (SPEC v0.3 §6.8). */
const MIGRATION_REORGS = 'ALTER TABLE chains ADD COLUMN reorgs INTEGER NOT NULL DEFAULT 0';

export interface HeadRow {
  identity: string;
  head_seq: number;
  head_hash: string;
  fork: number;
  forks_stored: number;
  forks_dropped: number;
  reorgs: number;
}

/** A prepared statement, as the store uses it (better-sqlite3's own type cannot be exported). */
export interface Stmt<P extends unknown[], R> {
  get(...params: P): R | undefined;
  all(...params: P): R[];
  run(...params: P): { changes: number };
}

function stmt<P extends unknown[], R = never>(db: Database.Database, sql: string): Stmt<P, R> {
  return db.prepare<P, R>(sql);
}

/** The statements the store runs, prepared once the schema is there. */
export function prepareQueries(db: Database.Database) {
  return {
    head: stmt<[string], HeadRow>(
      db,
      'SELECT identity, head_seq, head_hash, fork, forks_stored, forks_dropped, reorgs FROM chains WHERE identity = ?',
    ),
    events: stmt<[string, number, number], StoredEvent>(
      db,
      'SELECT seq, hash, jcs FROM events WHERE identity = ? AND seq >= ? ORDER BY seq LIMIT ?',
    ),
    eventAt: stmt<[string, number], StoredEvent>(
      db,
      'SELECT seq, hash, jcs FROM events WHERE identity = ? AND seq = ?',
    ),
    insertChain: stmt<[string, string]>(
      db,
      'INSERT INTO chains (identity, head_seq, head_hash) VALUES (?, 0, ?)',
    ),
    moveHead: stmt<[number, string, string]>(
      db,
      'UPDATE chains SET head_seq = ?, head_hash = ? WHERE identity = ?',
    ),
    insertEvent: stmt<[string, number, string, string]>(
      db,
      'INSERT INTO events (identity, seq, hash, jcs) VALUES (?, ?, ?, ?)',
    ),
    countChain: stmt<[]>(db, 'UPDATE counters SET chains = chains + 1 WHERE id = 0'),
    countEvent: stmt<[]>(db, 'UPDATE counters SET events = events + 1 WHERE id = 0'),
    countFork: stmt<[]>(db, 'UPDATE counters SET fork_events = fork_events + 1 WHERE id = 0'),
    forkExists: stmt<[string, string], { one: number }>(
      db,
      'SELECT 1 AS one FROM fork_events WHERE identity = ? AND hash = ?',
    ),
    forksAt: stmt<[string, number], { n: number }>(
      db,
      'SELECT count(*) AS n FROM fork_events WHERE identity = ? AND seq = ?',
    ),
    insertFork: stmt<[string, number, string, string]>(
      db,
      'INSERT INTO fork_events (identity, seq, hash, jcs) VALUES (?, ?, ?, ?)',
    ),
    storedFork: stmt<[string]>(
      db,
      'UPDATE chains SET fork = 1, forks_stored = forks_stored + 1 WHERE identity = ?',
    ),
    droppedFork: stmt<[string]>(
      db,
      'UPDATE chains SET fork = 1, forks_dropped = forks_dropped + 1 WHERE identity = ?',
    ),
    forksFrom: stmt<[string, number], { seq: number; hash: string }>(
      db,
      'SELECT seq, hash FROM fork_events WHERE identity = ? AND seq >= ?',
    ),
    mainFrom: stmt<[string, number], StoredEvent>(
      db,
      'SELECT seq, hash, jcs FROM events WHERE identity = ? AND seq >= ? ORDER BY seq',
    ),
    deleteMainFrom: stmt<[string, number]>(
      db,
      'DELETE FROM events WHERE identity = ? AND seq >= ?',
    ),
    deleteFork: stmt<[string, string]>(
      db,
      'DELETE FROM fork_events WHERE identity = ? AND hash = ?',
    ),
    reorged: stmt<[number, string, number, number, string]>(
      db,
      `UPDATE chains SET head_seq = ?, head_hash = ?, fork = 1, reorgs = reorgs + 1,
       forks_stored = forks_stored + ?, forks_dropped = forks_dropped + ? WHERE identity = ?`,
    ),
    countReorg: stmt<[number, number]>(
      db,
      'UPDATE counters SET events = events + ?, fork_events = fork_events + ? WHERE id = 0',
    ),
    forks: stmt<[string, number, number, string, number], StoredEvent>(
      db,
      `SELECT seq, hash, jcs FROM fork_events WHERE identity = ? AND (seq > ? OR (seq = ? AND hash > ?))
       ORDER BY seq, hash LIMIT ?`,
    ),
    stats: stmt<[], StoreStats>(
      db,
      'SELECT chains, events, fork_events AS forkEvents FROM counters WHERE id = 0',
    ),
    ping: stmt<[], { one: number }>(db, 'SELECT 1 AS one'),
  };
}
export type Queries = ReturnType<typeof prepareQueries>;

/**
 * Every connection's settings: WAL with synchronous=FULL, so a commit returns only once it is
 * on disk; a short synchronous busy wait (longer waits are retries, see SqliteStore.write).
 */
export function configure(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma(`busy_timeout = ${BUSY_SLICE_MS}`);
  db.pragma('foreign_keys = ON');
}

/** Creates the schema and runs the migrations it lacks; safe to run again after a busy error. */
export function migrate(db: Database.Database): void {
  db.exec(SCHEMA);
  const columns = stmt<[], { name: string }>(db, "SELECT name FROM pragma_table_info('chains')");
  if (!columns.all().some((c) => c.name === 'forks_stored'))
    db.transaction(() => db.exec(MIGRATION)).immediate();
  if (!columns.all().some((c) => c.name === 'reorgs'))
    db.transaction(() => db.exec(MIGRATION_REORGS)).immediate();
}

/** One append of a batch: the chain, the event and the head it must extend. */
export type AppendItem = [identity: string, ev: StoredEvent, expected: ExpectedHead];

/** A request to the writer thread: one transaction (or closing its connection). */
export type WriteMessage = { id: number } & (
  | { op: 'append'; batch: AppendItem[] }
  | { op: 'fork'; identity: string; ev: StoredEvent; bounds: ForkBounds }
  | {
      op: 'reorg';
      identity: string;
      winner: StoredEvent;
      expected: { seq: number; hash: string };
      bounds: ForkBounds;
    }
  | { op: 'close' }
);

/** The writer thread's answer to request `id`. */
export type WriteReply = { id: number; result: unknown } | { id: number; error: ErrorData };

/** A driver error as it crosses threads: its code is what sqliteFault classifies. */
export interface ErrorData {
  message: string;
  code?: string;
}

export function errorData(err: unknown): ErrorData {
  const code = (err as { code?: unknown } | null)?.code;
  return {
    message: err instanceof Error ? err.message : String(err),
    ...(typeof code === 'string' ? { code } : {}),
  };
}

export function errorFromData(d: ErrorData): Error {
  return Object.assign(new Error(d.message), d.code === undefined ? {} : { code: d.code });
}

/**
 * The write transactions on `db` (the writer thread's connection), as one function that runs
 * a request's transaction with BEGIN IMMEDIATE and returns its result.
 */
export function writeTransactions(
  db: Database.Database,
  q: Queries,
): (m: Exclude<WriteMessage, { op: 'close' }>) => unknown {
  // Nested inside appendBatch, better-sqlite3 runs this as a SAVEPOINT.
  const appendOne = db.transaction(
    (identity: string, ev: StoredEvent, expected: ExpectedHead): AppendResult => {
      const cur = q.head.get(identity);
      if (expected === null) {
        if (cur) return { ok: false, reason: 'conflict' };
        q.insertChain.run(identity, ev.hash);
        q.countChain.run();
      } else {
        if (!cur || cur.head_seq !== expected.seq || cur.head_hash !== expected.hash) {
          return { ok: false, reason: 'conflict' };
        }
        q.moveHead.run(ev.seq, ev.hash, identity);
      }
      q.insertEvent.run(identity, ev.seq, ev.hash, ev.jcs);
      q.countEvent.run();
      return { ok: true };
    },
  );
  const appendBatch = db.transaction(
    (batch: AppendItem[]): (AppendResult | { error: ErrorData })[] =>
      batch.map(([identity, ev, expected]) => {
        try {
          return appendOne(identity, ev, expected);
        } catch (err) {
          return { error: errorData(err) };
        }
      }),
  );
  const forkTx = db.transaction(
    (identity: string, ev: StoredEvent, bounds: ForkBounds): ForkOutcome => {
      if (q.forkExists.get(identity, ev.hash)) return 'duplicate';
      const chain = q.head.get(identity);
      if (
        (chain?.forks_stored ?? 0) >= bounds.forksPerChain ||
        (q.forksAt.get(identity, ev.seq)?.n ?? 0) >= bounds.forksPerPosition
      ) {
        q.droppedFork.run(identity);
        return 'dropped';
      }
      q.insertFork.run(identity, ev.seq, ev.hash, ev.jcs);
      q.storedFork.run(identity);
      q.countFork.run();
      return 'stored';
    },
  );
  const reorgTx = db.transaction(
    (
      identity: string,
      winner: StoredEvent,
      expected: { seq: number; hash: string },
      bounds: ForkBounds,
    ): ReorgResult => {
      const cur = q.head.get(identity);
      if (!cur || cur.head_seq !== expected.seq || cur.head_hash !== expected.hash)
        return { ok: false, reason: 'conflict' };
      const left = q.deleteFork.run(identity, winner.hash).changes;
      const evidence = q.forksFrom.all(identity, winner.seq);
      const atSeq = new Map<number, number>();
      for (const f of evidence) atSeq.set(f.seq, (atSeq.get(f.seq) ?? 0) + 1);
      const old = q.mainFrom.all(identity, winner.seq);
      const superseded = supersede(
        old,
        cur.forks_stored - left,
        atSeq,
        new Set(evidence.map((f) => f.hash)),
        bounds,
      );
      q.deleteMainFrom.run(identity, winner.seq);
      q.insertEvent.run(identity, winner.seq, winner.hash, winner.jcs);
      let stored = 0;
      for (const ev of superseded) {
        if (ev.outcome !== 'stored') continue;
        q.insertFork.run(identity, ev.seq, ev.hash, ev.jcs);
        stored++;
      }
      const dropped = superseded.filter((ev) => ev.outcome === 'dropped').length;
      q.reorged.run(winner.seq, winner.hash, stored - left, dropped, identity);
      q.countReorg.run(1 - old.length, stored - left);
      return { ok: true, superseded };
    },
  );
  return (m) => {
    switch (m.op) {
      case 'append':
        return appendBatch.immediate(m.batch);
      case 'fork':
        return forkTx.immediate(m.identity, m.ev, m.bounds);
      case 'reorg':
        return reorgTx.immediate(m.identity, m.winner, m.expected, m.bounds);
    }
  };
}

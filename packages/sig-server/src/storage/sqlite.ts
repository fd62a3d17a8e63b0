import { mkdirSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LIMITS } from '../limits.js';
import { supersede } from './evidence.js';
import { StoreUnavailableError, sqliteFault } from './faults.js';
import type {
  AppendResult,
  ChainHead,
  ChainStore,
  ExpectedHead,
  ForkBounds,
  ForkCursor,
  ForkOutcome,
  ReorgResult,
  StoredEvent,
  StoreStats,
} from './types.js';

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
/** A write blocked by another process's lock waits this long per try, then retries later. */
const BUSY_SLICE_MS = 5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface HeadRow {
  identity: string;
  head_seq: number;
  head_hash: string;
  fork: number;
  forks_stored: number;
  forks_dropped: number;
  reorgs: number;
}

interface PendingAppend {
  identity: string;
  ev: StoredEvent;
  expected: ExpectedHead;
  resolve: (r: AppendResult) => void;
  reject: (err: unknown) => void;
}

export const SQLITE_FILE = 'kez-sig.sqlite3';

/** The statements the store runs, prepared once the schema is there. */
function prepareQueries(db: Database.Database) {
  return {
    head: db.prepare<[string], HeadRow>(
      'SELECT identity, head_seq, head_hash, fork, forks_stored, forks_dropped, reorgs FROM chains WHERE identity = ?',
    ),
    events: db.prepare<[string, number, number], StoredEvent>(
      'SELECT seq, hash, jcs FROM events WHERE identity = ? AND seq >= ? ORDER BY seq LIMIT ?',
    ),
    eventAt: db.prepare<[string, number], StoredEvent>(
      'SELECT seq, hash, jcs FROM events WHERE identity = ? AND seq = ?',
    ),
    insertChain: db.prepare<[string, string]>(
      'INSERT INTO chains (identity, head_seq, head_hash) VALUES (?, 0, ?)',
    ),
    moveHead: db.prepare<[number, string, string]>(
      'UPDATE chains SET head_seq = ?, head_hash = ? WHERE identity = ?',
    ),
    insertEvent: db.prepare<[string, number, string, string]>(
      'INSERT INTO events (identity, seq, hash, jcs) VALUES (?, ?, ?, ?)',
    ),
    countChain: db.prepare('UPDATE counters SET chains = chains + 1 WHERE id = 0'),
    countEvent: db.prepare('UPDATE counters SET events = events + 1 WHERE id = 0'),
    countFork: db.prepare('UPDATE counters SET fork_events = fork_events + 1 WHERE id = 0'),
    forkExists: db.prepare<[string, string], { one: number }>(
      'SELECT 1 AS one FROM fork_events WHERE identity = ? AND hash = ?',
    ),
    forksAt: db.prepare<[string, number], { n: number }>(
      'SELECT count(*) AS n FROM fork_events WHERE identity = ? AND seq = ?',
    ),
    insertFork: db.prepare<[string, number, string, string]>(
      'INSERT INTO fork_events (identity, seq, hash, jcs) VALUES (?, ?, ?, ?)',
    ),
    storedFork: db.prepare<[string]>(
      'UPDATE chains SET fork = 1, forks_stored = forks_stored + 1 WHERE identity = ?',
    ),
    droppedFork: db.prepare<[string]>(
      'UPDATE chains SET fork = 1, forks_dropped = forks_dropped + 1 WHERE identity = ?',
    ),
    forksFrom: db.prepare<[string, number], { seq: number; hash: string }>(
      'SELECT seq, hash FROM fork_events WHERE identity = ? AND seq >= ?',
    ),
    mainFrom: db.prepare<[string, number], StoredEvent>(
      'SELECT seq, hash, jcs FROM events WHERE identity = ? AND seq >= ? ORDER BY seq',
    ),
    deleteMainFrom: db.prepare<[string, number]>(
      'DELETE FROM events WHERE identity = ? AND seq >= ?',
    ),
    deleteFork: db.prepare<[string, string]>(
      'DELETE FROM fork_events WHERE identity = ? AND hash = ?',
    ),
    reorged: db.prepare<[number, string, number, number, string]>(
      `UPDATE chains SET head_seq = ?, head_hash = ?, fork = 1, reorgs = reorgs + 1,
       forks_stored = forks_stored + ?, forks_dropped = forks_dropped + ? WHERE identity = ?`,
    ),
    countReorg: db.prepare<[number, number]>(
      'UPDATE counters SET events = events + ?, fork_events = fork_events + ? WHERE id = 0',
    ),
    forks: db.prepare<[string, number, number, string, number], StoredEvent>(
      `SELECT seq, hash, jcs FROM fork_events WHERE identity = ? AND (seq > ? OR (seq = ? AND hash > ?))
       ORDER BY seq, hash LIMIT ?`,
    ),
    stats: db.prepare<[], StoreStats>(
      'SELECT chains, events, fork_events AS forkEvents FROM counters WHERE id = 0',
    ),
    ping: db.prepare<[], { one: number }>('SELECT 1 AS one'),
  };
}
type Queries = ReturnType<typeof prepareQueries>;

/**
 * better-sqlite3 in WAL mode with synchronous=FULL: a 201 is only sent after the commit is on
 * disk, so an acknowledged append survives a crash or power loss. Appends run in
 * BEGIN IMMEDIATE transactions, which also serializes writers from several processes.
 *
 * Group commit: appends that arrive in the same event-loop turn share one transaction (one
 * fsync), each inside its own savepoint, so one append's failure never touches another's
 * and every append is still all-or-nothing. Their answers wait for the commit.
 */
export class SqliteStore implements ChainStore {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  // Set by `open()` (from `init`): preparing reads the schema, which another process's lock
  // can hold up, so it is retried asynchronously like a write.
  private q!: Queries;
  private appendOne!: Database.Transaction<
    (identity: string, ev: StoredEvent, expected: ExpectedHead) => AppendResult
  >;
  private appendBatch!: Database.Transaction<
    (batch: PendingAppend[]) => (AppendResult | { error: unknown })[]
  >;
  private forkTx!: Database.Transaction<
    (identity: string, ev: StoredEvent, bounds: ForkBounds) => ForkOutcome
  >;
  private reorgTx!: Database.Transaction<
    (
      identity: string,
      winner: StoredEvent,
      expected: { seq: number; hash: string },
      bounds: ForkBounds,
    ) => ReorgResult
  >;
  private pending: PendingAppend[] = [];
  /** When a write last failed for want of space (ms, `clock`); 0 once a write succeeds. */
  private diskFullAt = 0;

  constructor(
    private readonly dataDir: string,
    private readonly clock: () => number = Date.now,
  ) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    // better-sqlite3's default busy timeout is 5 s, a synchronous wait; opening touches no file.
    this.db = new Database(join(dataDir, SQLITE_FILE), { timeout: BUSY_SLICE_MS });
  }

  /** Another process's lock on the file delays opening asynchronously, never the event loop. */
  async init(): Promise<void> {
    await this.write(() => this.open());
  }

  /** Pragmas, schema, migrations and prepared statements; safe to run again after a busy error. */
  private open(): void {
    const db = this.db;
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    // Short on purpose: a synchronous wait blocks the event loop. Longer waits for another
    // process's lock are asynchronous retries (see `write`).
    db.pragma(`busy_timeout = ${BUSY_SLICE_MS}`);
    db.pragma('foreign_keys = ON');
    db.exec(SCHEMA);
    const columns = db.prepare<[], { name: string }>(
      "SELECT name FROM pragma_table_info('chains')",
    );
    if (!columns.all().some((c) => c.name === 'forks_stored'))
      db.transaction(() => db.exec(MIGRATION)).immediate();
    if (!columns.all().some((c) => c.name === 'reorgs'))
      db.transaction(() => db.exec(MIGRATION_REORGS)).immediate();
    this.q = prepareQueries(db);
    // Nested inside appendBatch, better-sqlite3 runs this as a SAVEPOINT.
    this.appendOne = db.transaction(
      (identity: string, ev: StoredEvent, expected: ExpectedHead): AppendResult => {
        const cur = this.q.head.get(identity);
        if (expected === null) {
          if (cur) return { ok: false, reason: 'conflict' };
          this.q.insertChain.run(identity, ev.hash);
          this.q.countChain.run();
        } else {
          if (!cur || cur.head_seq !== expected.seq || cur.head_hash !== expected.hash) {
            return { ok: false, reason: 'conflict' };
          }
          this.q.moveHead.run(ev.seq, ev.hash, identity);
        }
        this.q.insertEvent.run(identity, ev.seq, ev.hash, ev.jcs);
        this.q.countEvent.run();
        return { ok: true };
      },
    );
    this.appendBatch = db.transaction(
      (batch: PendingAppend[]): (AppendResult | { error: unknown })[] =>
        batch.map((p) => {
          try {
            return this.appendOne(p.identity, p.ev, p.expected);
          } catch (error) {
            return { error };
          }
        }),
    );
    this.forkTx = db.transaction(
      (identity: string, ev: StoredEvent, bounds: ForkBounds): ForkOutcome => {
        if (this.q.forkExists.get(identity, ev.hash)) return 'duplicate';
        const chain = this.q.head.get(identity);
        if (
          (chain?.forks_stored ?? 0) >= bounds.forksPerChain ||
          (this.q.forksAt.get(identity, ev.seq)?.n ?? 0) >= bounds.forksPerPosition
        ) {
          this.q.droppedFork.run(identity);
          return 'dropped';
        }
        this.q.insertFork.run(identity, ev.seq, ev.hash, ev.jcs);
        this.q.storedFork.run(identity);
        this.q.countFork.run();
        return 'stored';
      },
    );
    this.reorgTx = db.transaction(
      (
        identity: string,
        winner: StoredEvent,
        expected: { seq: number; hash: string },
        bounds: ForkBounds,
      ): ReorgResult => {
        const cur = this.q.head.get(identity);
        if (!cur || cur.head_seq !== expected.seq || cur.head_hash !== expected.hash)
          return { ok: false, reason: 'conflict' };
        const left = this.q.deleteFork.run(identity, winner.hash).changes;
        const evidence = this.q.forksFrom.all(identity, winner.seq);
        const atSeq = new Map<number, number>();
        for (const f of evidence) atSeq.set(f.seq, (atSeq.get(f.seq) ?? 0) + 1);
        const old = this.q.mainFrom.all(identity, winner.seq);
        const superseded = supersede(
          old,
          cur.forks_stored - left,
          atSeq,
          new Set(evidence.map((f) => f.hash)),
          bounds,
        );
        this.q.deleteMainFrom.run(identity, winner.seq);
        this.q.insertEvent.run(identity, winner.seq, winner.hash, winner.jcs);
        let stored = 0;
        for (const ev of superseded) {
          if (ev.outcome !== 'stored') continue;
          this.q.insertFork.run(identity, ev.seq, ev.hash, ev.jcs);
          stored++;
        }
        const dropped = superseded.filter((ev) => ev.outcome === 'dropped').length;
        this.q.reorged.run(winner.seq, winner.hash, stored - left, dropped, identity);
        this.q.countReorg.run(1 - old.length, stored - left);
        return { ok: true, superseded };
      },
    );
  }

  async head(identity: string): Promise<ChainHead | null> {
    const r = this.q.head.get(identity);
    return r
      ? {
          identity: r.identity,
          seq: r.head_seq,
          hash: r.head_hash,
          fork: r.fork === 1,
          forksStored: r.forks_stored,
          forksDropped: r.forks_dropped,
          reorgs: r.reorgs,
        }
      : null;
  }

  async events(identity: string, fromSeq: number, limit: number): Promise<StoredEvent[]> {
    return this.q.events.all(identity, fromSeq, limit);
  }

  async eventAt(identity: string, seq: number): Promise<StoredEvent | null> {
    return this.q.eventAt.get(identity, seq) ?? null;
  }

  async append(
    identity: string,
    event: StoredEvent,
    expected: ExpectedHead,
  ): Promise<AppendResult> {
    if (event.seq !== (expected ? expected.seq + 1 : 0))
      throw new Error('append: seq does not follow the expected head');
    return new Promise((resolve, reject) => {
      if (this.pending.push({ identity, ev: event, expected, resolve, reject }) === 1)
        setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    this.write(() => this.appendBatch.immediate(batch)).then(
      (results) =>
        batch.forEach((p, i) => {
          const r = results[i]!;
          if ('error' in r) p.reject(sqliteFault(r.error));
          else p.resolve(r);
        }),
      (err: unknown) => {
        for (const p of batch) p.reject(err);
      },
    );
  }

  /**
   * Runs a write transaction. Another process holding the write lock makes it wait at most
   * BUSY_SLICE_MS synchronously, then retry from a timer (the event loop keeps serving) until
   * `sqliteLockWaitMs`, then a 503 `busy`. A full disk is remembered for /readyz.
   */
  private async write<T>(fn: () => T): Promise<T> {
    const deadline = this.clock() + LIMITS.sqliteLockWaitMs;
    for (let pause = 2; ; pause = Math.min(pause * 2, 100)) {
      try {
        const out = fn();
        this.diskFullAt = 0;
        return out;
      } catch (err) {
        const fault = sqliteFault(err);
        if (fault instanceof StoreUnavailableError && fault.fault === 'disk_full')
          this.diskFullAt = this.clock();
        const busy = fault instanceof StoreUnavailableError && fault.fault === 'busy';
        if (!busy || this.clock() + pause > deadline) throw fault;
      }
      await sleep(pause);
    }
  }

  async addFork(identity: string, event: StoredEvent, bounds: ForkBounds): Promise<ForkOutcome> {
    return this.write(() => this.forkTx.immediate(identity, event, bounds));
  }

  async reorg(
    identity: string,
    winner: StoredEvent,
    expected: { seq: number; hash: string },
    bounds: ForkBounds,
  ): Promise<ReorgResult> {
    if (winner.seq < 1 || winner.seq > expected.seq)
      throw new Error('reorg: the winner is not at a stored position after genesis');
    return this.write(() => this.reorgTx.immediate(identity, winner, expected, bounds));
  }

  async forks(identity: string, after: ForkCursor | null, limit: number): Promise<StoredEvent[]> {
    const seq = after?.seq ?? -1;
    return this.q.forks.all(identity, seq, seq, after?.hash ?? '', limit);
  }

  async stats(): Promise<StoreStats> {
    return this.q.stats.get()!;
  }

  /** Not ready while the disk is full: a recent disk-full write, or no space left at all. */
  async ping(): Promise<void> {
    this.q.ping.get();
    const fs = statfsSync(this.dataDir);
    if (
      fs.bavail === 0 ||
      (this.diskFullAt && this.clock() - this.diskFullAt < LIMITS.diskFullHoldMs)
    )
      throw new StoreUnavailableError('disk_full');
  }

  async close(): Promise<void> {
    if (this.pending.length) this.flush();
    this.db.close();
  }
}

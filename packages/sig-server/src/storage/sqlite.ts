import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type {
  AppendResult,
  ChainHead,
  ChainStore,
  ExpectedHead,
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
`;

interface HeadRow {
  identity: string;
  head_seq: number;
  head_hash: string;
  fork: number;
}

interface PendingAppend {
  identity: string;
  ev: StoredEvent;
  expected: ExpectedHead;
  resolve: (r: AppendResult) => void;
  reject: (err: unknown) => void;
}

export const SQLITE_FILE = 'kez-sig.sqlite3';

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
  private readonly q;
  private readonly appendOne;
  private readonly appendBatch;
  private readonly forkTx;
  private pending: PendingAppend[] = [];

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.db = new Database(join(dataDir, SQLITE_FILE));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
    const db = this.db;
    this.q = {
      head: db.prepare<[string], HeadRow>(
        'SELECT identity, head_seq, head_hash, fork FROM chains WHERE identity = ?',
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
      insertFork: db.prepare<[string, number, string, string]>(
        'INSERT OR IGNORE INTO fork_events (identity, seq, hash, jcs) VALUES (?, ?, ?, ?)',
      ),
      flagFork: db.prepare<[string]>('UPDATE chains SET fork = 1 WHERE identity = ?'),
      forks: db.prepare<[string], StoredEvent>(
        'SELECT seq, hash, jcs FROM fork_events WHERE identity = ? ORDER BY seq, hash',
      ),
      stats: db.prepare<[], StoreStats>(
        `SELECT (SELECT count(*) FROM chains) AS chains, (SELECT count(*) FROM events) AS events,
                (SELECT count(*) FROM fork_events) AS forkEvents`,
      ),
      ping: db.prepare<[], { one: number }>('SELECT 1 AS one'),
    };
    // Nested inside appendBatch, better-sqlite3 runs this as a SAVEPOINT.
    this.appendOne = db.transaction(
      (identity: string, ev: StoredEvent, expected: ExpectedHead): AppendResult => {
        const cur = this.q.head.get(identity);
        if (expected === null) {
          if (cur) return { ok: false, reason: 'conflict' };
          this.q.insertChain.run(identity, ev.hash);
        } else {
          if (!cur || cur.head_seq !== expected.seq || cur.head_hash !== expected.hash) {
            return { ok: false, reason: 'conflict' };
          }
          this.q.moveHead.run(ev.seq, ev.hash, identity);
        }
        this.q.insertEvent.run(identity, ev.seq, ev.hash, ev.jcs);
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
    this.forkTx = db.transaction((identity: string, ev: StoredEvent): boolean => {
      const added = this.q.insertFork.run(identity, ev.seq, ev.hash, ev.jcs).changes === 1;
      this.q.flagFork.run(identity);
      return added;
    });
  }

  async init(): Promise<void> {
    /* schema is created in the constructor (synchronous driver) */
  }

  async head(identity: string): Promise<ChainHead | null> {
    const r = this.q.head.get(identity);
    return r
      ? { identity: r.identity, seq: r.head_seq, hash: r.head_hash, fork: r.fork === 1 }
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
    let results;
    try {
      results = this.appendBatch.immediate(batch);
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    batch.forEach((p, i) => {
      const r = results[i]!;
      if ('error' in r) p.reject(r.error);
      else p.resolve(r);
    });
  }

  async addFork(identity: string, event: StoredEvent): Promise<boolean> {
    return this.forkTx.immediate(identity, event);
  }

  async forks(identity: string): Promise<StoredEvent[]> {
    return this.q.forks.all(identity);
  }

  async stats(): Promise<StoreStats> {
    return this.q.stats.get()!;
  }

  async ping(): Promise<void> {
    this.q.ping.get();
  }

  async close(): Promise<void> {
    if (this.pending.length) this.flush();
    this.db.close();
  }
}

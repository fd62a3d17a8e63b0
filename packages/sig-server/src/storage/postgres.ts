import pg from 'pg';
import { LIMITS } from '../limits.js';
import { supersede } from './evidence.js';
import { pgFault } from './faults.js';
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
CREATE TABLE IF NOT EXISTS kez_chains (
  identity  text PRIMARY KEY,
  head_seq  bigint NOT NULL,
  head_hash text NOT NULL,
  fork      boolean NOT NULL DEFAULT false
);
CREATE TABLE IF NOT EXISTS kez_events (
  identity text NOT NULL REFERENCES kez_chains (identity),
  seq      bigint NOT NULL,
  hash     text NOT NULL,
  jcs      text NOT NULL,
  PRIMARY KEY (identity, seq)
);
CREATE TABLE IF NOT EXISTS kez_fork_events (
  identity text NOT NULL REFERENCES kez_chains (identity),
  seq      bigint NOT NULL,
  hash     text NOT NULL,
  jcs      text NOT NULL,
  PRIMARY KEY (identity, hash)
);
ALTER TABLE kez_chains ADD COLUMN IF NOT EXISTS forks_stored integer NOT NULL DEFAULT 0;
ALTER TABLE kez_chains ADD COLUMN IF NOT EXISTS forks_dropped bigint NOT NULL DEFAULT 0;
ALTER TABLE kez_chains ADD COLUMN IF NOT EXISTS reorgs bigint NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS kez_fork_events_position ON kez_fork_events (identity, seq);
CREATE TABLE IF NOT EXISTS kez_counters (
  shard       smallint PRIMARY KEY,
  chains      bigint NOT NULL,
  events      bigint NOT NULL,
  fork_events bigint NOT NULL
);
`;
/**
 * Totals are kept in COUNTER_SHARDS rows, updated in each append's transaction: one hot row
 * would serialize every append of every replica; /metrics sums the few rows.
 */
const COUNTER_SHARDS = 16;
const shardOf = (identity: string): number =>
  Number.parseInt(identity.slice(-1), 16) % COUNTER_SHARDS;
/** Once, when the counters are new: the totals of a database that predates them. */
const BACKFILL = `
INSERT INTO kez_counters (shard, chains, events, fork_events)
  SELECT s, 0, 0, 0 FROM generate_series(1, ${COUNTER_SHARDS - 1}) AS s;
INSERT INTO kez_counters (shard, chains, events, fork_events) VALUES (0,
  (SELECT count(*) FROM kez_chains), (SELECT count(*) FROM kez_events),
  (SELECT count(*) FROM kez_fork_events));
UPDATE kez_chains c SET forks_stored = (SELECT count(*) FROM kez_fork_events f
  WHERE f.identity = c.identity) WHERE c.fork;
`;
/** Any constant: serializes schema creation when several replicas start at once. */
const SCHEMA_LOCK = 0x4b455a01;
const UNIQUE_VIOLATION = '23505';

interface EventRow {
  seq: string;
  hash: string;
  jcs: string;
}
const toEvent = (r: EventRow): StoredEvent => ({ seq: Number(r.seq), hash: r.hash, jcs: r.jcs });

/**
 * PostgreSQL backend for operators who run several stateless sig-server replicas on one
 * database. The primary key on (identity, seq) is the final word on "one main event per
 * position"; the row lock on the chain row makes the head check and the insert atomic.
 */
export class PostgresStore implements ChainStore {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;

  constructor(connectionString: string, opts: { max?: number } = {}) {
    this.pool = new pg.Pool({
      connectionString,
      max: opts.max ?? LIMITS.pgPoolSize,
      // Bounded waits: for a pooled client, and for another transaction's row lock.
      connectionTimeoutMillis: LIMITS.pgAcquireMs,
      lock_timeout: LIMITS.pgLockMs,
    });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    this.pool.on('error', () => {});
  }

  async init(): Promise<void> {
    await this.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      await c.query(SCHEMA);
      const counters = await c.query('SELECT 1 FROM kez_counters LIMIT 1');
      if (counters.rowCount === 0) await c.query(BACKFILL);
    });
  }

  async head(identity: string): Promise<ChainHead | null> {
    const r = await this.query<{
      head_seq: string;
      head_hash: string;
      fork: boolean;
      forks_stored: number;
      forks_dropped: string;
      reorgs: string;
    }>(
      'SELECT head_seq, head_hash, fork, forks_stored, forks_dropped, reorgs FROM kez_chains WHERE identity = $1',
      [identity],
    );
    const row = r.rows[0];
    return row
      ? {
          identity,
          seq: Number(row.head_seq),
          hash: row.head_hash,
          fork: row.fork,
          forksStored: row.forks_stored,
          forksDropped: Number(row.forks_dropped),
          reorgs: Number(row.reorgs),
        }
      : null;
  }

  async events(identity: string, fromSeq: number, limit: number): Promise<StoredEvent[]> {
    const r = await this.query<EventRow>(
      'SELECT seq, hash, jcs FROM kez_events WHERE identity = $1 AND seq >= $2 ORDER BY seq LIMIT $3',
      [identity, fromSeq, limit],
    );
    return r.rows.map(toEvent);
  }

  async eventAt(identity: string, seq: number): Promise<StoredEvent | null> {
    const r = await this.query<EventRow>(
      'SELECT seq, hash, jcs FROM kez_events WHERE identity = $1 AND seq = $2',
      [identity, seq],
    );
    return r.rows[0] ? toEvent(r.rows[0]) : null;
  }

  async append(identity: string, ev: StoredEvent, expected: ExpectedHead): Promise<AppendResult> {
    if (ev.seq !== (expected ? expected.seq + 1 : 0))
      throw new Error('append: seq does not follow the expected head');
    try {
      return await this.tx(async (c): Promise<AppendResult> => {
        if (expected === null) {
          const ins = await c.query(
            `INSERT INTO kez_chains (identity, head_seq, head_hash) VALUES ($1, 0, $2)
             ON CONFLICT (identity) DO NOTHING RETURNING identity`,
            [identity, ev.hash],
          );
          if (ins.rowCount !== 1) return { ok: false, reason: 'conflict' };
          await this.count(c, identity, 'chains = chains + 1, events = events + 1');
        } else {
          const cur = await c.query<{ head_seq: string; head_hash: string }>(
            'SELECT head_seq, head_hash FROM kez_chains WHERE identity = $1 FOR UPDATE',
            [identity],
          );
          const row = cur.rows[0];
          if (!row || Number(row.head_seq) !== expected.seq || row.head_hash !== expected.hash) {
            return { ok: false, reason: 'conflict' };
          }
          await c.query('UPDATE kez_chains SET head_seq = $2, head_hash = $3 WHERE identity = $1', [
            identity,
            ev.seq,
            ev.hash,
          ]);
          await this.count(c, identity, 'events = events + 1');
        }
        await c.query('INSERT INTO kez_events (identity, seq, hash, jcs) VALUES ($1, $2, $3, $4)', [
          identity,
          ev.seq,
          ev.hash,
          ev.jcs,
        ]);
        return { ok: true };
      });
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION)
        return { ok: false, reason: 'conflict' };
      throw err;
    }
  }

  async addFork(identity: string, ev: StoredEvent, bounds: ForkBounds): Promise<ForkOutcome> {
    return this.tx(async (c): Promise<ForkOutcome> => {
      // The chain row lock serializes rivals for one chain, so the bounds cannot be overshot.
      const chain = await c.query<{ forks_stored: number }>(
        'SELECT forks_stored FROM kez_chains WHERE identity = $1 FOR UPDATE',
        [identity],
      );
      const dup = await c.query('SELECT 1 FROM kez_fork_events WHERE identity = $1 AND hash = $2', [
        identity,
        ev.hash,
      ]);
      if (dup.rowCount) return 'duplicate';
      const here = await c.query<{ n: string }>(
        'SELECT count(*) AS n FROM kez_fork_events WHERE identity = $1 AND seq = $2',
        [identity, ev.seq],
      );
      if (
        (chain.rows[0]?.forks_stored ?? 0) >= bounds.forksPerChain ||
        Number(here.rows[0]?.n) >= bounds.forksPerPosition
      ) {
        await c.query(
          'UPDATE kez_chains SET fork = true, forks_dropped = forks_dropped + 1 WHERE identity = $1',
          [identity],
        );
        return 'dropped';
      }
      await c.query(
        'INSERT INTO kez_fork_events (identity, seq, hash, jcs) VALUES ($1, $2, $3, $4)',
        [identity, ev.seq, ev.hash, ev.jcs],
      );
      await c.query(
        'UPDATE kez_chains SET fork = true, forks_stored = forks_stored + 1 WHERE identity = $1',
        [identity],
      );
      await this.count(c, identity, 'fork_events = fork_events + 1');
      return 'stored';
    });
  }

  async reorg(
    identity: string,
    winner: StoredEvent,
    expected: { seq: number; hash: string },
    bounds: ForkBounds,
  ): Promise<ReorgResult> {
    if (winner.seq < 1 || winner.seq > expected.seq)
      throw new Error('reorg: the winner is not at a stored position after genesis');
    return this.tx(async (c): Promise<ReorgResult> => {
      // The chain row lock, as in append: a racing append or reorg waits, then sees the new head.
      const cur = await c.query<{ head_seq: string; head_hash: string; forks_stored: number }>(
        'SELECT head_seq, head_hash, forks_stored FROM kez_chains WHERE identity = $1 FOR UPDATE',
        [identity],
      );
      const row = cur.rows[0];
      if (!row || Number(row.head_seq) !== expected.seq || row.head_hash !== expected.hash)
        return { ok: false, reason: 'conflict' };
      const left =
        (
          await c.query('DELETE FROM kez_fork_events WHERE identity = $1 AND hash = $2', [
            identity,
            winner.hash,
          ])
        ).rowCount ?? 0;
      const evidence = await c.query<{ seq: string; hash: string }>(
        'SELECT seq, hash FROM kez_fork_events WHERE identity = $1 AND seq >= $2',
        [identity, winner.seq],
      );
      const atSeq = new Map<number, number>();
      for (const f of evidence.rows) atSeq.set(Number(f.seq), (atSeq.get(Number(f.seq)) ?? 0) + 1);
      const old = await c.query<EventRow>(
        'DELETE FROM kez_events WHERE identity = $1 AND seq >= $2 RETURNING seq, hash, jcs',
        [identity, winner.seq],
      );
      const superseded = supersede(
        old.rows.map(toEvent).sort((x, y) => x.seq - y.seq),
        row.forks_stored - left,
        atSeq,
        new Set(evidence.rows.map((f) => f.hash)),
        bounds,
      );
      await c.query('INSERT INTO kez_events (identity, seq, hash, jcs) VALUES ($1, $2, $3, $4)', [
        identity,
        winner.seq,
        winner.hash,
        winner.jcs,
      ]);
      const kept = superseded.filter((ev) => ev.outcome === 'stored');
      if (kept.length)
        await c.query(
          `INSERT INTO kez_fork_events (identity, seq, hash, jcs)
           SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[])`,
          [identity, kept.map((e) => e.seq), kept.map((e) => e.hash), kept.map((e) => e.jcs)],
        );
      const dropped = superseded.filter((ev) => ev.outcome === 'dropped').length;
      await c.query(
        `UPDATE kez_chains SET head_seq = $2, head_hash = $3, fork = true, reorgs = reorgs + 1,
         forks_stored = forks_stored + $4, forks_dropped = forks_dropped + $5 WHERE identity = $1`,
        [identity, winner.seq, winner.hash, kept.length - left, dropped],
      );
      await this.count(
        c,
        identity,
        `events = events + ${1 - old.rows.length}, fork_events = fork_events + ${kept.length - left}`,
      );
      return { ok: true, superseded };
    });
  }

  async forks(identity: string, after: ForkCursor | null, limit: number): Promise<StoredEvent[]> {
    const r = await this.query<EventRow>(
      `SELECT seq, hash, jcs FROM kez_fork_events
       WHERE identity = $1 AND (seq, hash COLLATE "C") > ($2, $3 COLLATE "C")
       ORDER BY seq, hash COLLATE "C" LIMIT $4`,
      [identity, after?.seq ?? -1, after?.hash ?? '', limit],
    );
    return r.rows.map(toEvent);
  }

  async stats(): Promise<StoreStats> {
    const r = await this.query<{ chains: string; events: string; fork_events: string }>(
      `SELECT coalesce(sum(chains), 0) AS chains, coalesce(sum(events), 0) AS events,
              coalesce(sum(fork_events), 0) AS fork_events FROM kez_counters`,
    );
    const row = r.rows[0]!;
    return {
      chains: Number(row.chains),
      events: Number(row.events),
      forkEvents: Number(row.fork_events),
    };
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private count(c: pg.PoolClient, identity: string, set: string): Promise<unknown> {
    return c.query(`UPDATE kez_counters SET ${set} WHERE shard = $1`, [shardOf(identity)]);
  }

  private async query<R extends pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(text, values);
    } catch (err) {
      throw pgFault(err);
    }
  }

  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    // A checked-out client has no 'error' listener of the pool's: without one, the database
    // ending the connection mid-transaction (a restart, 57P01) is an uncaught exception that
    // ends the process. It is attached in the connect callback, synchronously: a promise would
    // attach it a microtask later, after the parser may already have emitted a FATAL message
    // that arrived in the same read. A broken client is destroyed, not returned.
    let broken: Error | undefined;
    const onError = (err: Error) => {
      broken = err;
    };
    const c = await new Promise<pg.PoolClient>((resolve, reject) => {
      this.pool.connect((err, client) => {
        if (err || !client) {
          reject(pgFault(err));
          return;
        }
        client.on('error', onError);
        resolve(client);
      });
    });
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      if (!broken)
        await c.query('ROLLBACK').catch((e: Error) => {
          broken = e;
        });
      throw pgFault(err);
    } finally {
      c.removeListener('error', onError);
      c.release(broken);
    }
  }
}

import pg from 'pg';
import type {
  AppendResult,
  ChainHead,
  ChainStore,
  ExpectedHead,
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
      max: opts.max ?? 10,
      connectionTimeoutMillis: 5000,
    });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    this.pool.on('error', () => {});
  }

  async init(): Promise<void> {
    await this.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      await c.query(SCHEMA);
    });
  }

  async head(identity: string): Promise<ChainHead | null> {
    const r = await this.pool.query<{ head_seq: string; head_hash: string; fork: boolean }>(
      'SELECT head_seq, head_hash, fork FROM kez_chains WHERE identity = $1',
      [identity],
    );
    const row = r.rows[0];
    return row
      ? { identity, seq: Number(row.head_seq), hash: row.head_hash, fork: row.fork }
      : null;
  }

  async events(identity: string, fromSeq: number, limit: number): Promise<StoredEvent[]> {
    const r = await this.pool.query<EventRow>(
      'SELECT seq, hash, jcs FROM kez_events WHERE identity = $1 AND seq >= $2 ORDER BY seq LIMIT $3',
      [identity, fromSeq, limit],
    );
    return r.rows.map(toEvent);
  }

  async eventAt(identity: string, seq: number): Promise<StoredEvent | null> {
    const r = await this.pool.query<EventRow>(
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

  async addFork(identity: string, ev: StoredEvent): Promise<boolean> {
    return this.tx(async (c) => {
      const ins = await c.query(
        `INSERT INTO kez_fork_events (identity, seq, hash, jcs) VALUES ($1, $2, $3, $4)
         ON CONFLICT (identity, hash) DO NOTHING`,
        [identity, ev.seq, ev.hash, ev.jcs],
      );
      await c.query('UPDATE kez_chains SET fork = true WHERE identity = $1 AND NOT fork', [
        identity,
      ]);
      return ins.rowCount === 1;
    });
  }

  async forks(identity: string): Promise<StoredEvent[]> {
    const r = await this.pool.query<EventRow>(
      'SELECT seq, hash, jcs FROM kez_fork_events WHERE identity = $1 ORDER BY seq, hash',
      [identity],
    );
    return r.rows.map(toEvent);
  }

  async stats(): Promise<StoreStats> {
    const r = await this.pool.query<{ chains: string; events: string; fork_events: string }>(
      `SELECT (SELECT count(*) FROM kez_chains) AS chains, (SELECT count(*) FROM kez_events) AS events,
              (SELECT count(*) FROM kez_fork_events) AS fork_events`,
    );
    const row = r.rows[0]!;
    return {
      chains: Number(row.chains),
      events: Number(row.events),
      forkEvents: Number(row.fork_events),
    };
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      c.release();
    }
  }
}

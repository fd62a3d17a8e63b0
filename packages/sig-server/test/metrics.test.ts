// /metrics (issue 12): it used to run count(*) over every table per scrape, unauthenticated
// and outside the rate limit. The gauges now come from counters the write path maintains in
// the database (so every replica reports the same totals), and scrapes are rate-limited.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { SQLITE_FILE } from '../src/storage/sqlite.js';
import { BACKENDS, startTestServer, useReplicaPair } from './helpers/backends.js';
import { TestChain, newSigner } from '@kez/test-kit/chain-builder';
import { call, postEvent } from './helpers/http.js';

const gauge = (text: string, name: string): number => {
  const m = text.match(new RegExp(`^${name} (\\d+)$`, 'm'));
  if (!m) throw new Error(`no ${name} in /metrics`);
  return Number(m[1]);
};

describe.each(BACKENDS)('metrics gauges on %s', (backend) => {
  const pair = useReplicaPair(backend);

  /** A row written behind the server's back: a scan would count it, a write-path counter not. */
  async function insertBehindTheServersBack(): Promise<void> {
    const [a] = pair();
    const identity = `kez:id:${'ee'.repeat(32)}`;
    if (backend === 'sqlite') {
      const db = new Database(join(a.config.dataDir, SQLITE_FILE));
      db.prepare("INSERT INTO chains (identity, head_seq, head_hash) VALUES (?, 0, 'x')").run(
        identity,
      );
      db.prepare("INSERT INTO events (identity, seq, hash, jcs) VALUES (?, 0, 'x', '{}')").run(
        identity,
      );
      db.close();
    } else {
      const c = new pg.Client({ connectionString: a.config.db! });
      await c.connect();
      await c.query("INSERT INTO kez_chains (identity, head_seq, head_hash) VALUES ($1, 0, 'x')", [
        identity,
      ]);
      await c.query("INSERT INTO kez_events (identity, seq, hash, jcs) VALUES ($1, 0, 'x', '{}')", [
        identity,
      ]);
      await c.end();
    }
  }

  it('counts appends and forks on write, on every replica, without reading the tables', async () => {
    const [a, b] = pair();
    const start = (await call(`${a.url}/metrics`)).text;
    const chain = new TestChain(newSigner());
    const rival = new TestChain(chain.primary, [...chain.events]).addEvent();
    chain.add();
    chain.add();
    for (const ev of chain.events)
      expect((await postEvent(b.url, chain.identity, ev)).status).toBe(201);
    expect((await postEvent(a.url, chain.identity, rival)).status).toBe(409);
    await insertBehindTheServersBack();
    for (const srv of [a, b]) {
      const now = (await call(`${srv.url}/metrics`)).text;
      expect(gauge(now, 'kez_sig_chains') - gauge(start, 'kez_sig_chains')).toBe(1);
      expect(gauge(now, 'kez_sig_events') - gauge(start, 'kez_sig_events')).toBe(3);
      expect(gauge(now, 'kez_sig_fork_events') - gauge(start, 'kez_sig_fork_events')).toBe(1);
    }
  });
});

describe('metrics scrapes', () => {
  it('are rate-limited like every other request', async () => {
    const srv = await startTestServer('sqlite', { rateLimitMax: 5 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await call(`${srv.url}/metrics`)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
      expect((await call(`${srv.url}/healthz`)).status).toBe(200);
    } finally {
      await srv.cleanup();
    }
  });
});

// Operational faults (issue 12): a full disk, an exhausted PostgreSQL pool, another process
// holding the SQLite write lock, and SIGTERM with a request stuck on the database. Each is a
// retryable 503 with Retry-After (and /readyz says so), never a 500, a blocked event loop or a
// shutdown that never ends.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalize, objectHash } from '@kez/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { DEFAULTS } from '../src/config.js';
import { SQLITE_FILE } from '../src/storage/sqlite.js';
import { openStore } from '../src/storage/open.js';
import { PostgresStore } from '../src/storage/postgres.js';
import { freshPgDatabase, startTestServer } from './helpers/backends.js';
import { TestChain, newSigner } from '@kez/test-kit/chain-builder';
import { call, chainPath, postEvent } from './helpers/http.js';
import { exited, spawnServer } from './helpers/process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Holds the chain row of `identity` locked (FOR UPDATE) until `release()`. */
async function lockChainRow(db: string, identity: string): Promise<{ release(): Promise<void> }> {
  const c = new pg.Client({ connectionString: db });
  await c.connect();
  await c.query('BEGIN');
  await c.query('SELECT 1 FROM kez_chains WHERE identity = $1 FOR UPDATE', [identity]);
  return {
    async release() {
      await c.query('ROLLBACK').catch(() => {});
      await c.end().catch(() => {});
    },
  };
}

describe('SQLite on a full disk (a 3 MiB tmpfs)', () => {
  let mnt = '';
  // Mounted in a hook, not at collection: a run that filters these tests out runs no hook.
  beforeAll(() => {
    mnt = mkdtempSync(join(tmpdir(), 'kez-sig-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mnt]);
  });
  afterAll(() => {
    if (!mnt) return;
    execFileSync('umount', ['-l', mnt]);
    rmSync(mnt, { recursive: true, force: true });
  });

  it('answers 503 unavailable with Retry-After, /readyz 503, and recovers when space is freed', async () => {
    const dataDir = join(mnt, 'data');
    mkdirSync(dataDir);
    const srv = await startTestServer('sqlite', { dataDir });
    try {
      const chain = new TestChain(newSigner());
      expect((await postEvent(srv.url, chain.identity, chain.events[0]!)).status).toBe(201);
      // Fill what is left of the filesystem.
      const filler = join(mnt, 'filler');
      try {
        writeFileSync(filler, Buffer.alloc(3 * 1024 * 1024));
      } catch {
        /* ENOSPC: the filesystem is now full, which is the point */
      }
      let refused;
      for (let i = 0; i < 200 && !refused; i++) {
        const ev = chain.addEvent();
        const r = await postEvent(srv.url, chain.identity, ev);
        if (r.status === 201) chain.push(ev);
        else refused = r;
      }
      expect(refused?.status).toBe(503);
      expect(refused?.json.error.code).toBe('unavailable');
      expect(refused?.json.error.message).toMatch(/disk|space|full/i);
      expect(refused?.headers.get('retry-after')).toMatch(/^\d+$/);
      const ready = await call(`${srv.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(ready.headers.get('retry-after')).toMatch(/^\d+$/);
      // Reads still work from what is stored.
      expect((await call(chainPath(srv.url, chain.identity))).status).toBe(200);

      rmSync(filler, { force: true });
      const ev = chain.addEvent();
      expect((await postEvent(srv.url, chain.identity, ev)).status).toBe(201);
      expect((await call(`${srv.url}/readyz`)).status).toBe(200);
    } finally {
      await srv.cleanup();
    }
  });
});

describe('PostgreSQL pool exhaustion', () => {
  it('reads, appends and /readyz answer 503 with Retry-After while every client is busy', async () => {
    const db = await freshPgDatabase();
    const store = new PostgresStore(db, { max: 2 });
    await store.init();
    const app = await buildApp({ ...DEFAULTS, rateLimitMax: 0 }, store, { logger: false });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const chain = new TestChain(newSigner());
    let lock: { release(): Promise<void> } | undefined;
    try {
      expect((await postEvent(url, chain.identity, chain.events[0]!)).status).toBe(201);
      lock = await lockChainRow(db, chain.identity);
      // Two appends wait on the row lock, each holding one of the pool's two clients.
      const stuck = [chain.addEvent(), chain.addEvent()].map((ev) =>
        postEvent(url, chain.identity, ev),
      );
      await sleep(300);
      const other = new TestChain(newSigner());
      // Concurrently: the stuck appends give up after the 5 s lock timeout and free the pool.
      for (const r of await Promise.all([
        call(chainPath(url, chain.identity)),
        postEvent(url, other.identity, other.head),
        call(`${url}/readyz`),
      ])) {
        expect(r.status).toBe(503);
        expect(r.json.error.code).toBe('unavailable');
        expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
      }
      await lock.release();
      lock = undefined;
      // Released before the lock timeout: one of the two rivals wins, the other is a fork.
      const answers = (await Promise.all(stuck)).map((r) => r.status).sort();
      expect(answers).toEqual([201, 409]);
      expect((await call(`${url}/readyz`)).status).toBe(200);
    } finally {
      await lock?.release();
      await app.close();
      await store.close();
    }
  });
});

describe('SQLite write lock held by another process', () => {
  it('does not block the event loop while it waits, and appends once the lock is released', async () => {
    const srv = await startTestServer('sqlite');
    try {
      const chain = new TestChain(newSigner());
      expect((await postEvent(srv.url, chain.identity, chain.events[0]!)).status).toBe(201);
      const holder = spawn(
        process.execPath,
        [
          '-e',
          `const D = require('better-sqlite3'); const db = new D(${JSON.stringify(join(srv.config.dataDir, SQLITE_FILE))});
           db.exec('BEGIN IMMEDIATE'); process.stdout.write('locked\\n');
           setTimeout(() => { db.exec('ROLLBACK'); db.close(); }, 2500);`,
        ],
        { cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] },
      );
      await new Promise<void>((r) => holder.stdout!.once('data', () => r()));
      let last = Date.now();
      let worstGap = 0;
      const tick = setInterval(() => {
        worstGap = Math.max(worstGap, Date.now() - last);
        last = Date.now();
      }, 10);
      const ev = chain.addEvent();
      const answer = postEvent(srv.url, chain.identity, ev);
      const health = await call(`${srv.url}/healthz`);
      const r = await answer;
      clearInterval(tick);
      await exited(holder);
      expect(health.status).toBe(200);
      expect(r.status).toBe(201);
      // A synchronous busy wait would stop every timer for the ~2.5 s the lock is held.
      expect(worstGap).toBeLessThan(1000);
    } finally {
      await srv.cleanup();
    }
  });
});

describe('SIGTERM with a request stuck on the database', () => {
  it('exits within the shutdown grace period instead of waiting for it', async () => {
    const db = await freshPgDatabase();
    const { child, url } = await spawnServer(['--rate-limit', '0'], { KEZ_SIG_DB: db });
    const chain = new TestChain(newSigner());
    let lock: { release(): Promise<void> } | undefined;
    try {
      expect((await postEvent(url, chain.identity, chain.events[0]!)).status).toBe(201);
      lock = await lockChainRow(db, chain.identity);
      const stuck = postEvent(url, chain.identity, chain.addEvent()).catch((e: Error) => e);
      await sleep(300);
      const t0 = Date.now();
      child.kill('SIGTERM');
      const gone = await Promise.race([exited(child).then(() => true), sleep(20_000)]);
      expect(gone, 'still running 20 s after SIGTERM').toBe(true);
      console.log(`shutdown with a stuck request took ${Date.now() - t0} ms`);
      await stuck;
    } finally {
      child.kill('SIGKILL');
      await lock?.release();
    }
  }, 40_000);
});

describe('SIGTERM during a chain replay', () => {
  it('stops the replay at its next yield and answers 503, instead of finishing it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kez-sig-replay-stop-'));
    const store = await openStore({ dataDir });
    const chain = new TestChain(newSigner());
    for (let i = 1; i < 2000; i++) chain.add();
    let prev: { seq: number; hash: string } | null = null;
    for (const ev of chain.events) {
      const hash = objectHash(ev);
      expect(
        (await store.append(chain.identity, { seq: ev.seq, hash, jcs: canonicalize(ev) }, prev)).ok,
      ).toBe(true);
      prev = { seq: ev.seq, hash };
    }
    // A cold app: the rival needs the chain's history, one replay of 2000 events.
    const app = await buildApp({ ...DEFAULTS, rateLimitMax: 0 }, store, { logger: false });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const rival = new TestChain(chain.primary, chain.events.slice(0, 1500)).addEvent();
      const answer = postEvent(url, chain.identity, rival);
      await sleep(100);
      await app.close();
      const r = await answer;
      expect(r.status).toBe(503);
      expect(r.json.error.message).toMatch(/shutting down/);
    } finally {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

// The command operators run: backend selection from flags/environment, clean shutdown, and
// refusing bad configuration with a usage message.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it, inject } from 'vitest';
import { call } from './helpers/http.js';
import { MAIN, exited, spawnServer } from './helpers/process.js';

describe('kez-sig-server process', () => {
  it('serves SQLite from --data and exits 0 on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kez-sig-proc-'));
    try {
      const { child, url } = await spawnServer(['--data', dir]);
      expect((await call(`${url}/readyz`)).json).toEqual({ status: 'ok', db: 'sqlite' });
      child.kill('SIGTERM');
      await exited(child);
      expect(child.exitCode).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('selects PostgreSQL from KEZ_SIG_DB and creates its schema', async () => {
    const admin = new pg.Client({ connectionString: inject('pgUrl') });
    await admin.connect();
    const name = `kez_proc_${process.pid}`;
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(inject('pgUrl'));
    url.pathname = `/${name}`;
    try {
      const { child, url: base } = await spawnServer([], { KEZ_SIG_DB: url.href });
      try {
        expect((await call(`${base}/readyz`)).json).toEqual({ status: 'ok', db: 'postgres' });
      } finally {
        child.kill('SIGTERM');
        await exited(child);
      }
      const db = new pg.Client({ connectionString: url.href });
      await db.connect();
      const tables = await db.query(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
      );
      await db.end();
      expect(tables.rows.map((r) => r.tablename)).toEqual([
        'kez_chains',
        'kez_counters',
        'kez_events',
        'kez_fork_events',
      ]);
    } finally {
      await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await admin.end();
    }
  });

  it('refuses bad flags with exit code 2 and the usage', () => {
    for (const args of [['--port', 'http'], ['--db', 'sqlite:///x'], ['--nope']]) {
      const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('Usage: kez-sig-server');
    }
  });
});

// The same suites run against each storage backend: SQLite in a temp dir, and PostgreSQL
// (a fresh database per server in the cluster global-setup started).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { DEFAULTS, type ServerConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server.js';

export type BackendName = 'sqlite' | 'postgres';
export const BACKENDS: BackendName[] = ['sqlite', 'postgres'];

let dbCounter = 0;

async function freshPgDatabase(): Promise<string> {
  const admin = new pg.Client({ connectionString: inject('pgUrl') });
  await admin.connect();
  const name = `kez_test_${process.pid}_${++dbCounter}`;
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(inject('pgUrl'));
  url.pathname = `/${name}`;
  return url.href;
}

export interface TestServer extends RunningServer {
  config: ServerConfig;
  cleanup(): Promise<void>;
}

/** A server on 127.0.0.1:0 with its own fresh storage, unless `overrides` names a db/dataDir to share. */
export async function startTestServer(
  backend: BackendName,
  overrides: Partial<ServerConfig> = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kez-sig-test-'));
  const config: ServerConfig = {
    ...DEFAULTS,
    host: '127.0.0.1',
    port: 0,
    dataDir,
    rateLimitMax: 0,
    logLevel: 'silent',
    ...(backend === 'postgres' && !overrides.db ? { db: await freshPgDatabase() } : {}),
    ...overrides,
  };
  const server = await startServer(config, { logger: false });
  return {
    ...server,
    config,
    async cleanup() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// The same suites run against each storage backend: SQLite in a temp dir, and PostgreSQL
// (a fresh database per server in the cluster global-setup started).
// The primitives the kez-sig-server binary runs with (main.ts), for the in-process servers too.
import '@kez/accel';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { DEFAULTS, type ServerConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server.js';

export type BackendName = 'sqlite' | 'postgres';
export const BACKENDS: BackendName[] = ['sqlite', 'postgres'];

let dbCounter = 0;

/** A new, empty database in the suite's PostgreSQL cluster. */
export async function freshPgDatabase(): Promise<string> {
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

/** A server for the enclosing describe block: started before its tests, cleaned up after. */
export function useTestServer(
  backend: BackendName,
  overrides: Partial<ServerConfig> = {},
): () => TestServer {
  let srv: TestServer | undefined;
  beforeAll(async () => {
    srv = await startTestServer(backend, overrides);
  });
  afterAll(async () => {
    await srv?.cleanup();
  });
  return () => srv!;
}

/** Two servers on one store (the replica recipe) for the enclosing describe block. */
export function useReplicaPair(backend: BackendName): () => [TestServer, TestServer] {
  let a: TestServer | undefined;
  let b: TestServer | undefined;
  beforeAll(async () => {
    a = await startTestServer(backend);
    b = await startTestServer(
      backend,
      backend === 'postgres' ? { db: a.config.db! } : { dataDir: a.config.dataDir },
    );
  });
  afterAll(async () => {
    await b?.cleanup();
    await a?.cleanup();
  });
  return () => [a!, b!];
}

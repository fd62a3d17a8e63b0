// The database going away mid-life: reads and appends answer 503 unavailable (retryable),
// readiness fails, liveness stays up, and nothing is reported as a client error.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/backends.js';
import { TestChain, newSigner } from '@kez/test-kit/chain-builder';
import { call, chainPath, postEvent } from './helpers/http.js';

describe('PostgreSQL unreachable', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer('postgres');
  });
  afterAll(async () => {
    await srv?.cleanup().catch(() => {});
  });

  it('answers 503 unavailable with Retry-After, and /readyz fails while /healthz stays up', async () => {
    const chain = new TestChain(newSigner());
    expect((await postEvent(srv.url, chain.identity, chain.events[0]!)).status).toBe(201);
    expect((await call(`${srv.url}/readyz`)).status).toBe(200);

    const url = new URL(srv.config.db!);
    const name = url.pathname.slice(1);
    url.pathname = '/postgres';
    const admin = new pg.Client({ connectionString: url.href });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    } finally {
      await admin.end();
    }

    const ready = await call(`${srv.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.json.error.code).toBe('unavailable');
    for (const r of [
      await call(chainPath(srv.url, chain.identity)),
      await postEvent(srv.url, chain.identity, chain.push(chain.addEvent())),
    ]) {
      expect(r.status).toBe(503);
      expect(r.json.error.code).toBe('unavailable');
      expect(r.headers.get('retry-after')).toBe('1');
    }
    expect((await call(`${srv.url}/healthz`)).status).toBe(200);
  });
});

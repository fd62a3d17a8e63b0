// fastify's app.inject (light-my-request, which depends on cookie@2 declaring node >= 22)
// works on this Node 20: exercised here, cookie parsing included, without a socket.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { DEFAULTS } from '../src/config.js';
import { SqliteStore } from '../src/storage/sqlite.js';

describe('app.inject on this Node', () => {
  it('answers injected requests, with cookies, in the API error shape', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kez-sig-inject-'));
    const store = new SqliteStore(dir);
    await store.init();
    const app = await buildApp({ ...DEFAULTS, dataDir: dir }, store, { logger: false });
    try {
      const ok = await app.inject({ method: 'GET', url: '/healthz', cookies: { a: 'b' } });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toEqual({ status: 'ok' });
      const missing = await app.inject({
        method: 'GET',
        url: `/v1/chains/kez:id:${'0'.repeat(64)}/head`,
      });
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toMatchObject({ error: { code: 'no_chain' } });
    } finally {
      await app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Structured logs: one request id per request (echoed as x-request-id), appends logged by
// identity/seq/hash, and never an event body at info level.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { objectHash } from '@kez/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../src/config.js';
import { startServer, type RunningServer } from '../src/server.js';
import { TestChain, newSigner } from '@kez/test-kit/chain-builder';
import { postEvent, postRaw } from './helpers/http.js';

describe('logging', () => {
  const lines: Record<string, unknown>[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'kez-sig-log-'));
  let srv: RunningServer;
  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split('\n').filter(Boolean))
          lines.push(JSON.parse(l) as Record<string, unknown>);
        done();
      },
    });
    srv = await startServer(
      { ...DEFAULTS, host: '127.0.0.1', port: 0, dataDir, rateLimitMax: 0 },
      { logger: { level: 'info', stream } },
    );
  });
  afterAll(async () => {
    await srv?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('logs appends and refusals with the request id, without the event bytes', async () => {
    const chain = new TestChain(newSigner());
    const ok = await postEvent(srv.url, chain.identity, chain.events[0]!);
    expect(ok.status).toBe(201);
    const ev = chain.addEvent();
    const bad = await postRaw(srv.url, chain.identity, JSON.stringify(ev, null, 1));
    expect(bad.status).toBe(400);

    const okId = ok.headers.get('x-request-id');
    expect(okId).toMatch(/^[0-9a-f-]{36}$/);
    const append = lines.find((l) => l.msg === 'append');
    expect(append).toMatchObject({
      reqId: okId,
      identity: chain.identity,
      seq: 0,
      hash: objectHash(chain.events[0]!),
      status: 201,
    });
    const refused = lines.find((l) => l.msg === 'request refused');
    expect(refused).toMatchObject({
      reqId: bad.headers.get('x-request-id'),
      code: 'non_canonical',
    });
    const all = JSON.stringify(lines);
    expect(all).not.toContain(chain.events[0]!.sig);
    expect(all).not.toContain(ev.sig);
    expect(all).not.toContain('"body"');
  });
});

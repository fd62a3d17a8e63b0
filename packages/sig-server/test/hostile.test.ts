// Hostile input: every refusal is a typed JSON error, and nothing is stored.
import { connect } from 'node:net';
import { canonicalize, encodeJson, exportBundle, objectHash } from '@kez/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, startTestServer, type TestServer } from './helpers/backends.js';
import { TestChain, newSigner } from '@kez/test-kit/chain-builder';
import { call, chainPath, postEvent, postRaw } from './helpers/http.js';

describe.each(BACKENDS)('hostile input on %s', (backend) => {
  let srv: TestServer;
  let chain: TestChain;
  beforeAll(async () => {
    srv = await startTestServer(backend);
    chain = new TestChain(newSigner());
    chain.add();
    for (const ev of chain.events)
      expect((await postEvent(srv.url, chain.identity, ev)).status).toBe(201);
  });
  afterAll(async () => {
    await srv?.cleanup();
  });

  /** After every refusal the chain is exactly what it was and no fork evidence appeared. */
  async function expectUnchanged(): Promise<void> {
    const read = await call(chainPath(srv.url, chain.identity));
    expect(read.text).toBe(exportBundle(chain.events));
    expect(read.headers.get('kez-fork')).toBeNull();
    expect((await call(chainPath(srv.url, chain.identity, '/forks'))).text).toBe('');
  }

  async function expectRefused(
    body: string | Uint8Array,
    status: number,
    code: string,
    contentType?: string,
  ): Promise<void> {
    const r = await postRaw(srv.url, chain.identity, body, contentType);
    expect(r.status).toBe(status);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.json.error.code).toBe(code);
    expect(typeof r.json.error.message).toBe('string');
  }

  it('refuses a wrong content type (415 content_type)', async () => {
    const body = encodeJson(chain.addEvent());
    for (const ct of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/jsonl',
      'application/json; charset=iso-8859-1',
      'multipart/form-data; boundary=x',
    ]) {
      await expectRefused(body, 415, 'content_type', ct);
    }
    const none = await call(chainPath(srv.url, chain.identity, '/events'), {
      method: 'POST',
      body: new Uint8Array(Buffer.from(body)),
    });
    expect(none.status).toBe(415);
    await expectUnchanged();
  });

  it('refuses an oversized body (413 too_large) before reading all of it', async () => {
    const ev = chain.addEvent();
    const padded = encodeJson(ev).replace('"body":{', `"body":{"pad":"${'x'.repeat(70 * 1024)}",`);
    await expectRefused(padded, 413, 'too_large');
    // Chunked (no Content-Length): the limit still applies while streaming.
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 80; i++) c.enqueue(new TextEncoder().encode('x'.repeat(1024)));
        c.close();
      },
    });
    const r = await fetch(chainPath(srv.url, chain.identity, '/events'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(r.status).toBe(413);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('too_large');
    await expectUnchanged();
  });

  it('refuses deep nesting (SPEC §11: too_large) and garbage (malformed)', async () => {
    await expectRefused(`{"a":${'['.repeat(20_000)}${']'.repeat(20_000)}}`, 413, 'too_large');
    await expectRefused('not json at all', 400, 'malformed');
    await expectRefused(new Uint8Array([0x7b, 0xff, 0xfe, 0x22, 0x7d]), 400, 'malformed');
    await expectRefused('[1,2,3]', 400, 'malformed');
    await expectRefused('', 400, 'malformed');
    await expectRefused('{"kez":"0.2","type":"event"}', 400, 'malformed');
    // A signed claim is not an event.
    await expectRefused(
      encodeJson(chain.state.claims.values().next().value!.claim),
      400,
      'malformed',
    );
    await expectUnchanged();
  });

  it('refuses non-canonical JSON and trailing data (SPEC §8.1)', async () => {
    const ev = chain.addEvent();
    const jcs = canonicalize(ev);
    await expectRefused(JSON.stringify(ev, null, 2), 400, 'non_canonical');
    await expectRefused(` ${jcs}`, 400, 'non_canonical');
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(ev).reverse()));
    expect(reordered).not.toBe(jcs);
    await expectRefused(reordered, 400, 'non_canonical');
    const kez = `"kez":"${ev.kez}"`;
    expect(jcs).toContain(kez);
    await expectRefused(jcs.replace(kez, `${kez},${kez}`), 400, 'non_canonical');
    await expectRefused(jcs.replace(kez, kez.replace('"0', '"\\u0030')), 400, 'non_canonical');
    await expectRefused(`${jcs}\n\n`, 400, 'trailing_data');
    await expectRefused(`${jcs}{}`, 400, 'trailing_data');
    await expectRefused(new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from(jcs)]), 400, 'malformed');
    await expectUnchanged();
    // The same event in its exact JCS form, with and without the optional LF, is fine.
    expect((await postRaw(srv.url, chain.identity, `${jcs}\n`)).status).toBe(201);
    chain.push(ev);
    expect((await postRaw(srv.url, chain.identity, jcs)).status).toBe(200);
    await expectUnchanged();
  });

  it('refuses a bad signature, an unknown member and a wrong version', async () => {
    const ev = chain.addEvent();
    const flipped = ev.sig.slice(0, -1) + (ev.sig.endsWith('0') ? '1' : '0');
    await expectRefused(canonicalize({ ...ev, sig: flipped }), 422, 'bad_signature');
    await expectRefused(
      canonicalize({ ...ev, created_at: ev.created_at + 1 }),
      422,
      'bad_signature',
    );
    await expectRefused(canonicalize({ ...ev, extra: 1 }), 400, 'malformed');
    await expectRefused(canonicalize({ ...ev, kez: '0.4' }), 400, 'unsupported_version');
    await expectRefused(canonicalize({ ...ev, sig: flipped.toUpperCase() }), 400, 'malformed');
    await expectUnchanged();
  });

  it('refuses bad identities in the path and unknown routes with JSON errors', async () => {
    const body = encodeJson(chain.addEvent());
    for (const bad of [
      'kez:id:xyz',
      `KEZ:ID:${'a'.repeat(64)}`,
      '../../etc/passwd',
      `kez:id:${'a'.repeat(65)}`,
    ]) {
      const r = await postRaw(srv.url, bad, body);
      expect(r.status, bad).toBe(400);
      expect(r.json.error.code).toBe('bad_request');
    }
    const nf = await call(`${srv.url}/v1/nothing`);
    expect(nf.status).toBe(404);
    expect(nf.json.error.code).toBe('not_found');
    const method = await call(chainPath(srv.url, chain.identity), { method: 'DELETE' });
    expect(method.status).toBe(404);
    expect(method.json.error.code).toBe('not_found');
    await expectUnchanged();
  });
});

describe('limits that need their own server', () => {
  it('rate-limits per client IP (429 rate_limited), health checks exempt', async () => {
    const srv = await startTestServer('sqlite', { rateLimitMax: 5, rateLimitWindowMs: 60_000 });
    try {
      const id = `kez:id:${'cd'.repeat(32)}`;
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++)
        statuses.push((await call(chainPath(srv.url, id, '/head'))).status);
      expect(statuses).toEqual([404, 404, 404, 404, 404, 429, 429, 429]);
      const limited = await call(chainPath(srv.url, id));
      expect(limited.status).toBe(429);
      expect(limited.json.error.code).toBe('rate_limited');
      expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
      expect((await call(`${srv.url}/healthz`)).status).toBe(200);
      expect((await call(`${srv.url}/readyz`)).status).toBe(200);
    } finally {
      await srv.cleanup();
    }
  });

  it('caps events per read: Kez-Next-Since continues it, and only a complete read has an ETag', async () => {
    const srv = await startTestServer('sqlite', { maxEventsPerResponse: 3 });
    try {
      const chain = new TestChain(newSigner());
      for (let i = 0; i < 6; i++) chain.add();
      for (const ev of chain.events)
        expect((await postEvent(srv.url, chain.identity, ev)).status).toBe(201);
      let since = 0;
      let text = '';
      const pages: (string | null)[] = [];
      for (;;) {
        const r = await call(chainPath(srv.url, chain.identity, `?since=${since}`));
        expect(r.text.split('\n').filter(Boolean).length).toBeLessThanOrEqual(3);
        text += r.text;
        pages.push(r.headers.get('etag'));
        const next = r.headers.get('kez-next-since');
        if (!next) break;
        since = Number(next);
      }
      expect(text).toBe(exportBundle(chain.events));
      expect(pages).toEqual([null, null, `"${objectHash(chain.head)}"`]);
    } finally {
      await srv.cleanup();
    }
  });

  it('answers 408 timeout to a slow client and 400 to broken HTTP, in the JSON error shape', async () => {
    // The idle-socket timeout stays long: the whole-request deadline is what must fire.
    const srv = await startTestServer('sqlite', {
      requestTimeoutMs: 300,
      connectionTimeoutMs: 30_000,
    });
    try {
      const { port } = new URL(srv.url);
      const id = `kez:id:${'ef'.repeat(32)}`;
      const slow = (text: string) =>
        new Promise<string>((resolve, reject) => {
          const sock = connect(Number(port), '127.0.0.1');
          let got = '';
          sock.on('data', (d) => {
            got += d.toString();
          });
          sock.on('close', () => resolve(got));
          sock.on('error', reject);
          sock.write(text); // …and never the rest. The server must answer and hang up on its own.
        });
      for (const partial of [
        `POST /v1/chains/${id}/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"kez"`,
        `GET /v1/chains/${id} HTTP/1.1\r\nHost: x\r\n`,
      ]) {
        const answer = await slow(partial);
        expect(answer).toMatch(/^HTTP\/1\.1 408 /);
        const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as {
          error: { code: string };
        };
        expect(body.error.code).toBe('timeout');
      }
      const broken = await slow('NOT HTTP AT ALL\r\n\r\n');
      expect(broken).toMatch(/^HTTP\/1\.1 400 /);
      expect(
        (JSON.parse(broken.slice(broken.indexOf('\r\n\r\n') + 4)) as { error: { code: string } })
          .error.code,
      ).toBe('bad_request');
      expect((await call(`${srv.url}/healthz`)).status).toBe(200);
    } finally {
      await srv.cleanup();
    }
  });
});

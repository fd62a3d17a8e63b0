// The profile-page routes (src/web/): which paths answer with the page, the headers it carries
// (strict CSP, caching), the assets, the settings, and the fetch relay's refusals.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttp, sendText, type RunningHttp } from '@kez/test-kit';
import { TestChain, now } from '@kez/test-kit/chain-builder';
import { canonicalize } from '@kez/core';
import { buildApp } from '../src/app.js';
import { DEFAULTS } from '../src/config.js';
import { SqliteStore } from '../src/storage/sqlite.js';

const HEX = 'ab'.repeat(32);
const INDEX =
  '<!doctype html><html><head><title>page</title><script type="module" src="/assets/app-1234.js"></script></head><body></body></html>';

let dir: string;
let store: SqliteStore;
let app: FastifyInstance;
let relayApp: FastifyInstance;
let upstream: RunningHttp;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kez-sig-web-'));
  const site = join(dir, 'site');
  mkdirSync(join(site, 'assets'), { recursive: true });
  writeFileSync(join(site, 'index.html'), INDEX);
  writeFileSync(join(site, 'assets', 'app-1234.js'), 'console.log(1)');
  writeFileSync(join(site, 'assets', 'notes.txt'), 'not served: unknown type');
  store = new SqliteStore(join(dir, 'db'));
  await store.init();
  app = await buildApp({ ...DEFAULTS, dataDir: dir }, store, {
    logger: false,
    web: { siteDir: site },
  });
  upstream = await startHttp((_req, res, url) =>
    url.pathname === '/missing'
      ? sendText(res, 404, 'gone')
      : sendText(res, 200, 'proof bytes', 'text/markdown; charset=utf-8'),
  );
  relayApp = await buildApp({ ...DEFAULTS, dataDir: dir }, store, {
    logger: false,
    web: {
      siteDir: site,
      relay: {
        channels: {
          hostMap: { 'proofs.example': upstream.url },
          allowLoopback: true,
          allowHttp: true,
        },
      },
    },
  });
});

afterAll(async () => {
  await app?.close();
  await relayApp?.close();
  await upstream?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the profile page on the sig-server', () => {
  it('answers /id/<hex>, the short-proof link /kez:id:<hex> and /verify with the page', async () => {
    for (const url of [`/id/${HEX}`, `/kez:id:${HEX}`, '/verify?subject=github:alice']) {
      const r = await app.inject({ method: 'GET', url });
      expect({ url, status: r.statusCode }).toEqual({ url, status: 200 });
      expect(r.body).toBe(INDEX);
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(r.headers['cache-control']).toBe('no-cache');
      expect(r.headers['set-cookie']).toBeUndefined();
    }
  });

  it('an identity page links each account its stored chain claims with rel="me", in the HTML', async () => {
    const t = TestChain.create({ seed: 7, createdAt: now() - 600 });
    t.add('github:alice');
    t.add('ap:@alice@social.example');
    t.add('github:alice-old');
    t.revoke('github:alice-old');
    for (const ev of t.events) {
      const r = await app.inject({
        method: 'POST',
        url: `/v1/chains/${t.identity}/events`,
        headers: { 'content-type': 'application/json' },
        payload: canonicalize(ev),
      });
      expect(r.statusCode).toBeLessThan(300);
    }
    const hex = t.identity.slice('kez:id:'.length);
    for (const url of [`/id/${hex}`, `/kez:id:${hex}`]) {
      const body = (await app.inject({ method: 'GET', url })).body;
      const links = [...body.matchAll(/<link rel="me" href="([^"]*)">/g)].map((m) => m[1]);
      expect({ url, links }).toEqual({
        url,
        links: ['https://github.com/alice', 'https://social.example/@alice'],
      });
      expect(body.indexOf('rel="me"')).toBeLessThan(body.indexOf('</head>'));
    }
    // An identity the server does not hold: the bare page.
    expect((await app.inject({ method: 'GET', url: `/id/${HEX}` })).body).toBe(INDEX);
  });

  it('the page carries a strict Content-Security-Policy', async () => {
    const r = await app.inject({ method: 'GET', url: `/id/${HEX}` });
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toMatch(/connect-src[^;]*\bhttp:/); // plain http only for a loopback demo
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
  });

  it('anything that is not an identity id is the API 404, not the page', async () => {
    for (const url of [
      `/id/${HEX.toUpperCase()}`,
      `/id/${HEX}00`,
      '/id/kez:id:00',
      `/kez:id:${HEX.slice(2)}`,
      '/favicon.ico',
      '/assets/../index.html',
      '/assets/notes.txt',
      '/assets/missing.js',
    ]) {
      const r = await app.inject({ method: 'GET', url });
      expect({ url, status: r.statusCode }).toEqual({ url, status: 404 });
      expect(r.json()).toMatchObject({ error: { code: 'not_found' } });
    }
  });

  it('hashed assets are immutable; the API routes still answer', async () => {
    const r = await app.inject({ method: 'GET', url: '/assets/app-1234.js' });
    expect(r.statusCode).toBe(200);
    expect(r.body).toBe('console.log(1)');
    expect(r.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
  });

  it('/kez-web.json defaults to this server as the sig-server; no relay unless enabled', async () => {
    const r = await app.inject({ method: 'GET', url: '/kez-web.json' });
    expect(r.json()).toEqual({ channels: { sigServers: ['self'] } });
    expect(
      (await app.inject({ method: 'GET', url: '/relay?url=https://x.example/' })).statusCode,
    ).toBe(404);
    const on = await relayApp.inject({ method: 'GET', url: '/kez-web.json' });
    expect(on.json()).toEqual({ channels: { sigServers: ['self'] }, relay: 'self' });
  });
});

describe('the fetch relay', () => {
  it("returns the service's raw bytes, status and type, sandboxed", async () => {
    const r = await relayApp.inject({
      method: 'GET',
      url: `/relay?url=${encodeURIComponent('https://proofs.example/alice.md')}`,
    });
    expect(r.statusCode).toBe(200);
    expect(r.body).toBe('proof bytes');
    expect(r.headers['kez-relay-status']).toBe('200');
    expect(r.headers['content-type']).toBe('text/markdown; charset=utf-8');
    expect(r.headers['content-security-policy']).toContain('sandbox');
    const gone = await relayApp.inject({
      method: 'GET',
      url: `/relay?url=${encodeURIComponent('https://proofs.example/missing')}`,
    });
    expect(gone.statusCode).toBe(200);
    expect(gone.headers['kez-relay-status']).toBe('404');
  });

  it('refuses what safe-fetch refuses: metadata and private addresses, non-URLs', async () => {
    for (const target of ['http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/', 'nope']) {
      const r = await relayApp.inject({
        method: 'GET',
        url: `/relay?url=${encodeURIComponent(target)}`,
      });
      expect({ target, status: r.statusCode }).toEqual({ target, status: 502 });
      expect(r.headers['kez-relay-status']).toBeUndefined();
    }
    expect((await relayApp.inject({ method: 'GET', url: '/relay' })).statusCode).toBe(400);
  });
});

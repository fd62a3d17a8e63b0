// web channel (SPEC §10): websites served on loopback by plain HTTP servers, one per domain
// (safe-fetch dials the hostMap origin). A site is just HTTP: the real thing, not a stand-in.
// The owner is the domain; only /.well-known/kez and the <head> of the home page count.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatShortProof } from '@kez/core';
import { sigServerTransport, webPlugin, type OwnedChannelEnv } from '../src/index.js';
import { headProofValues } from '../src/channels/web.js';
import { sendText, startHttp, type RunningHttp } from '@kez/test-kit';
import { TestChain } from '@kez/test-kit/chain-builder';
import { startSigServer, type RunningSigServer } from '@kez/test-kit/sig-server';
import { judgeAt, loopbackEnv, verifyWithServer } from './helpers.js';

type Page = { status?: number; type?: string; body?: string; location?: string };
const sites = new Map<string, Record<string, Page>>();
const servers: RunningHttp[] = [];
let sig: RunningSigServer;
let env: OwnedChannelEnv;
const me = TestChain.create({ seed: 41 });
const DOMAINS = [
  'alice.example',
  'short.example',
  'mallory.example',
  'comments.example',
  'away.example',
  'metaonly.example',
  'nothing.example',
];

function html(headPart: string, bodyPart = ''): Page {
  return {
    type: 'text/html; charset=utf-8',
    body: `<!doctype html><html><head><title>t</title>${headPart}</head><body>${bodyPart}</body></html>`,
  };
}

const judge = (id: string) => judgeAt(webPlugin, `web:${id}`, env, me.now);
const verify = (subject: string) => verifyWithServer(subject, env, me.now, sig.url);

beforeAll(async () => {
  const hostMap: Record<string, string> = {};
  for (const domain of DOMAINS) {
    const server = await startHttp((_req, res, url) => {
      const page = sites.get(domain)?.[url.pathname];
      if (!page) return sendText(res, 404, 'not found');
      if (page.location) {
        res.writeHead(page.status ?? 302, { location: page.location });
        res.end();
        return;
      }
      sendText(res, page.status ?? 200, page.body ?? '', page.type);
    });
    servers.push(server);
    hostMap[domain] = server.url;
  }
  sig = await startSigServer();
  env = loopbackEnv({ hostMap });
  const alice = me.add('web:alice.example');
  for (const d of ['short.example', 'comments.example', 'away.example', 'metaonly.example'])
    me.add(`web:${d}`);
  await sigServerTransport.publishEvents!(sig.url, me.identity, me.events, env);
  const linked = formatShortProof(me.identity, sig.url);
  const compact = await TestChain.compact(alice);
  sites.set('alice.example', {
    '/.well-known/kez': { type: 'text/plain', body: `${compact}\n` },
    '/': html(''),
  });
  sites.set('short.example', { '/': html(`<link rel="me authn" href="${linked}">`) });
  sites.set('metaonly.example', {
    '/': html(`<meta name="KEZ" content="${linked.replace('/kez:', '/kez&#x3a;')}">`),
  });
  // mallory copies alice's signed claim: it names web:alice.example, not mallory's domain.
  sites.set('mallory.example', { '/.well-known/kez': { type: 'text/plain', body: compact } });
  // The proof only in the page body, where comments live: never read.
  sites.set('comments.example', {
    '/': html('', `<p>comment: <link rel="me" href="${linked}"> ${linked}</p>`),
  });
  // Both places redirect to another origin that holds the proof.
  sites.set('away.example', {
    '/.well-known/kez': { location: 'https://short.example/.well-known/kez' },
    '/': { location: 'https://short.example/' },
  });
  sites.set('nothing.example', { '/': html('<link rel="me" href="https://elsewhere.example/">') });
}, 60_000);
afterAll(async () => {
  await env?.close();
  await Promise.all([...servers.map((s) => s.close()), sig?.close()]);
});

describe('web channel: https://<domain>/.well-known/kez and the home page head', () => {
  it('a compact claim at /.well-known/kez is valid, owner the domain', async () => {
    expect(await judge('alice.example')).toMatchObject([
      { status: 'valid', owner: { subject: 'web:alice.example' } },
    ]);
    expect((await verify('web:alice.example')).status).toBe('valid');
  });

  it('a short proof in <link rel="me"> or <meta name="kez"> (entities decoded) verifies through the chain', async () => {
    expect(await verify('web:short.example')).toMatchObject({
      status: 'valid',
      identity: me.identity,
    });
    expect((await verify('web:metaonly.example')).status).toBe('valid');
  });

  it("another domain's copy of the claim is invalid (subject_mismatch)", async () => {
    expect(await judge('mallory.example')).toMatchObject([
      { status: 'invalid', code: 'subject_mismatch' },
    ]);
    expect((await verify('web:mallory.example')).status).not.toBe('valid');
  });

  it('a proof in the page body (a comment) is never read', async () => {
    expect(await judge('comments.example')).toEqual([]);
    expect(await verify('web:comments.example')).toMatchObject({ status: 'not_found' });
  });

  it('a redirect to another origin is refused (redirect), never followed to a proof', async () => {
    expect(await judge('away.example')).toMatchObject([
      { status: 'invalid', code: 'redirect', thrown: true },
    ]);
    expect((await verify('web:away.example')).status).not.toBe('valid');
  });

  it('a site with no proof is not_found; a rel=me link without kez:id: is ignored', async () => {
    expect(await judge('nothing.example')).toEqual([]);
  });

  it('reads only <head>, bounded, attributes in any quoting', () => {
    const many = '<link rel=me href=https://h.example/kez:id:x>'.repeat(100);
    expect(headProofValues(`<head>${many}</head>`)).toHaveLength(32);
    expect(
      headProofValues(`<head><meta content='v1' name=kez><link href="kez:id:y" rel="ME"><body>`),
    ).toEqual(['v1', 'kez:id:y']);
    expect(headProofValues('<html><body><meta name="kez" content="v"></body>')).toEqual([]);
  });
});

// The chain source against a real sig-server that pages its answers (2 events per response):
// every page read, one byte cap across all pages, the fork flag, and the address policy of the
// fetcher (loopback and http only when the operator's config allows them).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addClaim,
  cloneChainState,
  exportBundle,
  KezError,
  objectHash,
  rotateKey,
  type ChainState,
} from '@kez/core';
import { startServer, DEFAULTS } from '@kez/sig-server';
import { sigServerChainSource, type SigServerChainSource } from '../src/index.js';
import { PublishedChain as TestIdentity, postEvent } from '@kez/test-kit/published-chain';
import { freshSubject, newSigner, now } from '@kez/test-kit/chain-builder';
import { delayingProxy } from './support/chat-harness.js';

const open = { allowHttp: true, allowPrivate: true, allowLoopback: true };
let sig: Awaited<ReturnType<typeof startServer>>;
let dataDir: string;
const sources: SigServerChainSource[] = [];

function source(
  over: Partial<Parameters<typeof sigServerChainSource>[0]> = {},
): SigServerChainSource {
  const s = sigServerChainSource({ baseUrl: sig.url, timeoutMs: 1500, access: open, ...over });
  sources.push(s);
  return s;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => 'no error',
    (x: unknown) => x,
  );
  return e instanceof KezError ? e.code : String(e);
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'kez-chat-paged-sig-'));
  sig = await startServer({
    ...DEFAULTS,
    host: '127.0.0.1',
    port: 0,
    dataDir,
    rateLimitMax: 0,
    logLevel: 'silent',
    maxEventsPerResponse: 2,
  });
});
afterAll(async () => {
  await Promise.all(sources.map((s) => s.close()));
  await sig.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('sigServerChainSource (real sig-server, 2 events per page)', () => {
  let alice: TestIdentity;
  beforeAll(async () => {
    alice = await TestIdentity.create(sig.url);
    for (let i = 0; i < 4; i++) await alice.addDevice();
  });

  it('reads every page of a 5-event chain', async () => {
    const res = await fetch(`${sig.url}/v1/chains/${encodeURIComponent(alice.identity)}`);
    expect(res.headers.get('kez-next-since')).toBe('2'); // the server really pages
    await res.arrayBuffer();
    expect(await source().fetch(alice.identity)).toMatchObject({
      events: alice.events,
      forked: false,
    });
  });

  it('reads conditionally: 304 when the head is unchanged, only new events after it', async () => {
    const src = source();
    const full = await src.fetch(alice.identity);
    expect(full?.etag).toMatch(/^"[0-9a-f]{64}"$/);
    const known = { etag: full!.etag!, nextSeq: 5 };
    expect(await src.fetch(alice.identity, { known })).toMatchObject({
      notModified: true,
      events: [],
    });
    await alice.addDevice();
    await alice.addDevice();
    await alice.addDevice();
    const grown = await src.fetch(alice.identity, { known });
    expect(grown?.since).toBe(5);
    expect(grown?.events).toEqual(alice.events.slice(5)); // 3 new events over 2 pages
    expect(grown?.etag).not.toBe(known.etag);
  });

  it('gives a multi-page read one deadline, not one timeout per page', async () => {
    // A proxy that delays every page by 250 ms: each page is within a 600 ms timeout, the
    // four pages of this chain together are not.
    const proxy = await delayingProxy(sig.url, 250);
    try {
      const slow = source({ baseUrl: proxy.url, timeoutMs: 600 });
      expect(await codeOf(slow.fetch(alice.identity))).toBe('timeout');
    } finally {
      await proxy.close();
    }
  });

  it('caps the bytes of all pages together', async () => {
    const total = Buffer.byteLength(exportBundle(alice.events));
    const firstPage = Buffer.byteLength(exportBundle(alice.events.slice(0, 2)));
    expect(firstPage).toBeLessThan(total - 1); // so only the sum can exceed the cap
    expect(await codeOf(source({ maxBytes: total - 1 }).fetch(alice.identity))).toBe('too_large');
    expect((await source({ maxBytes: total }).fetch(alice.identity))?.events.length).toBe(
      alice.events.length,
    );
  });

  it('null for an unknown identity', async () => {
    const other = await TestIdentity.create(sig.url);
    expect(
      await source().fetch(other.identity.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a'))),
    ).toBeNull();
  });

  it('reports the fork flag', async () => {
    const dave = await TestIdentity.create(sig.url);
    const base = dave.state;
    const genesisKey = await dave.rotate();
    expect(
      await postEvent(
        sig.url,
        dave.identity,
        rotateKey(base, { newSigner: newSigner(), created_at: now() - 5 }, genesisKey),
      ),
    ).toBe(409);
    expect((await source().fetch(dave.identity))?.forked).toBe(true);
  });

  it('reads every page of the fork evidence of a flagged chain, and none of an unflagged one', async () => {
    const erin = await TestIdentity.create(sig.url);
    const before: ChainState[] = [];
    for (let i = 0; i < 6; i++) {
      before.push(cloneChainState(erin.state));
      await erin.append(erin.chain.addEvent());
    }
    expect((await source().fetch(erin.identity))?.forks ?? []).toEqual([]);
    // 3 rivals at each of 6 positions: 18 evidence events, over one /forks page (16).
    const rivals = before.flatMap((s) =>
      [1, 2, 3].map(
        (n) =>
          addClaim(s, { subject: freshSubject(), created_at: now() - 10 - n }, erin.primary).event,
      ),
    );
    for (const r of rivals) expect(await postEvent(sig.url, erin.identity, r)).toBe(409);
    const read = await source().fetch(erin.identity);
    expect(read?.forked).toBe(true);
    expect(read?.events).toHaveLength(7);
    expect(new Set(read?.forks?.map((e) => objectHash(e)))).toEqual(
      new Set(rivals.map((e) => objectHash(e))),
    );
  });

  it('refuses loopback and http unless the config allows them', async () => {
    expect(
      await codeOf(source({ access: { ...open, allowLoopback: false } }).fetch(alice.identity)),
    ).toBe('blocked_address');
    expect(
      await codeOf(source({ access: { ...open, allowHttp: false } }).fetch(alice.identity)),
    ).toBe('blocked_address');
    expect(
      await codeOf(
        source({
          baseUrl: sig.url.replace('127.0.0.1', 'localhost'),
          access: { ...open, allowLoopback: false },
        }).fetch(alice.identity),
      ),
    ).toBe('blocked_address');
  });
});

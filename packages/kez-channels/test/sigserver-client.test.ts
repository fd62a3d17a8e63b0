import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KezError, addClaim, canonicalize, type ChainState } from '@kez/core';
import {
  appendEvent,
  fileHeadCache,
  getChain,
  getForks,
  getFullChain,
  getHead,
  sigServerTransport,
  type OwnedChannelEnv,
} from '../src/index.js';
import { startHttp } from '@kez/test-kit';
import { startSigServer, type RunningSigServer } from '@kez/test-kit/sig-server';
import { TestChain as TestIdentity } from '@kez/test-kit/chain-builder';
import { loopbackEnv } from './helpers.js';

let sig: RunningSigServer;
let env: OwnedChannelEnv;
const id = TestIdentity.create({ seed: 41 });
id.add('github:one');
id.add('github:two');

beforeAll(async () => {
  sig = await startSigServer();
  env = loopbackEnv();
});
afterAll(async () => {
  await env.close();
  await sig.close();
});

describe('sig-server client (real sig-server)', () => {
  it('an unknown chain: 404 → empty, head null', async () => {
    expect((await getChain(env.fetch, sig.url, id.identity)).status).toBe(404);
    expect(await getHead(env.fetch, sig.url, id.identity)).toBeNull();
    expect(await sigServerTransport.fetchChain(sig.url, id.identity, env, id.now)).toEqual([]);
  });

  it("appends: created, then idempotent; a gap is refused with the server's code", async () => {
    expect(await appendEvent(env.fetch, sig.url, id.identity, id.events[0]!)).toEqual({
      outcome: 'created',
      status: 201,
    });
    expect(await appendEvent(env.fetch, sig.url, id.identity, id.events[0]!)).toEqual({
      outcome: 'exists',
      status: 200,
    });
    expect(await appendEvent(env.fetch, sig.url, id.identity, id.events[2]!)).toMatchObject({
      outcome: 'conflict',
      status: 409,
      code: 'bad_link',
    });
  });

  it('publishEvents sends only what is missing; reads honour ETag', async () => {
    expect(await sigServerTransport.publishEvents!(sig.url, id.identity, id.events, env)).toEqual({
      added: 2,
    });
    expect(await sigServerTransport.publishEvents!(sig.url, id.identity, id.events, env)).toEqual({
      added: 0,
    });
    const chain = await getChain(env.fetch, sig.url, id.identity);
    expect(chain.events).toEqual(id.events);
    expect(chain.etag).toBeTruthy();
    expect((await getChain(env.fetch, sig.url, id.identity, { etag: chain.etag })).status).toBe(
      304,
    );
    expect((await getChain(env.fetch, sig.url, id.identity, { since: 2 })).events).toEqual(
      id.events.slice(2),
    );
    expect(await getHead(env.fetch, sig.url, id.identity)).toMatchObject({ seq: 2, fork: false });
  });

  it('a validly signed conflicting event is fork evidence: served, and fetchChain returns both', async () => {
    const twin = TestIdentity.create({ seed: 41 });
    twin.add('github:one');
    twin.add('github:other'); // a different seq-2 event
    const conflict = await appendEvent(env.fetch, sig.url, id.identity, twin.events[2]!);
    expect(conflict).toMatchObject({ outcome: 'conflict', code: 'fork' });
    expect((await getHead(env.fetch, sig.url, id.identity))?.fork).toBe(true);
    expect(await getForks(env.fetch, sig.url, id.identity)).toContainEqual(twin.events[2]);
    const all = await sigServerTransport.fetchChain(sig.url, id.identity, env, id.now);
    expect(all).toEqual(expect.arrayContaining([...id.events, twin.events[2]]));
    // Publishing a chain that continues the other branch is refused as a fork.
    twin.add('github:three');
    const pub = await sigServerTransport.publishEvents!(
      sig.url,
      id.identity,
      twin.events,
      env,
    ).catch((e: unknown) => e as KezError);
    expect(pub).toBeInstanceOf(KezError);
    expect((pub as KezError).status).not.toBe('valid');
  });

  it('publishEvents sends our event where the main line holds a branch ours supersedes (reorg)', async () => {
    const owner = TestIdentity.create({ seed: 43 });
    const thief = TestIdentity.create({ seed: 43 }); // the same primary key
    owner.add('github:mine');
    thief.add('github:mine');
    await sigServerTransport.publishEvents!(sig.url, owner.identity, owner.events, env);
    thief.add('github:thief');
    await sigServerTransport.publishEvents!(sig.url, owner.identity, thief.events, env);
    // A rotation at the thief's seq outranks the thief's claim (SPEC §6.8): past the server's
    // head only, it would never be sent.
    owner.rotate();
    owner.add('github:after');
    expect(
      await sigServerTransport.publishEvents!(sig.url, owner.identity, owner.events, env),
    ).toEqual({ added: 2 });
    const main = await getFullChain(env.fetch, sig.url, owner.identity);
    expect(main?.events).toEqual(owner.events);
  });

  it('getForks follows every /forks page (one page holds 16; a chain keeps up to 32)', async () => {
    const c = TestIdentity.create({ seed: 97 });
    const before: ChainState[] = [];
    for (let i = 0; i < 6; i++) {
      before.push(c.state);
      c.add(`github:paged-${i}`);
    }
    await sigServerTransport.publishEvents!(sig.url, c.identity, c.events, env);
    const rivals = before.flatMap((state, i) =>
      [0, 1, 2].map(
        (j) =>
          addClaim(state, { subject: `github:rival-${i}-${j}`, created_at: c.now }, c.primary)
            .event,
      ),
    );
    for (const r of rivals) await appendEvent(env.fetch, sig.url, c.identity, r);
    const forks = await getForks(env.fetch, sig.url, c.identity);
    expect(forks).toHaveLength(18);
    expect(forks).toEqual(expect.arrayContaining(rivals));
  });

  it('getFullChain: the main line and the fork flag; null for an unknown chain; the byte cap fails closed', async () => {
    const full = await getFullChain(env.fetch, sig.url, id.identity);
    expect(full?.events).toEqual(id.events);
    expect(full?.fork).toBe(true);
    expect(
      await getFullChain(env.fetch, sig.url, TestIdentity.create({ seed: 42 }).identity),
    ).toBeNull();
    const err = await getFullChain(env.fetch, sig.url, id.identity, { maxBytes: 100 }).catch(
      (e: unknown) => e as KezError,
    );
    expect(err).toBeInstanceOf(KezError);
    expect((err as KezError).code).toBe('too_large');
  });
});

// A real sig-server never sends these; a broken or hostile one might. Each must be an error,
// never a chain silently cut short (a revocation on a later page must not be missed).
describe('sig-server client against a misbehaving server', () => {
  const line = `${canonicalize(id.events[0]!)}\n`;
  let bad: Awaited<ReturnType<typeof startHttp>>;
  beforeAll(async () => {
    bad = await startHttp((_req, res, url) => {
      const since = Number(url.searchParams.get('since') ?? 0);
      const mode = url.pathname.split('/')[1]!; // /<mode>/v1/chains/<identity>
      const headers: Record<string, string> = { 'content-type': 'application/x-ndjson' };
      if (mode === 'bad-next') headers['kez-next-since'] = 'soon';
      if (mode === 'same-next') headers['kez-next-since'] = String(since);
      if (mode === 'endless') headers['kez-next-since'] = String(since + 1);
      if (mode === 'vanishing' && since > 0) {
        res.writeHead(404);
        return void res.end();
      }
      if (mode === 'vanishing') headers['kez-next-since'] = '1';
      res.writeHead(200, headers);
      res.end(
        mode === 'not-utf8'
          ? Buffer.concat([
              Buffer.from(line.slice(0, 20)),
              Buffer.from([0xff]),
              Buffer.from(line.slice(21)),
            ])
          : line,
      );
    });
  });
  afterAll(() => bad.close());

  async function codeOf(mode: string): Promise<string> {
    const e = await getFullChain(env.fetch, `${bad.url}/${mode}/`, id.identity).catch(
      (x: unknown) => x,
    );
    return e instanceof KezError ? e.code : `no error: ${JSON.stringify(e)}`;
  }

  it('a malformed or non-advancing Kez-Next-Since is malformed', async () => {
    expect(await codeOf('bad-next')).toBe('malformed');
    expect(await codeOf('same-next')).toBe('malformed');
  });

  it('endless paging is too_large; a chain vanishing mid-read is an error', async () => {
    expect(await codeOf('endless')).toBe('too_large');
    expect(await codeOf('vanishing')).toBe('http_status');
  });

  it('a body that is not UTF-8 is malformed (no replacement characters)', async () => {
    const e = await getFullChain(env.fetch, `${bad.url}/not-utf8/`, id.identity).catch(
      (x: unknown) => x as KezError,
    );
    expect(e).toBeInstanceOf(KezError);
    expect((e as KezError).code).toBe('malformed');
    expect((e as KezError).message).toMatch(/UTF-8/);
    expect((await getFullChain(env.fetch, `${bad.url}/plain/`, id.identity))?.events).toEqual([
      id.events[0],
    ]);
    // Another identity's genesis is refused at its line.
    const other = TestIdentity.create({ seed: 43 }).identity;
    await expect(getFullChain(env.fetch, `${bad.url}/plain/`, other)).rejects.toMatchObject({
      code: 'identity_mismatch',
    });
  });
});

describe('file head cache', () => {
  it('remembers heads across instances in a 0600 file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kez-heads-'));
    const path = join(dir, 'home', 'heads.json');
    expect(await fileHeadCache(path).get('kez:id:x')).toBeUndefined();
    await fileHeadCache(path).put('kez:id:x', { seq: 3, hash: 'ab' });
    await fileHeadCache(path).put('kez:id:y', { seq: 1, hash: 'cd' });
    expect(await fileHeadCache(path).get('kez:id:x')).toEqual({ seq: 3, hash: 'ab' });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    await rm(dir, { recursive: true, force: true });
  });
});

// The github channel against GitHub's documented limits (the stand-in enforces them; sources
// in test-kit's fixtures/github-shapes.ts): 60 requests/hour without a token, tokens, ETags,
// paged lists, truncated file lists.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type KezError, parseSubject, verdictOf } from '@kez/core';
import {
  evaluateCandidate,
  githubPlugin,
  type ChannelsConfigInput,
  type HttpCache,
  type OwnedChannelEnv,
} from '../src/index.js';
import { createChannelEnv, channelsConfig } from '../src/index.js';
import { startGithubStandin, type GithubStandin } from '@kez/test-kit';
import { TestChain as TestIdentity } from '@kez/test-kit/chain-builder';

let gh: GithubStandin;
const id = TestIdentity.create({ seed: 12 });
const TOKEN = 'ghp_reader_token';
const envs: OwnedChannelEnv[] = [];

function ghEnv(
  opts: { token?: string; cache?: HttpCache; config?: ChannelsConfigInput } = {},
): OwnedChannelEnv {
  const e = createChannelEnv(
    channelsConfig({
      allowLoopback: true,
      allowHttp: true,
      hostMap: gh.hostMap,
      timeouts: { totalMs: 3_000, connectMs: 2_000, dnsMs: 2_000 },
      ...opts.config,
    }),
    { credentials: opts.token ? { github: opts.token } : undefined, httpCache: opts.cache },
  );
  envs.push(e);
  return e;
}

function memoryCache(): HttpCache {
  const m = new Map<string, { etag: string; body: string }>();
  return { get: (u) => m.get(u), set: (u, v) => void m.set(u, v) };
}

async function judge(login: string, env: OwnedChannelEnv) {
  const subject = parseSubject(`github:${login}`);
  try {
    return (await githubPlugin.locate(subject, env)).map((c) =>
      evaluateCandidate(subject, c, id.now),
    );
  } catch (e) {
    return [{ ...verdictOf(e), error: e as KezError }];
  }
}

beforeAll(async () => {
  gh = await startGithubStandin();
  gh.addUser('reader');
  gh.addToken(TOKEN, 'reader');
  gh.addUser('ann');
  gh.addGist('ann', { 'kez.md': TestIdentity.markdown(id.add('github:ann')) });
});
beforeEach(() => gh.resetRateLimits());
afterAll(async () => {
  await Promise.all(envs.map((e) => e.close()));
  await gh.close();
});

describe('github: rate limits', () => {
  it('without a token the 61st request in the hour is rate_limited, saying when to retry and to set GITHUB_TOKEN', async () => {
    const env = ghEnv();
    const before = gh.counted;
    for (let i = 0; i < 30; i++) expect((await judge('ann', env))[0]!.status).toBe('valid');
    expect(gh.counted - before).toBe(60);
    const [v] = await judge('ann', env);
    expect(v).toMatchObject({ status: 'unreachable', code: 'rate_limited' });
    const err = (v as { error: KezError }).error;
    const resetAt = String(err.evidence.reset_at);
    expect(Date.parse(resetAt)).toBeGreaterThan(Date.now() + 3_000_000); // about an hour away
    expect(err.message).toContain(`retry at ${resetAt}`);
    expect(err.message).toContain('set GITHUB_TOKEN');
  });

  it('with a read token the same reads go on past 60 (5,000/hour)', async () => {
    const env = ghEnv({ token: TOKEN });
    const before = gh.counted;
    for (let i = 0; i < 40; i++) expect((await judge('ann', env))[0]!.status).toBe('valid');
    expect(gh.counted - before).toBe(80);
  });

  it('a 429 answer is rate_limited too', async () => {
    gh.limits.status = 429;
    gh.limits.unauthenticated = 1;
    try {
      const [v] = await judge('ann', ghEnv());
      expect(v).toMatchObject({ status: 'unreachable', code: 'rate_limited' });
    } finally {
      gh.limits.status = 403;
      gh.limits.unauthenticated = 60;
    }
  });
});

describe('github: conditional requests', () => {
  it('a second verification with a token revalidates with If-None-Match: answered 304, not counted', async () => {
    const env = ghEnv({ token: TOKEN, cache: memoryCache() });
    expect((await judge('ann', env))[0]!.status).toBe('valid');
    const before = gh.counted;
    const seen = gh.requests.length;
    expect((await judge('ann', env))[0]!.status).toBe('valid');
    expect(gh.counted).toBe(before);
    expect(gh.requests.length).toBeGreaterThan(seen); // it did ask
  });

  it('without a token a 304 still counts (GitHub frees only authorized 304s)', async () => {
    const env = ghEnv({ cache: memoryCache() });
    await judge('ann', env);
    const before = gh.counted;
    expect((await judge('ann', env))[0]!.status).toBe('valid');
    expect(gh.counted).toBe(before + 2);
  });
});

describe('github: big listings and truncation', () => {
  it('a listing too big for one read is paged in smaller pages, not refused as too_large', async () => {
    gh.addUser('prolific');
    const filler = Object.fromEntries(
      ['a', 'b', 'c', 'd', 'e'].map((n) => [`${n}.txt`, 'x'.repeat(10)]),
    );
    for (let i = 0; i < 69; i++) gh.addGist('prolific', filler);
    gh.addGist('prolific', {
      ...filler,
      'kez.md': TestIdentity.markdown(id.add('github:prolific')),
    });
    const env = ghEnv({ config: { maxBodyBytes: 64 * 1024 } });
    const verdicts = await judge('prolific', env);
    expect(verdicts.map((v) => v.status)).toEqual(['valid']);
    const pages = gh.requests.filter((r) => r.startsWith('GET /users/prolific/gists'));
    expect(pages.length).toBeLessThanOrEqual(12);
    expect(pages.at(-1)).toMatch(/per_page=(16|8|4)&/);
  });

  it('a gist whose files list is cut at 300 (truncated) still yields its kez.md, read whole from the raw host', async () => {
    gh.addUser('hoarder');
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i++) files[`a${String(i).padStart(3, '0')}.txt`] = 'x';
    files['kez.md'] = TestIdentity.markdown(id.add('github:hoarder'));
    gh.addGist('hoarder', files);
    const env = ghEnv();
    const list = (await (
      await env.fetch('https://api.github.com/users/hoarder/gists', {
        headers: { accept: 'application/vnd.github+json' },
      })
    ).json()) as Array<{ truncated: boolean; files: Record<string, unknown> }>;
    expect(list[0]!.truncated).toBe(true);
    expect(Object.keys(list[0]!.files)).toHaveLength(300);
    expect(list[0]!.files['kez.md']).toBeUndefined();
    expect((await judge('hoarder', env)).map((v) => v.status)).toEqual(['valid']);
  });

  it('the stand-in cuts a file over 1 MB in "Get a gist" (truncated) and the raw URL has it whole', async () => {
    gh.addUser('big');
    const big = 'y'.repeat(1_500_000);
    const gistId = gh.addGist('big', { 'notes.txt': big });
    const env = ghEnv({ config: { maxBodyBytes: 4 << 20 } });
    const gist = (await (
      await env.fetch(`https://api.github.com/gists/${gistId}`, {
        headers: { accept: 'application/vnd.github+json' },
      })
    ).json()) as {
      files: Record<string, { truncated: boolean; content: string; raw_url: string }>;
    };
    const f = gist.files['notes.txt']!;
    expect(f.truncated).toBe(true);
    expect(f.content.length).toBe(1 << 20);
    expect((await env.fetch(f.raw_url)).body.length).toBe(big.length);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KezError, parseSubject, verdictOf } from '@kez/core';
import {
  evaluateCandidate,
  githubPlugin,
  type OwnedChannelEnv,
  type ProofVerdict,
} from '../src/index.js';
import { startGithubStandin, type GithubStandin } from '@kez/test-kit';
import { TestChain as TestIdentity } from '@kez/test-kit/chain-builder';
import { loopbackEnv } from './helpers.js';

/** The wall clock, for the timestamp a published record carries (relays check it). */
const NOW_S = Math.floor(Date.now() / 1000);

let gh: GithubStandin;
let env: OwnedChannelEnv;
const id = TestIdentity.create({ seed: 11 });
const jason = id.add('github:jason');
const bobClaim = id.add('github:bob');
const now = id.now;

async function judge(login: string): Promise<(ProofVerdict & { thrown?: boolean })[]> {
  const subject = parseSubject(`github:${login}`);
  try {
    return (await githubPlugin.locate(subject, env)).map((c) => evaluateCandidate(subject, c, now));
  } catch (e) {
    return [
      { ...verdictOf(e), location: subject.text, owner: { subject: subject.text }, thrown: true },
    ];
  }
}

beforeAll(async () => {
  gh = await startGithubStandin();
  env = loopbackEnv({ hostMap: gh.hostMap, timeouts: { totalMs: 3_000 } });
  gh.addUser('jason', 583231);
  gh.addGist('jason', { 'kez.md': TestIdentity.markdown(jason), 'notes.txt': 'hello' });
});
afterAll(async () => {
  await env.close();
  await gh.close();
});

describe('github channel (API-shaped stand-in)', () => {
  it("verifies a proof in the user's own gist, owner and stable id from the API", async () => {
    const [p] = await judge('JASON'.toLowerCase());
    expect(p).toMatchObject({
      status: 'valid',
      owner: { subject: 'github:jason', stableId: 'github-id:583231' },
    });
    expect(p!.location).toMatch(/^https:\/\/gist\.github\.com\/jason\/[0-9a-f]+#kez\.md$/);
  });

  it('also finds *.kez.md files', async () => {
    gh.addUser('kim');
    const kim = id.add('github:kim');
    gh.addGist('kim', { 'identity.kez.md': TestIdentity.markdown(kim) });
    expect((await judge('kim'))[0]!.status).toBe('valid');
  });

  it('no such user is not_found (no_account)', async () => {
    expect((await judge('ghost'))[0]).toMatchObject({ status: 'not_found', code: 'no_account' });
  });

  it("someone else's gist holding my proof never verifies for me", async () => {
    gh.addUser('bob');
    gh.addUser('mallory');
    // bob's proof sits in mallory's gist: listed for mallory, it is mallory's place.
    gh.addGist('mallory', { 'kez.md': TestIdentity.markdown(bobClaim) });
    expect(await judge('bob')).toEqual([]);
    expect((await judge('mallory'))[0]).toMatchObject({
      status: 'invalid',
      code: 'subject_mismatch',
    });
  });

  it('a gist owned by another user is skipped even if the API lists it under the subject', async () => {
    gh.addUser('eve');
    const eveClaim = id.add('github:eve');
    gh.addGist('mallory', { 'kez.md': TestIdentity.markdown(eveClaim) }, { listedUnder: 'eve' });
    expect(await judge('eve')).toEqual([]);
  });

  it("a forked gist (owned by the forker) carrying the original's proof is subject_mismatch", async () => {
    gh.addUser('forker');
    gh.addGist('forker', { 'kez.md': TestIdentity.markdown(jason) });
    expect((await judge('forker'))[0]).toMatchObject({
      status: 'invalid',
      code: 'subject_mismatch',
    });
  });

  it('a proof in a gist comment is never read', async () => {
    gh.addUser('carl');
    const carl = id.add('github:carl');
    const gistId = gh.addGist('carl', { 'readme.md': 'nothing here' });
    gh.addComment(gistId, 'carl', TestIdentity.markdown(carl));
    expect(await judge('carl')).toEqual([]);
    expect(gh.requests.some((r) => r.includes('/comments'))).toBe(false);
  });

  it('a raw file redirecting to the metadata address is refused (redirect)', async () => {
    gh.addUser('meta');
    const gistId = gh.addGist('meta', { 'kez.md': 'x' });
    gh.setHostile(gistId, 'kez.md', 'redirect-metadata');
    expect((await judge('meta'))[0]).toMatchObject({ status: 'invalid', code: 'redirect' });
  });

  it('a 50 MB proof file is too_large, and the download stops early', async () => {
    gh.addUser('huge');
    const gistId = gh.addGist('huge', { 'kez.md': 'x' });
    gh.setHostile(gistId, 'kez.md', 'huge');
    expect((await judge('huge'))[0]).toMatchObject({ status: 'invalid', code: 'too_large' });
    expect(gh.hugeBytesSent).toBeLessThan(20 * 1024 * 1024);
  });

  it('a raw host that never answers is unreachable (timeout)', async () => {
    gh.addUser('slow');
    const gistId = gh.addGist('slow', { 'kez.md': 'x' });
    gh.setHostile(gistId, 'kez.md', 'hang');
    expect((await judge('slow'))[0]).toMatchObject({ status: 'unreachable', code: 'timeout' });
  });

  it('a good proof beside a hostile file still counts', async () => {
    gh.addUser('mixed');
    const mixed = id.add('github:mixed');
    const bad = gh.addGist('mixed', { 'kez.md': 'x' });
    gh.setHostile(bad, 'kez.md', 'redirect-metadata');
    gh.addGist('mixed', { 'kez.md': TestIdentity.markdown(mixed) });
    expect((await judge('mixed')).map((p) => p.status)).toEqual(['valid']);
  });

  it('reads at most 10 proof files per user', async () => {
    gh.addUser('many');
    for (let i = 0; i < 15; i++) gh.addGist('many', { 'kez.md': 'not a proof' });
    const before = gh.requests.filter((r) => r.includes('/many/') && r.includes('/raw/')).length;
    await judge('many');
    expect(
      gh.requests.filter((r) => r.includes('/many/') && r.includes('/raw/')).length - before,
    ).toBe(10);
  });

  it('without loopback permission the stand-in is refused (SSRF default)', async () => {
    const strict = loopbackEnv({ hostMap: gh.hostMap, allowLoopback: false });
    const err = await githubPlugin
      .locate(parseSubject('github:jason'), strict)
      .catch((e: unknown) => e as KezError);
    expect(err).toBeInstanceOf(KezError);
    expect((err as KezError).code).toBe('blocked_address');
    await strict.close();
  });

  it('publishes a gist with a token and the published proof verifies', async () => {
    gh.addUser('pub');
    gh.addToken('t0ken-secret', 'pub');
    const claim = id.add('github:pub');
    const subject = parseSubject('github:pub');
    const { location } = await githubPlugin.publish!(
      {
        subject,
        claim,
        compact: await TestIdentity.compact(claim),
        now: NOW_S,
        markdown: TestIdentity.markdown(claim),
        short: '',
        token: 't0ken-secret',
      },
      env,
    );
    expect(location).toMatch(/^https:\/\/gist\.github\.com\/pub\//);
    expect((await judge('pub'))[0]!.status).toBe('valid');
    await expect(
      githubPlugin.publish!(
        { subject, claim, compact: '', markdown: '', short: '', token: 'wrong', now: NOW_S },
        env,
      ),
    ).rejects.toBeInstanceOf(KezError);
  });
});

// The profile channels end to end: one identity claims an account on each of GitLab, Gitea,
// Discourse, Owncast, Hacker News, Reddit, Lobsters, Lichess, Liberapay, Stack Exchange and
// ORCID; each account's profile holds only a short proof (link form, the real sig-server as
// home) on its service's stand-in (test-kit fixtures/profiles, shapes and limits cited there),
// and verify id reaches `valid` for every one — with a PeerTube and a Pixelfed account through
// the ap channel (stand-ins shaped like those servers). Then what each service does differently.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatShortProof, parseSubject, verdictOf } from '@kez/core';
import {
  defaultRegistry,
  evaluateCandidate,
  memoryHeadCache,
  profilePlugins,
  sigServerTransport,
  verifyIdentity,
  type OwnedChannelEnv,
} from '../src/index.js';
import {
  peertube,
  pixelfed,
  profileServices,
  startMastodonStandin,
  startProfileStandin,
  type MastodonStandin,
  type ProfileServiceName,
  type ProfileStandin,
} from '@kez/test-kit';
import { TestChain } from '@kez/test-kit/chain-builder';
import { startSigServer, type RunningSigServer } from '@kez/test-kit/sig-server';
import { loopbackEnv } from './helpers.js';

const ORCID = '0000-0002-1825-0097';
/** Each channel's account of the identity: subject, the stand-in's account name, the proof field. */
const ACCOUNTS: Record<ProfileServiceName, { subject: string; name: string; field: string }> = {
  gitlab: { subject: 'gitlab:alice@gitlab.com', name: 'Alice', field: 'bio' },
  gitea: { subject: 'gitea:alice@codeberg.org', name: 'alice', field: 'description' },
  discourse: { subject: 'discourse:alice@meta.discourse.org', name: 'alice', field: 'bio' },
  owncast: { subject: 'owncast:watch.example', name: 'admin', field: 'summary' },
  hackernews: { subject: 'hackernews:AliceHN', name: 'AliceHN', field: 'about' },
  reddit: { subject: 'reddit:alice_r', name: 'Alice_R', field: 'about' },
  lobsters: { subject: 'lobsters:alice', name: 'alice', field: 'about' },
  lichess: { subject: 'lichess:alice', name: 'Alice', field: 'bio' },
  liberapay: { subject: 'liberapay:alice', name: 'Alice', field: 'statement' },
  stackexchange: {
    subject: 'stackexchange:22656@stackoverflow.com',
    name: '22656',
    field: 'about',
  },
  orcid: { subject: `orcid:${ORCID}`, name: ORCID, field: 'url' },
};
const CHANNELS = Object.keys(ACCOUNTS) as ProfileServiceName[];

let sig: RunningSigServer;
let env: OwnedChannelEnv;
const standins = {} as Record<ProfileServiceName, ProfileStandin>;
const me = TestChain.create({ seed: 91 });
const registry = defaultRegistry();
let short = '';
let tube: MastodonStandin;
let pix: MastodonStandin;
const FEDIVERSE = ['ap:@alice@tube.example', 'ap:@alice@pix.example'];

function verify(subject: string) {
  return verifyIdentity(subject, {
    now: me.now,
    env,
    registry,
    cache: memoryHeadCache(),
    sigServers: [sig.url],
  });
}

async function judge(subject: string) {
  const s = parseSubject(subject);
  try {
    return (await registry.plugin(s.channel).locate(s, env)).map((c) =>
      evaluateCandidate(s, c, me.now),
    );
  } catch (e) {
    return [verdictOf(e)];
  }
}

beforeAll(async () => {
  sig = await startSigServer();
  for (const c of CHANNELS) standins[c] = await startProfileStandin(profileServices[c]);
  tube = await startMastodonStandin({ host: 'tube.example', flavour: peertube });
  pix = await startMastodonStandin({ host: 'pix.example', flavour: pixelfed });
  for (const c of CHANNELS) me.add(ACCOUNTS[c].subject);
  for (const s of FEDIVERSE) me.add(s);
  me.add('reddit:gone_r');
  short = formatShortProof(me.identity, sig.url);
  env = loopbackEnv({
    sigServers: [],
    nostrRelays: [],
    hostMap: Object.assign(
      { ...tube.hostMap, ...pix.hostMap },
      ...CHANNELS.map((c) => standins[c].hostMap),
    ),
  });
  await sigServerTransport.publishEvents!(sig.url, me.identity, me.events, env);
  for (const c of CHANNELS)
    standins[c].addAccount(ACCOUNTS[c].name, { [ACCOUNTS[c].field]: `Hi! ${short}` });
  tube.addAccount('alice', { summary: `Videos about cats. KEZ: ${short}` });
  pix.addAccount('alice', { summary: `Photos. ${short}` });
}, 60_000);
afterAll(async () => {
  await env?.close();
  await Promise.all([
    sig?.close(),
    tube?.close(),
    pix?.close(),
    ...CHANNELS.map((c) => standins[c]?.close()),
  ]);
});

describe('profile channels: verify id from short proofs on every stand-in', () => {
  it('every channel is registered', () => {
    expect(profilePlugins.map((p) => p.name).sort()).toEqual([...CHANNELS].sort());
  });

  it('reaches valid for the identity and every account it claims, from any of them', async () => {
    const r = await verify('gitlab:alice@gitlab.com');
    expect(r).toMatchObject({ status: 'valid', identity: me.identity });
    for (const c of CHANNELS)
      expect(
        r.edges.find((e) => e.subject === ACCOUNTS[c].subject),
        c,
      ).toMatchObject({ status: 'valid', fetched: true });
    for (const f of FEDIVERSE)
      expect(
        r.edges.find((e) => e.subject === f),
        f,
      ).toMatchObject({ status: 'valid', fetched: true });
    // PeerTube's actors live under /accounts/, Pixelfed's under /users/.
    expect(tube.requests).toContain('GET /accounts/alice');
    expect(r.edges.find((e) => e.subject === FEDIVERSE[1])?.stable_id).toBe(
      'https://pix.example/users/alice',
    );
    // Started from another channel, the same graph.
    expect((await verify('orcid:0000-0002-1825-0097')).status).toBe('valid');
  });

  it('records the stable id each service gives beside the handle', async () => {
    const r = await verify('hackernews:AliceHN');
    const ids = Object.fromEntries(r.edges.map((e) => [e.subject, e.stable_id]));
    expect(ids['gitlab:alice@gitlab.com']).toMatch(/^gitlab-id:\d+@gitlab\.com$/);
    expect(ids['reddit:alice_r']).toMatch(/^t2_[0-9a-z]+$/);
    expect(ids[`orcid:${ORCID}`]).toBe(`https://orcid.org/${ORCID}`);
    expect(ids['owncast:watch.example']).toBe('https://watch.example');
  });
});

describe('what each service does differently', () => {
  it('Hacker News: an unknown id is null with HTTP 200 — no_account; ids keep their case', async () => {
    expect((await judge('hackernews:NoSuchUser'))[0]).toMatchObject({
      status: 'not_found',
      code: 'no_account',
    });
    // 'alicehn' is another account to Hacker News: the stand-in has none.
    expect((await judge('hackernews:alicehn'))[0]).toMatchObject({ code: 'no_account' });
  });

  it("Hacker News: the about text's HTML escaping (&#x2F; for '/') is undone before scanning", async () => {
    standins.hackernews.addAccount('Escaper', { about: `see ${short}` });
    const [p] = await judge('hackernews:Escaper');
    expect(p).toMatchObject({
      status: 'valid',
      short: { identity: me.identity, homes: [sig.url] },
    });
  });

  it('Stack Exchange: an unknown id is an empty items list — no_account; the user on another site is not this one', async () => {
    expect((await judge('stackexchange:99@stackoverflow.com'))[0]).toMatchObject({
      code: 'no_account',
    });
    expect((await judge('stackexchange:22656@superuser.com'))[0]).toMatchObject({
      code: 'no_account',
    });
  });

  it('Reddit: a suspended account is no account; over the rate limit is unreachable (rate_limited)', async () => {
    standins.reddit.addAccount('gone_r', { about: short }, { suspended: true });
    expect((await judge('reddit:gone_r'))[0]).toMatchObject({
      status: 'not_found',
      code: 'no_account',
    });
    standins.reddit.setBudget(0);
    try {
      expect((await judge('reddit:alice_r'))[0]).toMatchObject({
        status: 'unreachable',
        code: 'rate_limited',
      });
    } finally {
      standins.reddit.setBudget(100);
    }
  });

  it('Stack Exchange: past the daily quota (502 throttle_violation) is unreachable', async () => {
    standins.stackexchange.setBudget(0);
    try {
      expect((await judge('stackexchange:22656@stackoverflow.com'))[0]).toMatchObject({
        status: 'unreachable',
        code: 'http_status',
      });
    } finally {
      standins.stackexchange.setBudget(300);
    }
  });

  it("PeerTube: an actor WebFinger names for another account is not this one's", async () => {
    tube.addAccount('mallory', { summary: short });
    tube.addAccount('bob');
    tube.overrideActorLink('bob', 'https://tube.example/accounts/mallory');
    expect((await judge('ap:@bob@tube.example'))[0]).toMatchObject({
      status: 'invalid',
      code: 'subject_mismatch',
    });
  });

  it('Lichess: a closed account is no account', async () => {
    standins.lichess.addAccount('closedone', { bio: short }, { closed: true });
    expect((await judge('lichess:closedone'))[0]).toMatchObject({ code: 'no_account' });
  });

  it("ORCID: a URL a member organisation added to the record is not the researcher's word", async () => {
    const id = '0000-0001-5109-3700';
    standins.orcid.addAccount(id, { memberUrl: short });
    expect(await judge(`orcid:${id}`)).toEqual([]);
  });

  it("Liberapay: a name in another case is redirected to the user's spelling (one same-origin hop)", async () => {
    const [p] = await judge('liberapay:alice');
    expect(p).toMatchObject({ status: 'valid', owner: { subject: 'liberapay:alice' } });
    expect(standins.liberapay.requests).toContain('GET /Alice/public.json');
  });

  it('the documented field limits hold in the stand-ins (a longer text is refused, not kept)', () => {
    expect(() => standins.reddit.addAccount('long_r', { about: 'x'.repeat(201) })).toThrow(/200/);
    expect(() => standins.lichess.addAccount('longl', { bio: 'x'.repeat(401) })).toThrow(/400/);
    expect(() => standins.gitlab.addAccount('longg', { status: 'x'.repeat(101) })).toThrow(/100/);
    expect(() => pix.addAccount('longp', { summary: 'x'.repeat(126) })).toThrow(/125/);
  });
});

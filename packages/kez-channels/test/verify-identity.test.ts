import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  rankIdentities,
  defaultRegistry,
  getHead,
  memoryHeadCache,
  sigServerTransport,
  verifyIdentity,
  type IdentityResult,
  type OwnedChannelEnv,
  type HeadCache,
  type ProofVerdict,
} from '../src/index.js';
import { createClaim, signerFromSecret } from '@kez/core';
import {
  startGithubStandin,
  startMastodonStandin,
  type GithubStandin,
  type MastodonStandin,
} from '@kez/test-kit';
import { startSigServer, type RunningSigServer } from '@kez/test-kit/sig-server';
import { TestChain as TestIdentity } from '@kez/test-kit/chain-builder';
import { dnsWorld } from './dns-world.js';
import { loopbackEnv } from './helpers.js';

let gh: GithubStandin;
let masto: MastodonStandin;
let sig: RunningSigServer;
let sig2: RunningSigServer;
let env: OwnedChannelEnv;
const registry = defaultRegistry();
const world = await dnsWorld();
const alice = world.alice; // already claims dns:alice.example and dns:bob.example (served by nsd)

function edge(r: IdentityResult, subject: string) {
  return r.edges.find((e) => e.subject === subject);
}

async function verify(
  subject: string,
  o: { cache?: HeadCache; sigServers?: string[]; now?: number } = {},
) {
  return verifyIdentity(subject, {
    now: o.now ?? alice.now,
    env,
    registry,
    cache: o.cache ?? memoryHeadCache(),
    sigServers: o.sigServers ?? [sig.url],
  });
}

beforeAll(async () => {
  [gh, masto, sig, sig2] = await Promise.all([
    startGithubStandin(),
    startMastodonStandin(),
    startSigServer(),
    startSigServer(),
  ]);
  env = loopbackEnv({
    dnsServers: [inject('dnsServer')],
    // The locators baked into the DNS claim point at sig.example: map it to the real sig-server.
    hostMap: { ...gh.hostMap, ...masto.hostMap, 'sig.example': sig.url },
  });
  gh.addUser('alice', 42);
  gh.addGist('alice', { 'kez.md': TestIdentity.markdown(alice.add('github:alice')) });
  // A compact claim fits Mastodon's 500-character note, not a 255-character field.
  masto.addAccount('alice', {
    summary: await TestIdentity.compact(alice.add('ap:@alice@social.example')),
  });
  gh.addUser('gone');
  gh.addGist('gone', { 'kez.md': TestIdentity.markdown(alice.add('github:gone')) });
  alice.revoke('github:gone');
  alice.add('github:nobody-published'); // claimed in the chain, no proof at the place
  await sigServerTransport.publishEvents!(sig.url, alice.identity, alice.events, env);
});
afterAll(async () => {
  await env.close();
  await Promise.all([gh.close(), masto.close(), sig.close(), sig2.close()]);
});

describe('verifyIdentity (nsd, GitHub and Mastodon stand-ins, real sig-server)', () => {
  it('publishing the chain stored every event', async () => {
    const head = await getHead(env.fetch, sig.url, alice.identity);
    expect(head).toMatchObject({ seq: alice.events.length - 1, fork: false });
  });

  it('verifies the subject and every account of the graph', async () => {
    const r = await verify('github:alice');
    expect(r.status).toBe('valid');
    expect(r.identity).toBe(alice.identity);
    expect(r.chain?.status).toBe('valid');
    expect(edge(r, 'github:alice')).toMatchObject({
      status: 'valid',
      stable_id: 'github-id:42',
      fetched: true,
    });
    expect(edge(r, 'ap:@alice@social.example')).toMatchObject({
      status: 'valid',
      stable_id: 'https://social.example/users/alice',
    });
    expect(edge(r, 'dns:alice.example')).toMatchObject({ status: 'valid', fetched: true });
    expect(edge(r, 'dns:bob.example')?.status).toBe('valid');
    expect(edge(r, 'github:gone')).toMatchObject({
      status: 'revoked',
      code: 'revoked',
      fetched: false,
    });
    expect(edge(r, 'github:nobody-published')).toMatchObject({ status: 'not_found' });
    expect(r.edges).toHaveLength(6);
  });

  it('several identities at a place rank by their own result, then newest proof, then id, whatever the list order', () => {
    const proof = (identity: string, created_at: number) =>
      ({ claim: { identity, created_at } }) as unknown as ProofVerdict;
    const signed = [proof('kez:id:aa', 10), proof('kez:id:bb', 20), proof('kez:id:cc', 20)];
    const judged = (s: Record<string, 'valid' | 'not_found' | 'fork' | 'unreachable'>) =>
      Object.entries(s).map(([identity, status]) => ({ identity, status }));
    const ids = (r: { identity: string }[]) => r.map((j) => j.identity.slice(-2));
    const all = judged({ 'kez:id:aa': 'valid', 'kez:id:bb': 'valid', 'kez:id:cc': 'valid' });
    expect(ids(rankIdentities(all, signed))).toEqual(['bb', 'cc', 'aa']);
    expect(ids(rankIdentities([...all].reverse(), [...signed].reverse()))).toEqual([
      'bb',
      'cc',
      'aa',
    ]);
    // The newest proof's identity with no chain does not outrank an older valid one.
    const live = judged({ 'kez:id:aa': 'valid', 'kez:id:bb': 'not_found', 'kez:id:cc': 'fork' });
    expect(ids(rankIdentities(live, signed))).toEqual(['aa', 'cc', 'bb']);
    const down = judged({
      'kez:id:aa': 'unreachable',
      'kez:id:bb': 'fork',
      'kez:id:cc': 'not_found',
    });
    expect(ids(rankIdentities(down, signed))).toEqual(['aa', 'bb', 'cc']);
  });

  it('starting from another account reaches the same identity', async () => {
    const r = await verify('dns:alice.example');
    expect(r.status).toBe('valid');
    expect(r.identity).toBe(alice.identity);
    // nsd also serves another identity's proof for alice.example
    expect(r.other_identities).toEqual([world.other.identity]);
  });

  it('a revoked subject is revoked, even though its proof is still published', async () => {
    const r = await verify('github:gone');
    expect(r).toMatchObject({ status: 'revoked', code: 'revoked' });
  });

  it('without any chain source nothing is valid', async () => {
    const bare = loopbackEnv({
      dnsServers: [inject('dnsServer')],
      hostMap: { ...gh.hostMap, ...masto.hostMap },
    });
    const r = await verifyIdentity('github:alice', {
      now: alice.now,
      env: bare,
      registry,
      cache: memoryHeadCache(),
      sigServers: [],
    });
    expect(r.status).not.toBe('valid');
    expect(r.edges.every((e) => e.status !== 'valid')).toBe(true);
    await bare.close();
  });

  it('a server that rolls the chain back is unreachable (rollback), and a fork is a fork', async () => {
    const cache = memoryHeadCache();
    expect((await verify('github:alice', { cache })).status).toBe('valid');
    // sig2 holds only the first events: shorter than the head this verifier has seen.
    await sigServerTransport.publishEvents!(
      sig2.url,
      alice.identity,
      alice.events.slice(0, 4),
      env,
    );
    const rolled = await verifyIdentity('github:alice', {
      now: alice.now,
      env: loopbackEnv({
        dnsServers: [inject('dnsServer')],
        hostMap: { ...gh.hostMap, ...masto.hostMap, 'sig.example': sig2.url },
      }),
      registry,
      cache,
      sigServers: [sig2.url],
    });
    expect(rolled).toMatchObject({ status: 'unreachable', code: 'rollback' });
    expect(rolled.edges.every((e) => e.status !== 'valid')).toBe(true);
  });

  it('two sources with different valid histories are a fork', async () => {
    // A second, validly signed continuation of the same chain, published only to sig2.
    const forkEvents = alice.events.slice(0, 4);
    const twin = TestIdentity.create({ seed: 1 });
    twin.add('dns:alice.example', {
      locators: ['https://sig.example/one', 'https://sig.example/two'],
    });
    twin.add('dns:bob.example');
    twin.add('github:alice');
    twin.add('github:twin'); // differs from alice's seq-4 event
    expect(twin.events.slice(0, 4)).toEqual(forkEvents);
    await sigServerTransport.publishEvents!(sig2.url, alice.identity, twin.events, env);
    const r = await verify('github:alice', { sigServers: [sig.url, sig2.url] });
    expect(r.status).toBe('fork');
    expect(r.edges.every((e) => e.status !== 'valid')).toBe(true);
  });

  it('expired claims are expired', async () => {
    const r = await verify('github:alice', { now: alice.now + 10 });
    expect(r.status).toBe('valid');
    const exp = TestIdentity.create({ seed: 31 });
    gh.addUser('brief');
    gh.addGist('brief', {
      'kez.md': TestIdentity.markdown(exp.add('github:brief', { expiresAt: exp.now })),
    });
    await sigServerTransport.publishEvents!(sig.url, exp.identity, exp.events, env);
    const later = await verify('github:brief', { now: exp.now + 100 });
    expect(later).toMatchObject({ status: 'expired', code: 'expired' });
  });

  it('a rotation keeps earlier claims valid; a declared compromise revokes them (key_compromised)', async () => {
    const rot = TestIdentity.create({ seed: 32 });
    gh.addUser('rotor');
    gh.addGist('rotor', { 'kez.md': TestIdentity.markdown(rot.add('github:rotor')) });
    rot.rotate();
    await sigServerTransport.publishEvents!(sig.url, rot.identity, rot.events, env);
    expect(await verify('github:rotor', { now: rot.now })).toMatchObject({ status: 'valid' });

    const stolen = TestIdentity.create({ seed: 33 });
    gh.addUser('stolen-rotor');
    const claim = stolen.add('github:stolen-rotor');
    gh.addGist('stolen-rotor', { 'kez.md': TestIdentity.markdown(claim) });
    stolen.rotate(undefined, claim.seq);
    await sigServerTransport.publishEvents!(sig.url, stolen.identity, stolen.events, env);
    expect(await verify('github:stolen-rotor', { now: stolen.now })).toMatchObject({
      status: 'revoked',
      code: 'key_compromised',
    });
  });
  it('a proof signed by another key cannot bring its own chain source (stale prefix hiding a revocation)', async () => {
    // The identity's own server (down.example) is unreachable for this verifier; its revocation lives there only.
    const v = TestIdentity.create({ seed: 41 });
    const real = v.add('github:stolen', { locators: ['https://down.example'] });
    const prefix = [...v.events];
    v.revoke('github:stolen');
    // Whoever now controls github:stolen copies the public prefix to a server of their own and
    // adds a proof signed by their own key that names the identity and points at that server.
    await sigServerTransport.publishEvents!(sig2.url, v.identity, prefix, env);
    const intruder = signerFromSecret('ed25519', new Uint8Array(32).fill(42));
    const planted = createClaim(
      {
        identity: v.identity,
        seq: real.seq,
        subject: 'github:stolen',
        created_at: real.created_at,
        locators: [sig2.url],
      },
      intruder,
    );
    gh.addUser('stolen');
    gh.addGist('stolen', { 'kez.md': TestIdentity.markdown(real) });
    gh.addGist('stolen', { 'kez.md': TestIdentity.markdown(planted) });
    const down = loopbackEnv({ hostMap: { ...gh.hostMap, 'down.example': 'http://127.0.0.1:1' } });
    const r = await verifyIdentity('github:stolen', {
      now: v.now,
      env: down,
      registry,
      cache: memoryHeadCache(),
      sigServers: [],
    });
    await down.close();
    expect(r).toMatchObject({ status: 'unreachable', code: 'network' });
    expect(r.edges.every((e) => e.status !== 'valid')).toBe(true);
    // With the identity's own server reachable, the revocation decides.
    await sigServerTransport.publishEvents!(sig.url, v.identity, v.events, env);
    const up = loopbackEnv({ hostMap: { ...gh.hostMap, 'down.example': sig.url } });
    const r2 = await verifyIdentity('github:stolen', {
      now: v.now,
      env: up,
      registry,
      cache: memoryHeadCache(),
      sigServers: [],
    });
    await up.close();
    expect(r2).toMatchObject({ status: 'revoked', code: 'revoked' });
  });
});

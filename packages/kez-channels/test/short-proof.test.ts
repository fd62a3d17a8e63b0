// SPEC v0.3 short proofs end to end: one identity claims an account on every channel, each
// place holds only a short proof (link form with the sig-server as home, or bare where the
// chain is on the relay the verifier knows), and verify id finds every account valid. Real
// PDS, relay, nsd and sig-server; GitHub and Mastodon stand-ins.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatShortProof } from '@kez/core';
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import {
  defaultRegistry,
  memoryHeadCache,
  sigServerTransport,
  verifyIdentity,
  type IdentityResult,
  type OwnedChannelEnv,
} from '../src/index.js';
import { fetchChainFromRelays, publishChainToRelays } from '../src/nostr-chain.js';
import { withRelay } from '../src/channels/nostr-relay-client.js';
import { CHAIN_KIND, ownerSubjectOf } from '../src/channels/nostr-event.js';
import {
  startGithubStandin,
  startMastodonStandin,
  startNsd,
  type GithubStandin,
  type MastodonStandin,
  type RunningNsd,
} from '@kez/test-kit';
import { TestChain } from '@kez/test-kit/chain-builder';
import { startPds, type RunningPds } from '@kez/test-kit/pds';
import { startRelay, type RunningRelay } from '@kez/test-kit/nostr-relay';
import { startSigServer, type RunningSigServer } from '@kez/test-kit/sig-server';
import { runKez } from '@kez/test-kit/kez-bin';
import { loopbackEnv } from './helpers.js';

const WALL = () => Math.floor(Date.now() / 1000);

let pds: RunningPds;
let relay: RunningRelay;
let sig: RunningSigServer;
let gh: GithubStandin;
let masto: MastodonStandin;
let nsd: RunningNsd;
let env: OwnedChannelEnv;
const registry = defaultRegistry();
const me = TestChain.create();
const nostrSecret = generateSecretKey();
const nostrSubject = ownerSubjectOf(getPublicKey(nostrSecret));

function edge(r: IdentityResult, subject: string) {
  return r.edges.find((e) => e.subject === subject);
}

/** Verifying with the relay as the one configured chain source (the sig-server only as a home). */
function verify(subject: string) {
  return verifyIdentity(subject, {
    now: me.now,
    env,
    registry,
    cache: memoryHeadCache(),
    sigServers: [relay.url],
  });
}

beforeAll(async () => {
  [pds, relay, sig, gh, masto] = await Promise.all([
    startPds(),
    startRelay(), // strfry's limits: older than 3 years refused
    startSigServer(),
    startGithubStandin(),
    startMastodonStandin(),
  ]);
  const bsky = await pds.createAccount('samuel');
  for (const s of [
    'ap:@sam@social.example',
    'github:sam',
    'bluesky:samuel.test',
    'dns:sp.example',
    nostrSubject,
    'github:gone',
    'github:badhome',
    'github:nobody-here',
  ])
    me.add(s);
  me.revoke('github:gone');
  const linked = formatShortProof(me.identity, sig.url); // http://127.0.0.1:<port>/kez:id:…
  const bare = formatShortProof(me.identity);
  nsd = await startNsd([{ name: '_kez.sp.example', strings: [bare] }]);
  env = loopbackEnv({
    dnsServers: [nsd.server],
    plcDirectory: pds.plcUrl,
    nostrRelays: [relay.url],
    sigServers: [],
    hostMap: { ...gh.hostMap, ...masto.hostMap, 'samuel.test': new URL(pds.pdsUrl).origin },
  });
  await sigServerTransport.publishEvents!(sig.url, me.identity, me.events, env);
  await publishChainToRelays(me.identity, me.events, [relay.url], env);

  masto.addAccount('sam', { fields: [{ name: 'Web', value: `KEZ ${linked}` }] });
  gh.addUser('sam', 7, `Hi. ${bare}`);
  gh.addUser('gone', 8, bare);
  gh.addUser('badhome', 9, `HTTPS://${new URL(sig.url).host}/${me.identity}`);
  gh.addUser('stranger', 10, bare); // not claimed by the chain
  gh.addUser('nobody-here', 11); // claimed, no proof
  await pds.putRecord(
    bsky,
    'app.bsky.actor.profile',
    { $type: 'app.bsky.actor.profile', description: `my identity: ${linked}` },
    'self',
  );
  const metadata = finalizeEvent(
    {
      kind: 0,
      created_at: WALL(),
      tags: [],
      content: JSON.stringify({ name: 'sam', about: `KEZ: ${linked}` }),
    },
    nostrSecret,
  );
  await withRelay(relay.url, env, (s) => s.publish(metadata));
}, 60_000);
afterAll(async () => {
  await env?.close();
  await Promise.all([gh?.close(), masto?.close(), sig?.close(), relay?.stop(), nsd?.stop()]);
  await pds?.stop();
});

describe('short proofs (SPEC §5.2) at every channel', () => {
  it('verifies every account of the identity from its short proofs', async () => {
    const r = await verify('github:sam');
    expect(r).toMatchObject({ status: 'valid', identity: me.identity });
    for (const s of [
      'github:sam',
      'ap:@sam@social.example',
      'bluesky:samuel.test',
      'dns:sp.example',
      nostrSubject,
    ])
      expect(edge(r, s), s).toMatchObject({ status: 'valid', fetched: true });
    expect(edge(r, 'github:sam')?.claim).toBe(
      [...me.state.claims.entries()].find(([, e]) => e.claim.subject === 'github:sam')![0],
    );
    // Claimed but nothing at the place: unchanged behaviour.
    expect(edge(r, 'github:nobody-here')).toMatchObject({ status: 'not_found', code: 'no_proof' });
    expect(edge(r, 'github:gone')).toMatchObject({ status: 'revoked', fetched: false });
  });

  it("a link form's home is a chain source: starting from the AP field reaches the sig-server", async () => {
    const r = await verify('ap:@sam@social.example');
    expect(r.status).toBe('valid');
    expect(r.chain?.sources.map((s) => s.locator)).toEqual([relay.url, sig.url]);
    expect(r.evidence).toMatchObject({ identity: me.identity, homes: [sig.url] });
  });

  it('a short proof at an account the chain does not claim is not_found (not_claimed)', async () => {
    expect(await verify('github:stranger')).toMatchObject({
      status: 'not_found',
      code: 'not_claimed',
    });
  });

  it('a short proof for an account whose claim the chain revoked is revoked', async () => {
    expect(await verify('github:gone')).toMatchObject({ status: 'revoked', code: 'revoked' });
  });

  it('a short proof whose home is not canonical is invalid (malformed)', async () => {
    expect(await verify('github:badhome')).toMatchObject({
      status: 'invalid',
      code: 'malformed',
    });
  });
});

describe('kez verify id (the CLI) from a short proof, with settings that only point hosts at the peers', () => {
  it('the Bluesky account: every account of the identity valid', async () => {
    const home = await mkdtemp(join(tmpdir(), 'kez-short-cli-'));
    try {
      // The real hosts, mapped to the local peers; no sig-server or relay named as a source.
      const relayHttp = relay.url.replace(/^ws/, 'http');
      await writeFile(
        join(home, 'channels.json'),
        JSON.stringify({
          hostMap: {
            ...gh.hostMap,
            ...masto.hostMap,
            'samuel.test': new URL(pds.pdsUrl).origin,
            'relay.damus.io': relayHttp,
            'nos.lol': relayHttp,
          },
          plcDirectory: pds.plcUrl,
          dnsServers: [nsd.server],
          allowLoopback: true,
          allowHttp: true,
        }),
      );
      const r = await runKez(home, [
        '--json',
        '--now',
        String(me.now),
        'verify',
        'id',
        'bluesky:samuel.test',
      ]);
      expect(r.code, r.err).toBe(0);
      const doc = JSON.parse(r.out) as IdentityResult;
      expect(doc).toMatchObject({ status: 'valid', identity: me.identity });
      for (const s of [
        'bluesky:samuel.test',
        'github:sam',
        'ap:@sam@social.example',
        'dns:sp.example',
      ])
        expect(edge(doc, s), s).toMatchObject({ status: 'valid' });
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe('the real PDS enforces the profile lexicon', () => {
  it('refuses a description over 256 graphemes', async () => {
    const acct = await pds.createAccount('longbio');
    await expect(
      pds.putRecord(
        acct,
        'app.bsky.actor.profile',
        { $type: 'app.bsky.actor.profile', description: 'x'.repeat(257) },
        'self',
      ),
    ).rejects.toThrow(/description/);
  });
});

describe('GitHub stand-in: the bio limit', () => {
  it('refuses a bio over 160 characters, as the API does (422)', async () => {
    expect(() => gh.addUser('long', 12, 'x'.repeat(161))).toThrow(/160/);
    gh.addToken('t', 'sam');
    const patch = (bio: string) =>
      env.fetch('https://api.github.com/user', {
        method: 'PATCH',
        headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
        body: JSON.stringify({ bio }),
        passStatuses: [422],
      });
    expect((await patch('y'.repeat(161))).status).toBe(422);
    expect((await patch(formatShortProof(me.identity))).status).toBe(200);
  });
});

describe('kind 7779 wrappers on a relay that refuses events older than 3 years', () => {
  it('publishes and reads back a 4-year-old chain (wrappers dated now)', async () => {
    const old = TestChain.create({ createdAt: WALL() - 4 * 365 * 86_400 });
    old.add('github:old-timer');
    // Dated by the chain event itself, the genesis would be refused.
    const refused = await withRelay(relay.url, env, (s) =>
      s.publish(
        finalizeEvent(
          {
            kind: CHAIN_KIND,
            created_at: old.events[0]!.created_at,
            tags: [['i', old.identity]],
            content: 'x',
          },
          generateSecretKey(),
        ),
      ),
    );
    expect(refused.accepted).toBe(false);
    const published = await publishChainToRelays(old.identity, old.events, [relay.url], env);
    expect(published).toEqual([{ relay: relay.url, added: 2 }]);
    // Republishing (another wrapper key) adds nothing: the relay holds both by chain-event hash.
    expect(await publishChainToRelays(old.identity, old.events, [relay.url], env)).toEqual([
      { relay: relay.url, added: 0 },
    ]);
    const chain = await fetchChainFromRelays(old.identity, [relay.url], env, old.now);
    expect(chain).toEqual(old.events);
  });
});

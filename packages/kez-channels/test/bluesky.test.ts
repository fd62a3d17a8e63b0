// bluesky channel against a real atproto PDS + PLC directory (@atproto/dev-env) and a real
// DNS server (nsd) for `_atproto` TXT records; the end-to-end case adds the real nostr relay.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KezError, parseSubject } from '@kez/core';
import { bip340, nsecEncode, signerFromSecret } from '@kez/core';
import { blueskyPlugin, PROOF_COLLECTION } from '../src/channels/bluesky.js';
import { defaultRegistry } from '../src/channels/index.js';
import type { OwnedChannelEnv } from '../src/env.js';
import { memoryHeadCache } from '../src/head-cache.js';
import { publishChainToRelays } from '../src/nostr-chain.js';
import { evaluateCandidate } from '../src/proofs.js';
import { sendJson, sendText, startHttp, startNsd, type RunningNsd } from '@kez/test-kit';
import { TestChain as TestIdentity } from '@kez/test-kit/chain-builder';
import { verifyIdentity } from '../src/verify-identity.js';
import { nostrPlugin } from '../src/channels/nostr.js';
import { loopbackEnv } from './helpers.js';
import { startPds, type PdsAccount, type RunningPds } from '@kez/test-kit/pds';
import { startRelay, type RunningRelay } from '@kez/test-kit/nostr-relay';

/** The wall clock, for the timestamp a published record carries (relays check it). */
const NOW_S = Math.floor(Date.now() / 1000);

const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin'] as const;
type Name = (typeof NAMES)[number];

async function kezError(p: Promise<unknown>): Promise<KezError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(KezError);
  return e as KezError;
}

describe('bluesky channel (real PDS + PLC)', () => {
  let pds: RunningPds;
  let nsd: RunningNsd;
  let env: OwnedChannelEnv;
  const accounts = {} as Record<Name, PdsAccount>;
  const ids = {} as Record<Name, TestIdentity>;
  const compact = {} as Record<Name, string>;
  const subject = (handle: string) => parseSubject(`bluesky:${handle}`);

  beforeAll(async () => {
    pds = await startPds();
    for (const name of NAMES) {
      accounts[name] = await pds.createAccount(name);
      ids[name] = TestIdentity.create();
      compact[name] = await TestIdentity.compact(ids[name].add(`bluesky:${name}.test`));
    }
    // dave.test's DID is published in DNS (and his host has no well-known file); frank.test's
    // DNS names alice's DID, whose document does not name frank.test back.
    nsd = await startNsd([
      { name: '_atproto.dave.test', strings: [`did=${accounts.dave.did}`] },
      { name: '_atproto.frank.test', strings: [`did=${accounts.alice.did}`] },
      { name: '_atproto.gina.test', strings: [`did=${accounts.alice.did}`] },
      { name: '_atproto.gina.test', strings: [`did=${accounts.bob.did}`] },
    ]);
    const host = new URL(pds.pdsUrl).origin;
    env = loopbackEnv({
      plcDirectory: pds.plcUrl,
      dnsServers: [nsd.server],
      hostMap: Object.fromEntries(
        ['alice', 'bob', 'carol', 'erin', 'nobody'].map((n) => [`${n}.test`, host]),
      ),
    });
  }, 60_000);
  afterAll(async () => {
    await env?.close();
    await nsd?.stop();
    await pds?.stop();
  });

  it('publishes a dev.kez.proof record and finds it, owned by the DID whose handle resolves back', async () => {
    const { location } = await blueskyPlugin.publish!(
      {
        subject: subject('alice.test'),
        claim: ids.alice.claims.get('bluesky:alice.test')!,
        compact: compact.alice,
        now: NOW_S,
        markdown: '',
        short: '',
        token: accounts.alice.password,
      },
      env,
    );
    expect(location.startsWith(`at://${accounts.alice.did}/${PROOF_COLLECTION}/`)).toBe(true);
    const found = await blueskyPlugin.locate(subject('alice.test'), env);
    expect(found).toEqual([
      {
        location,
        text: compact.alice,
        owner: { subject: 'bluesky:alice.test', stableId: accounts.alice.did },
      },
    ]);
    expect(evaluateCandidate(subject('alice.test'), found[0]!, ids.alice.now).status).toBe('valid');
    // Publishing again replaces the record (one per identity).
    await blueskyPlugin.publish!(
      {
        subject: subject('alice.test'),
        claim: ids.alice.claims.get('bluesky:alice.test')!,
        compact: compact.alice,
        now: NOW_S,
        markdown: '',
        short: '',
        token: accounts.alice.password,
      },
      env,
    );
    expect(await blueskyPlugin.locate(subject('alice.test'), env)).toHaveLength(1);
  });

  it("a proof record in another account's repo is that account's: subject_mismatch", async () => {
    await pds.putRecord(accounts.bob, PROOF_COLLECTION, {
      $type: PROOF_COLLECTION,
      proof: compact.alice,
      createdAt: new Date().toISOString(),
    });
    const found = await blueskyPlugin.locate(subject('bob.test'), env);
    expect(found).toHaveLength(1);
    expect(found[0]!.owner).toEqual({ subject: 'bluesky:bob.test', stableId: accounts.bob.did });
    expect(evaluateCandidate(subject('bob.test'), found[0]!, ids.alice.now)).toMatchObject({
      status: 'invalid',
      code: 'subject_mismatch',
    });
  });

  it('an account with no record and no post has no proof', async () => {
    expect(await blueskyPlugin.locate(subject('carol.test'), env)).toEqual([]);
  });

  it('handle resolved through DNS _atproto TXT (no well-known file on its host)', async () => {
    const { uri } = await pds.putRecord(accounts.dave, PROOF_COLLECTION, {
      $type: PROOF_COLLECTION,
      proof: compact.dave,
      createdAt: new Date().toISOString(),
    });
    const found = await blueskyPlugin.locate(subject('dave.test'), env);
    expect(found).toEqual([
      {
        location: uri,
        text: compact.dave,
        owner: { subject: 'bluesky:dave.test', stableId: accounts.dave.did },
      },
    ]);
    expect(evaluateCandidate(subject('dave.test'), found[0]!, ids.dave.now).status).toBe('valid');
  });

  it('a dev.kez.proof record without a proof string is ignored', async () => {
    await pds.putRecord(accounts.erin, PROOF_COLLECTION, {
      $type: PROOF_COLLECTION,
      proof: 42,
      createdAt: new Date().toISOString(),
    });
    expect(await blueskyPlugin.locate(subject('erin.test'), env)).toEqual([]);
  });

  it('records a PDS lists from another repo or collection are ignored', async () => {
    // A PDS that lies: carol's genuine claim, filed under bob's repo and under another collection.
    const record = {
      $type: PROOF_COLLECTION,
      proof: compact.carol,
      createdAt: new Date().toISOString(),
    };
    const lying = await startHttp((_req, res, url) => {
      if (url.pathname !== '/xrpc/com.atproto.repo.listRecords')
        return sendJson(res, 404, { error: 'NotFound' });
      sendJson(res, 200, {
        records: [
          { uri: `at://${accounts.bob.did}/${PROOF_COLLECTION}/3lie`, cid: 'bafy', value: record },
          { uri: `at://${accounts.carol.did}/app.bsky.feed.post/3lie`, cid: 'bafy', value: record },
        ],
      });
    });
    const e = loopbackEnv({
      ...env.config,
      hostMap: { ...env.config.hostMap, [new URL(pds.pdsUrl).host]: lying.url },
    });
    try {
      expect(await blueskyPlugin.locate(subject('carol.test'), e)).toEqual([]);
      expect(
        lying.requests.some((r) => r.includes(`repo=${encodeURIComponent(accounts.carol.did)}`)),
      ).toBe(true);
    } finally {
      await e.close();
      await lying.close();
    }
  });

  it('a handle whose DID document does not name it back is invalid (subject_mismatch)', async () => {
    const err = await kezError(blueskyPlugin.locate(subject('frank.test'), env));
    expect(err.code).toBe('subject_mismatch');
    expect(err.status).toBe('invalid');
    expect(err.evidence.did).toBe(accounts.alice.did);
  });

  it('two DIDs in DNS are ambiguous; a well-known file that is not a DID is malformed', async () => {
    expect(await kezError(blueskyPlugin.locate(subject('gina.test'), env))).toMatchObject({
      code: 'ambiguous',
      status: 'invalid',
    });
    const host = await startHttp((_req, res) =>
      sendText(res, 200, '<html>welcome to hank.test</html>'),
    );
    const e = loopbackEnv({
      ...env.config,
      hostMap: { ...env.config.hostMap, 'hank.test': host.url },
    });
    try {
      expect(await kezError(blueskyPlugin.locate(subject('hank.test'), e))).toMatchObject({
        code: 'malformed',
        status: 'invalid',
      });
      expect(host.requests).toEqual(['GET /.well-known/atproto-did']);
    } finally {
      await e.close();
      await host.close();
    }
  });

  it('a handle nobody holds is no_account; a PLC directory that is down is unreachable', async () => {
    expect(await kezError(blueskyPlugin.locate(subject('nobody.test'), env))).toMatchObject({
      code: 'no_account',
      status: 'not_found',
    });
    const down = loopbackEnv({
      ...env.config,
      plcDirectory: 'http://127.0.0.1:1',
      timeouts: { connectMs: 1_000, totalMs: 2_000, dnsMs: 1_000 },
    });
    expect((await kezError(blueskyPlugin.locate(subject('alice.test'), down))).status).toBe(
      'unreachable',
    );
    await down.close();
  });

  it('a wrong app password fails to publish, and the password is not in the error', async () => {
    const secret = 'not-alices-password-123';
    const e = await blueskyPlugin.publish!(
      {
        subject: subject('alice.test'),
        claim: ids.alice.claims.get('bluesky:alice.test')!,
        compact: compact.alice,
        now: NOW_S,
        markdown: '',
        short: '',
        token: secret,
      },
      env,
    ).then(
      () => null,
      (err: unknown) => err as Error,
    );
    expect(e).toBeInstanceOf(Error);
    expect(JSON.stringify({ message: e!.message, ...(e as KezError).evidence })).not.toContain(
      secret,
    );
  });

  describe('verify id end to end (chain on the real relay)', () => {
    let relay: RunningRelay;
    beforeAll(async () => {
      relay = await startRelay();
    });
    afterAll(async () => {
      await relay?.stop();
    });

    it('an identity claiming a bluesky and a nostr account verifies both; the chain comes from the relay', async () => {
      const me = TestIdentity.create();
      const nostrSecret = bip340.generateSecret();
      const npubSubject = signerFromSecret('bip340', nostrSecret).keyId; // 'nostr:npub1…'
      const bsky = me.add('bluesky:carol.test', { locators: [relay.url] });
      const nostr = me.add(npubSubject, { locators: [relay.url] });
      const e = loopbackEnv({ ...env.config, nostrRelays: [relay.url] });
      expect(await publishChainToRelays(me.identity, me.events, [relay.url], e)).toEqual([
        { relay: relay.url, added: 3 },
      ]);
      await blueskyPlugin.publish!(
        {
          subject: subject('carol.test'),
          claim: bsky,
          compact: await TestIdentity.compact(bsky),
          now: NOW_S,
          markdown: '',
          short: '',
          token: accounts.carol.password,
        },
        e,
      );
      await nostrPlugin.publish!(
        {
          subject: parseSubject(npubSubject),
          claim: nostr,
          compact: await TestIdentity.compact(nostr),
          now: NOW_S,
          markdown: '',
          short: '',
          token: nsecEncode(nostrSecret),
        },
        e,
      );

      const result = await verifyIdentity('bluesky:carol.test', {
        now: me.now,
        env: e,
        registry: defaultRegistry(),
        cache: memoryHeadCache(),
      });
      expect(result.status).toBe('valid');
      expect(result.identity).toBe(me.identity);
      expect(result.edges.map((x) => [x.subject, x.status]).sort()).toEqual(
        [
          ['bluesky:carol.test', 'valid'],
          [npubSubject, 'valid'],
        ].sort(),
      );
      expect(result.edges.find((x) => x.subject === 'bluesky:carol.test')?.stable_id).toBe(
        accounts.carol.did,
      );
      await e.close();
    });
  });
});

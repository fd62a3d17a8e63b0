// A relay-held chain against junk and the clock (issue 11): anyone can post kind-7779 events
// under an identity's `#i` tag, and a relay reader must fold with the caller's `now`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeClaim, objectHash, verifyChain } from '@kez/core';
import { finalizeEvent, generateSecretKey } from 'nostr-tools/pure';
import { obtainChain, type OwnedChannelEnv } from '../src/index.js';
import { CHAIN_KIND } from '../src/channels/nostr-event.js';
import { nostrChainTransport, publishChainToRelays } from '../src/nostr-chain.js';
import { ChannelRegistry } from '../src/registry.js';
import { TestChain as TestIdentity } from '@kez/test-kit/chain-builder';
import { loopbackEnv } from './helpers.js';
import { startRelay, type RunningRelay } from '@kez/test-kit/nostr-relay';

const registry = new ChannelRegistry([], [nostrChainTransport]);
let relay: RunningRelay;
let ahead: RunningRelay;
let env: OwnedChannelEnv;

beforeAll(async () => {
  relay = await startRelay();
  // A relay that takes events up to 2 hours ahead (strfry's default refuses past 15 min):
  // the wrapper of a chain event dated ahead is dated at that event (SPEC §10).
  ahead = await startRelay({ limits: { rejectNewerThanSeconds: 7_200 } });
  env = loopbackEnv({ timeouts: { connectMs: 2_000, totalMs: 10_000 } });
});
afterAll(async () => {
  await env?.close();
  await relay?.stop();
  await ahead?.stop();
});

/** Junk wrappers under the identity's tag, each signed by a throwaway nostr key. */
async function postJunk(identity: string, n: number, createdAt: number, content: string) {
  const key = generateSecretKey();
  for (let i = 0; i < n; i++) {
    const wrapper = finalizeEvent(
      {
        kind: CHAIN_KIND,
        created_at: createdAt,
        tags: [
          ['i', identity],
          ['seq', String(i % 3)],
        ],
        content: `${content}${i}`,
      },
      key,
    );
    expect((await relay.relay.handleEvent(wrapper)).success).toBe(true);
  }
}

describe('relay chain reading with the caller’s clock', () => {
  it('a revoke an hour ahead is invalid (future) now and revoked later, as from a sig-server', async () => {
    const wall = Math.floor(Date.now() / 1000);
    const me = TestIdentity.create({ createdAt: wall - 100 });
    const claim = me.add('dns:clock.example');
    const revoke = revokeClaim(
      // the builder's state is private: rebuild it from the events
      verifyChain(me.events, { now: wall }).state!,
      { claim: objectHash(claim), created_at: wall + 3_600 },
      me.primary,
    );
    // strfry's limit refuses the revoke's wrapper; the NIP-11 limit is read, so it is not sent.
    const [refused] = await publishChainToRelays(
      me.identity,
      [...me.events, revoke],
      [relay.url],
      env,
    );
    expect(refused).toMatchObject({ error: { code: 'network' } });
    expect(refused!.error!.message).toContain('created_at_upper_limit of 900 s');
    await publishChainToRelays(me.identity, [...me.events, revoke], [ahead.url], env);

    const atNow = await obtainChain(me.identity, [ahead.url], registry, env, wall);
    expect(atNow.verdict).toMatchObject({ status: 'invalid', code: 'future' });
    const later = await obtainChain(me.identity, [ahead.url], registry, env, wall + 3_600);
    expect(later.verdict.status).toBe('valid');
    expect(later.chain?.state?.claims.get(objectHash(claim))?.revoked).toBeDefined();
  });
});

describe('relay chain reading against junk (real relay)', () => {
  it('500 junk events sharing one created_at do not hide the chain', async () => {
    const me = TestIdentity.create({ seed: 91 });
    me.add('dns:junk.example');
    await publishChainToRelays(me.identity, me.events, [relay.url], env);
    await postJunk(me.identity, 500, me.now + 5, 'junk');
    const got = await obtainChain(me.identity, [relay.url], registry, env, me.now + 10);
    expect(got.verdict.status).toBe('valid');
    expect(got.chain?.state?.head.seq).toBe(1);
  });

  it('a large volume of junk over many seconds is read past', async () => {
    const me = TestIdentity.create({ seed: 92 });
    me.add('dns:bulk.example');
    await publishChainToRelays(me.identity, me.events, [relay.url], env);
    // ~18 MB: 300 wrappers of 60 kB, newer than the chain so they are read first (before the
    // fix: too_large, i.e. invalid).
    for (let t = 0; t < 300; t++)
      await postJunk(me.identity, 1, me.now + 5 + t, 'x'.repeat(60_000));
    const got = await obtainChain(me.identity, [relay.url], registry, env, me.now + 400);
    expect(got.verdict.status).toBe('valid');
    expect(got.chain?.state?.head.seq).toBe(1);
  });

  it('more junk in one second than a bounded page holds is unreachable, never invalid', async () => {
    const me = TestIdentity.create({ seed: 93 });
    me.add('dns:crowd.example');
    await publishChainToRelays(me.identity, me.events, [relay.url], env);
    await postJunk(me.identity, 300, me.now + 5, 'x'.repeat(60_000));
    const got = await obtainChain(me.identity, [relay.url], registry, env, me.now + 10);
    expect(got.verdict).toMatchObject({ status: 'unreachable', code: 'network' });
    expect(got.verdict.evidence).toMatchObject({
      bound: 'events per second',
      seconds: [me.now + 5],
    });
  });
});

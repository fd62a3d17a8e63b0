// Sigchains on a real nostr relay: kind 7779 events, fetched back, junk dropped, forks kept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addClaim,
  applyEvent,
  bip340,
  createGenesis,
  ed25519,
  exportBundle,
  objectHash,
  signerFromSecret,
  verifyChain,
  type ChainEvent,
  type ChainState,
  type Signer,
} from '@kez/core';
import { finalizeEvent, generateSecretKey } from 'nostr-tools/pure';
import type { OwnedChannelEnv } from '../src/env.js';
import { ChannelRegistry } from '../src/registry.js';
import { CHAIN_KIND } from '../src/channels/nostr-event.js';
import {
  fetchChainFromRelays,
  nostrChainTransport,
  publishChainToRelays,
} from '../src/nostr-chain.js';
import { TestChain as TestIdentity } from '@kez/test-kit/chain-builder';
import { loopbackEnv } from './helpers.js';
import { startRelay, type RunningRelay } from '@kez/test-kit/nostr-relay';

const NOW = Math.floor(Date.now() / 1000);

/** genesis + two claims, signed by a fresh primary (so every call is a new identity). */
function chain(signer: Signer = signerFromSecret('ed25519', ed25519.generateSecret())): {
  events: ChainEvent[];
  state: ChainState;
  identity: string;
  signer: Signer;
} {
  const genesis = createGenesis({ created_at: NOW - 100 }, signer);
  let state = applyEvent(null, genesis, { now: NOW });
  const events = [genesis];
  for (const [i, subject] of ['dns:one.example', 'github:two'].entries()) {
    const { event } = addClaim(state, { subject, created_at: NOW - 50 + i }, signer);
    state = applyEvent(state, event, { now: NOW });
    events.push(event);
  }
  return { events, state, identity: state.identity, signer };
}

describe('sigchains on a nostr relay (real relay)', () => {
  let relay: RunningRelay;
  let env: OwnedChannelEnv;
  const mallory = signerFromSecret('ed25519', ed25519.generateSecret());

  beforeAll(async () => {
    relay = await startRelay();
    env = loopbackEnv({ timeouts: { connectMs: 1_000, totalMs: 2_000 } });
  });
  afterAll(async () => {
    await env?.close();
    await relay?.stop();
  });

  it('publishes kind 7779 events and fetches back the same chain; republishing adds nothing', async () => {
    const { events, identity } = chain();
    const out = await publishChainToRelays(identity, events, [relay.url], env);
    expect(out).toEqual([{ relay: relay.url, added: 3 }]);
    const stored = await relay.relay.findEvents([{ kinds: [CHAIN_KIND], '#i': [identity] }]);
    expect(stored.map((e) => e.tags.find((t) => t[0] === 'seq')?.[1]).sort()).toEqual([
      '0',
      '1',
      '2',
    ]);

    const fetched = await fetchChainFromRelays(identity, [relay.url], env);
    expect(exportBundle(fetched)).toBe(exportBundle(events));
    const result = verifyChain(fetched, { now: NOW });
    expect(result.status).toBe('valid');
    expect(result.state?.head.hash).toBe(objectHash(events[2]!));

    expect(await publishChainToRelays(identity, events, [relay.url], env)).toEqual([
      { relay: relay.url, added: 0 },
    ]);
  });

  it('drops what anyone else posts under the identity tag, keeps the real chain', async () => {
    const { events, identity } = chain();
    await publishChainToRelays(identity, events.slice(0, 2), [relay.url], env);
    // Mallory extends alice's chain with her own key (not authorized), and posts garbage.
    const state = applyEvent(applyEvent(null, events[0]!, { now: NOW }), events[1]!, { now: NOW });
    const { event: intruder } = addClaim(
      state,
      { subject: 'dns:evil.example', created_at: NOW - 40 },
      mallory,
    );
    const junkKey = generateSecretKey();
    for (const [seq, content] of [
      ['2', JSON.stringify(intruder)],
      ['2', 'not json'],
      ['1', '{"kez":"0.2"}'],
    ] as const) {
      const wrapper = finalizeEvent(
        {
          kind: CHAIN_KIND,
          created_at: NOW,
          tags: [
            ['i', identity],
            ['seq', seq],
          ],
          content,
        },
        junkKey,
      );
      expect((await relay.relay.handleEvent(wrapper)).success).toBe(true);
    }
    // Unfiltered, the intruder would make the bundle invalid (not_authorized at seq 2).
    expect(verifyChain([...events.slice(0, 2), intruder], { now: NOW })).toMatchObject({
      status: 'invalid',
      code: 'not_authorized',
    });

    const fetched = await fetchChainFromRelays(identity, [relay.url], env);
    expect(exportBundle(fetched)).toBe(exportBundle(events.slice(0, 2)));
    expect(verifyChain(fetched, { now: NOW }).status).toBe('valid');
    // Publishing the rest completes it.
    expect(await publishChainToRelays(identity, events, [relay.url], env)).toEqual([
      { relay: relay.url, added: 1 },
    ]);
    expect(exportBundle(await fetchChainFromRelays(identity, [relay.url], env))).toBe(
      exportBundle(events),
    );
  });

  it('two valid events at one seq come back as fork evidence', async () => {
    const { events, identity, signer } = chain();
    const before = applyEvent(applyEvent(null, events[0]!, { now: NOW }), events[1]!, { now: NOW });
    const { event: other } = addClaim(
      before,
      { subject: 'dns:other.example', created_at: NOW - 45 },
      signer,
    );
    await publishChainToRelays(identity, events, [relay.url], env);
    await publishChainToRelays(identity, [...events.slice(0, 2), other], [relay.url], env);
    const fetched = await fetchChainFromRelays(identity, [relay.url], env);
    expect(fetched).toHaveLength(4);
    const result = verifyChain(fetched, { now: NOW });
    expect(result.status).toBe('fork');
  });

  it('an identity nobody published is an empty chain; a dead relay is unreachable', async () => {
    const { identity } = chain(signerFromSecret('bip340', bip340.generateSecret()));
    expect(await fetchChainFromRelays(identity, [relay.url], env)).toEqual([]);
    const dead = await startRelay();
    await dead.stop();
    await expect(fetchChainFromRelays(identity, [dead.url], env)).rejects.toMatchObject({
      code: 'network',
      status: 'unreachable',
    });
  });

  it('pages through a relay that caps every answer at 10 events', async () => {
    const small = await startRelay({ defaultLimit: 1 });
    try {
      const me = TestIdentity.create();
      for (let i = 0; i < 24; i++) me.add(`dns:n${i}.example`);
      expect(await publishChainToRelays(me.identity, me.events, [small.url], env)).toEqual([
        { relay: small.url, added: 25 },
      ]);
      expect((await small.relay.findEvents([{ kinds: [CHAIN_KIND], limit: 50 }])).length).toBe(10); // the cap is real
      const fetched = await fetchChainFromRelays(me.identity, [small.url], env);
      expect(exportBundle(fetched)).toBe(exportBundle(me.events));
      expect(verifyChain(fetched, { now: me.now }).status).toBe('valid');
    } finally {
      await small.stop();
    }
  });

  it('is the chain transport for ws/wss locators', async () => {
    const registry = new ChannelRegistry([], [nostrChainTransport]);
    expect(registry.transportFor('wss://relay.example')).toBe(nostrChainTransport);
    const { events, identity } = chain();
    const t = registry.transportFor(relay.url)!;
    expect(await t.publishEvents!(relay.url, identity, events, env)).toEqual({ added: 3 });
    expect(exportBundle(await t.fetchChain(relay.url, identity, env))).toBe(exportBundle(events));
  });
});

// NIP-39 external identities (kind 10011) against the real relay: kez publishes the verified
// accounts of an identity from its nostr account, and verify id reads such events back only
// as hints — an account the chain does not claim stays not_claimed, and another key's event
// naming the identity's accounts is not read at all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatShortProof } from '@kez/core';
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import {
  defaultRegistry,
  EXTERNAL_IDENTITIES_KIND,
  identityTag,
  memoryHeadCache,
  publishExternalIdentities,
  readExternalIdentities,
  subjectOfTag,
  verifyIdentity,
  type OwnedChannelEnv,
} from '../src/index.js';
import { publishChainToRelays } from '../src/nostr-chain.js';
import { withRelay } from '../src/channels/nostr-relay-client.js';
import { ownerSubjectOf } from '../src/channels/nostr-event.js';
import { startGithubStandin, type GithubStandin } from '@kez/test-kit';
import { TestChain } from '@kez/test-kit/chain-builder';
import { startRelay, type RunningRelay } from '@kez/test-kit/nostr-relay';
import { loopbackEnv } from './helpers.js';

const WALL = () => Math.floor(Date.now() / 1000);
let relay: RunningRelay;
let gh: GithubStandin;
let env: OwnedChannelEnv;
const me = TestChain.create({ seed: 39 });
const secret = generateSecretKey();
const npub = ownerSubjectOf(getPublicKey(secret));

const verify = (s: string) =>
  verifyIdentity(s, {
    now: me.now,
    env,
    registry: defaultRegistry(),
    cache: memoryHeadCache(),
    sigServers: [relay.url],
  });

beforeAll(async () => {
  [relay, gh] = await Promise.all([startRelay(), startGithubStandin()]);
  env = loopbackEnv({ nostrRelays: [relay.url], sigServers: [], hostMap: gh.hostMap });
  me.add(npub);
  me.add('github:nina');
  me.add('github:nobadge'); // claimed, no proof at its place
  await publishChainToRelays(me.identity, me.events, [relay.url], env);
  const bare = formatShortProof(me.identity);
  gh.addUser('nina', 5, bare);
  gh.addUser('nobadge', 6);
  const metadata = finalizeEvent(
    { kind: 0, created_at: WALL(), tags: [], content: JSON.stringify({ about: bare }) },
    secret,
  );
  await withRelay(relay.url, env, (s) => s.publish(metadata));
}, 60_000);
afterAll(async () => {
  await env?.close();
  await Promise.all([relay?.stop(), gh?.close()]);
});

describe('NIP-39 external identities', () => {
  it('tags follow NIP-39: its own platforms spelled its way, the proof, the identity', () => {
    expect(
      identityTag('ap:@sam@social.example', 'https://social.example/users/sam', me.identity),
    ).toEqual([
      'i',
      'mastodon:social.example/@sam',
      'https://social.example/users/sam',
      me.identity,
    ]);
    expect(subjectOfTag(['i', 'mastodon:social.example/@Sam', 'x'])).toBe('ap:@sam@social.example');
    expect(subjectOfTag(['i', 'github:Nina', 'x'])).toBe('github:nina');
    expect(subjectOfTag(['i', 'twitter:someone', 'x'])).toBeUndefined();
    expect(subjectOfTag(['e', 'github:nina'])).toBeUndefined();
  });

  it('publishes the verified accounts signed by the nostr key, and reads them back', async () => {
    const r = await verify(npub);
    expect(r.status).toBe('valid');
    const accounts = r.edges
      .filter((e) => e.status === 'valid' && e.subject !== npub)
      .map((e) => ({ subject: e.subject, proof: e.location! }));
    expect(accounts.map((a) => a.subject)).toEqual(['github:nina']);
    const out = await publishExternalIdentities(secret, accounts, me.identity, env, WALL());
    expect(out.relays).toEqual([relay.url]);
    const hints = await readExternalIdentities(npub.slice(6), env);
    expect(hints).toEqual([{ subject: 'github:nina', from: npub, proof: accounts[0]!.proof }]);
  });

  it('verify id reports hints, never as proof: an unclaimed account stays not_claimed', async () => {
    // The nostr account's newest 10011 also names an account the chain does not claim.
    const later = finalizeEvent(
      {
        kind: EXTERNAL_IDENTITIES_KIND,
        created_at: WALL() + 1,
        tags: [
          ['i', 'github:nina', 'https://gist.github.com/nina/1'],
          ['i', 'github:nobadge', 'https://gist.github.com/nobadge/1'],
          ['i', 'github:stranger', 'https://gist.github.com/stranger/1'],
        ],
        content: '',
      },
      secret,
    );
    await withRelay(relay.url, env, (s) => s.publish(later));
    // Another key's event naming this identity's accounts: not this account's word.
    const other = generateSecretKey();
    const foreign = finalizeEvent(
      {
        kind: EXTERNAL_IDENTITIES_KIND,
        created_at: WALL() + 2,
        tags: [['i', 'github:evil', 'x']],
        content: '',
      },
      other,
    );
    await withRelay(relay.url, env, (s) => s.publish(foreign));
    const r = await verify('github:nina');
    expect(r.status).toBe('valid');
    expect(r.hints).toEqual([
      expect.objectContaining({ subject: 'github:nina', claimed: true, status: 'valid' }),
      expect.objectContaining({
        subject: 'github:nobadge',
        claimed: true,
        status: 'not_found',
        code: 'no_proof',
      }),
      expect.objectContaining({
        subject: 'github:stranger',
        claimed: false,
        status: 'not_found',
        code: 'not_claimed',
      }),
    ]);
    // A hint adds no edge and changes none.
    expect(r.edges.map((e) => e.subject).sort()).toEqual(
      ['github:nina', 'github:nobadge', npub].sort(),
    );
    expect(r.edges.find((e) => e.subject === 'github:nobadge')?.status).toBe('not_found');
  });
});

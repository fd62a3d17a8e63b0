// nostr channel against a real relay (@nostr-relay/core + SQLite) on loopback, plus a hostile
// relay that ignores filters and one that never answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KezError,
  addClaim,
  applyEvent,
  bip340,
  createGenesis,
  encodeCompact,
  signerFromSecret,
  toHex,
  type Claim,
  type Signer,
} from '@kez/core';
import { finalizeEvent, getEventHash } from 'nostr-tools/pure';
import type { ChannelsConfigInput } from '../src/config.js';
import type { OwnedChannelEnv } from '../src/env.js';
import { evaluateCandidate } from '../src/proofs.js';
import { nostrPlugin } from '../src/channels/nostr.js';
import { PROOF_KIND } from '../src/channels/nostr-event.js';
import { loopbackEnv } from './helpers.js';
import {
  startHostileRelay,
  startRelay,
  startSilentRelay,
  type RunningRelay,
} from '@kez/test-kit/nostr-relay';

/** The wall clock, for the timestamp a published record carries (relays check it). */
const NOW_S = Math.floor(Date.now() / 1000);

const NOW = Math.floor(Date.now() / 1000);

interface Person {
  secret: Uint8Array;
  signer: Signer;
  subject: string;
  claim: Claim;
  compact: string;
}

/** A fresh bip340 KEZ key whose identity claims its own nostr account. */
async function person(): Promise<Person> {
  const secret = bip340.generateSecret();
  const signer = signerFromSecret('bip340', secret);
  const genesis = createGenesis({ created_at: NOW - 10 }, signer);
  const state = applyEvent(null, genesis, { now: NOW });
  const subject = signer.keyId; // 'nostr:npub1…': the account is the key
  const { claim } = addClaim(state, { subject, created_at: NOW - 5 }, signer);
  return { secret, signer, subject, claim, compact: await encodeCompact(claim) };
}

function loopback(input: ChannelsConfigInput): OwnedChannelEnv {
  return loopbackEnv({ timeouts: { connectMs: 1_000, totalMs: 1_500 }, ...input });
}

function subjectOf(p: Person) {
  return { channel: 'nostr' as const, id: p.subject.slice('nostr:'.length), text: p.subject };
}

async function kezError(p: Promise<unknown>): Promise<KezError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(KezError);
  return e as KezError;
}

describe('nostr channel (real relay)', () => {
  let relay: RunningRelay;
  let alice: Person;
  let bob: Person;
  let e: OwnedChannelEnv;

  beforeAll(async () => {
    relay = await startRelay();
    [alice, bob] = await Promise.all([person(), person()]);
    e = loopback({ nostrRelays: [relay.url] });
  });
  afterAll(async () => {
    await e?.close();
    await relay?.stop();
  });

  it('publishes a kind 30779 proof and finds it, owned by the signing pubkey', async () => {
    const { location } = await nostrPlugin.publish!(
      {
        subject: subjectOf(alice),
        claim: alice.claim,
        compact: alice.compact,
        now: NOW_S,
        markdown: '',
        short: '',
        token: toHex(alice.secret),
      },
      e,
    );
    expect(location.startsWith(`${relay.url}#`)).toBe(true);
    const found = await nostrPlugin.locate(subjectOf(alice), e);
    expect(found).toHaveLength(1);
    expect(found[0]!.owner.subject).toBe(alice.subject);
    expect(found[0]!.text).toBe(alice.compact);
    expect(evaluateCandidate(subjectOf(alice), found[0]!, NOW).status).toBe('valid');
    // The stored event is addressable by identity (d tag) and signed by alice's key.
    const stored = await relay.relay.findEvents([
      { kinds: [PROOF_KIND], '#d': [alice.claim.identity] },
    ]);
    expect(stored.map((s) => s.id)).toEqual([location.split('#')[1]]);
  });

  it('refuses to publish a proof for a nostr account with another key', async () => {
    const err = await kezError(
      nostrPlugin.publish!(
        {
          subject: subjectOf(alice),
          claim: alice.claim,
          compact: alice.compact,
          now: NOW_S,
          markdown: '',
          short: '',
          token: toHex(bob.secret),
        },
        e,
      ),
    );
    expect(err.code).toBe('subject_mismatch');
  });

  it('an account with no proof event is not_found (empty), not an error', async () => {
    expect(await nostrPlugin.locate(subjectOf(bob), e)).toEqual([]);
  });

  it('a claim re-posted by another pubkey is owned by that pubkey: subject_mismatch', async () => {
    // Bob wraps alice's genuine claim in his own event: the relay stores it under bob.
    const copied = finalizeEvent(
      {
        kind: PROOF_KIND,
        created_at: NOW,
        tags: [['d', alice.claim.identity]],
        content: alice.compact,
      },
      bob.secret,
    );
    expect((await relay.relay.handleEvent(copied)).success).toBe(true);
    const found = await nostrPlugin.locate(subjectOf(bob), e);
    expect(found).toHaveLength(1);
    expect(found[0]!.owner.subject).toBe(bob.subject);
    expect(evaluateCandidate(subjectOf(bob), found[0]!, NOW)).toMatchObject({
      status: 'invalid',
      code: 'subject_mismatch',
    });
  });

  it('the relay refuses a forged event (content changed, id recomputed, old signature)', async () => {
    const genuine = finalizeEvent(
      { kind: PROOF_KIND, created_at: NOW, tags: [['d', 'x']], content: 'a' },
      bob.secret,
    );
    const forged = { ...genuine, content: alice.compact };
    forged.id = getEventHash(forged);
    const result = await relay.relay.handleEvent(forged);
    expect(result.success).toBe(false);
    expect(result.message).toMatch(/signature/);
  });

  it('a forged event stored by a careless relay is refused by us: bad_signature', async () => {
    const carol = await person();
    const genuine = finalizeEvent(
      {
        kind: PROOF_KIND,
        created_at: NOW,
        tags: [['d', carol.claim.identity]],
        content: 'placeholder',
      },
      carol.secret,
    );
    const forged = { ...genuine, content: carol.compact };
    forged.id = getEventHash(forged);
    await relay.repository.upsert(forged); // straight into storage, skipping the relay's checks
    expect((await relay.relay.findEvents([{ authors: [forged.pubkey] }])).length).toBe(1);
    const err = await kezError(nostrPlugin.locate(subjectOf(carol), e));
    expect(err.code).toBe('bad_signature');
    expect(err.status).toBe('invalid');
  });

  it('a relay that never answers is unreachable (timeout); a closed port is unreachable (network)', async () => {
    const silent = await startSilentRelay();
    try {
      const quiet = loopback({
        nostrRelays: [silent.url],
        timeouts: { connectMs: 1_000, totalMs: 300 },
      });
      const err = await kezError(nostrPlugin.locate(subjectOf(alice), quiet));
      expect(err.code).toBe('timeout');
      expect(err.status).toBe('unreachable');
      await quiet.close();
    } finally {
      await silent.stop();
    }
    const closed = loopback({ nostrRelays: [silent.url] }); // stopped: nothing listens there now
    const err = await kezError(nostrPlugin.locate(subjectOf(alice), closed));
    expect(err.code).toBe('network');
    await closed.close();
  });

  it('one dead relay does not hide a proof another relay holds', async () => {
    const silent = await startSilentRelay();
    try {
      // Long enough for the live relay to answer on a busy machine; the silent one then times out.
      const both = loopback({
        nostrRelays: [silent.url, relay.url],
        timeouts: { connectMs: 2_000, totalMs: 2_000 },
      });
      const found = await nostrPlugin.locate(subjectOf(alice), both);
      expect(found.map((c) => c.owner.subject)).toEqual([alice.subject]);
      await both.close();
    } finally {
      await silent.stop();
    }
  });

  it("a hostile relay serving another key's event for alice: owner is that key, never valid", async () => {
    const mallory = await person();
    // Mallory's event carries alice's genuine claim; the relay hands it out for alice's filter.
    const wrapped = finalizeEvent(
      {
        kind: PROOF_KIND,
        created_at: NOW,
        tags: [['d', alice.claim.identity]],
        content: alice.compact,
      },
      mallory.secret,
    );
    const hostile = await startHostileRelay([wrapped]);
    try {
      const h = loopback({ nostrRelays: [hostile.url] });
      const found = await nostrPlugin.locate(subjectOf(alice), h);
      expect(found).toHaveLength(1);
      expect(found[0]!.owner.subject).toBe(mallory.subject);
      expect(evaluateCandidate(subjectOf(bob), found[0]!, NOW)).toMatchObject({
        status: 'invalid',
        code: 'subject_mismatch',
      });
      await h.close();
    } finally {
      await hostile.stop();
    }
  });

  it('a relay flooding more events than asked for is hostile: too_large', async () => {
    const flood = Array.from({ length: 100 }, (_, i) =>
      finalizeEvent(
        { kind: PROOF_KIND, created_at: NOW, tags: [['d', `x${i}`]], content: alice.compact },
        alice.secret,
      ),
    );
    const hostile = await startHostileRelay(flood);
    try {
      const h = loopback({ nostrRelays: [hostile.url] });
      expect(await kezError(nostrPlugin.locate(subjectOf(alice), h))).toMatchObject({
        code: 'too_large',
        status: 'invalid',
      });
      await h.close();
    } finally {
      await hostile.stop();
    }
  });

  it('address policy: loopback refused unless allowed, ws:// refused unless allowed', async () => {
    const strict = loopback({ nostrRelays: [relay.url], allowLoopback: false });
    expect((await kezError(nostrPlugin.locate(subjectOf(alice), strict))).code).toBe(
      'blocked_address',
    );
    await strict.close();
    const noPlain = loopback({ nostrRelays: [relay.url], allowHttp: false });
    expect((await kezError(nostrPlugin.locate(subjectOf(alice), noPlain))).code).toBe(
      'blocked_address',
    );
    await noPlain.close();
    // A host name that resolves to loopback is refused on the resolved address.
    const named = loopback({
      nostrRelays: [relay.url.replace('127.0.0.1', 'localhost')],
      allowLoopback: false,
    });
    const err = await kezError(nostrPlugin.locate(subjectOf(alice), named));
    expect(err.code).toBe('blocked_address');
    expect(err.evidence.address).toBeDefined();
    await named.close();
  });
});

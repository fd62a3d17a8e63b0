// Publishing to nostr relays as they are: strfry's limits on the real relay (old, future and
// big events refused), its NIP-11 document read before sending, relays that take writes only
// from known keys or after NIP-42 AUTH, relays whose OK is malformed or missing, and several
// relays at once with each one's answer reported.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addClaim,
  applyEvent,
  bip340,
  createGenesis,
  encodeCompact,
  signerFromSecret,
  toHex,
  type Claim,
} from '@kez/core';
import { finalizeEvent, getPublicKey } from 'nostr-tools/pure';
import type { OwnedChannelEnv } from '../src/env.js';
import { nostrPlugin } from '../src/channels/nostr.js';
import { withRelay } from '../src/channels/nostr-relay-client.js';
import { relayLimitation } from '../src/channels/nostr-relay-info.js';
import type { PublishAttempt } from '../src/types.js';
import { kezError, loopbackEnv } from './helpers.js';
import {
  STRFRY_LIMITS,
  startOkRelay,
  startRelay,
  type RunningPeer,
  type RunningRelay,
} from '@kez/test-kit/nostr-relay';

const NOW = Math.floor(Date.now() / 1000);

interface Person {
  secret: Uint8Array;
  subject: string;
  claim: Claim;
  compact: string;
}

async function person(): Promise<Person> {
  const secret = bip340.generateSecret();
  const signer = signerFromSecret('bip340', secret);
  const state = applyEvent(null, createGenesis({ created_at: NOW - 10 }, signer), { now: NOW });
  const { claim } = addClaim(state, { subject: signer.keyId, created_at: NOW - 5 }, signer);
  return { secret, subject: signer.keyId, claim, compact: await encodeCompact(claim) };
}

function publishTo(p: Person, env: OwnedChannelEnv) {
  return nostrPlugin.publish!(
    {
      subject: { channel: 'nostr', id: p.subject.slice(6), text: p.subject },
      claim: p.claim,
      compact: p.compact,
      now: NOW,
      markdown: '',
      short: '',
      token: toHex(p.secret),
    },
    env,
  );
}

const envFor = (relays: string[]) =>
  loopbackEnv({ nostrRelays: relays, timeouts: { connectMs: 1_000, totalMs: 1_500 } });

describe('nostr publishing against relays with limits', () => {
  const peers: Array<{ stop(): Promise<void> }> = [];
  let strict: RunningRelay;
  let members: RunningRelay;
  let authOnly: RunningRelay;
  let alice: Person;
  const envs: OwnedChannelEnv[] = [];
  const env = (relays: string[]) => {
    const e = envFor(relays);
    envs.push(e);
    return e;
  };
  const okRelay = async (mode: Parameters<typeof startOkRelay>[0]): Promise<RunningPeer> => {
    const r = await startOkRelay(mode);
    peers.push(r);
    return r;
  };

  beforeAll(async () => {
    alice = await person();
    [strict, members, authOnly] = await Promise.all([
      startRelay(),
      startRelay({ writes: { knownKeys: ['ab'.repeat(32)] } }),
      startRelay({ writes: 'auth' }),
    ]);
    peers.push(strict, members, authOnly);
  });
  afterAll(async () => {
    for (const e of envs) await e.close();
    for (const p of peers) await p.stop();
  });

  /** Sends a hand-made event straight to a relay and returns its OK. */
  async function send(relay: string, template: { created_at: number; content: string }) {
    const event = finalizeEvent({ kind: 1, tags: [], ...template }, alice.secret);
    return withRelay(relay, env([relay]), (s) => s.publish(event));
  }

  it("the test relay keeps strfry's limits: older than 3 years, 15 min ahead, over 64 KiB refused", async () => {
    const old = await send(strict.url, {
      created_at: NOW - STRFRY_LIMITS.rejectOlderThanSeconds - 60,
      content: 'x',
    });
    expect(old).toEqual({ accepted: false, message: 'invalid: created_at too early' });
    const ahead = await send(strict.url, { created_at: NOW + 16 * 60, content: 'x' });
    expect(ahead).toEqual({ accepted: false, message: 'invalid: created_at too late' });
    const big = await send(strict.url, { created_at: NOW, content: 'x'.repeat(65_400) });
    expect(big).toEqual({ accepted: false, message: 'invalid: event too large' });
    // Inside the limits: accepted.
    expect(
      (await send(strict.url, { created_at: NOW + 60, content: 'x'.repeat(60_000) })).accepted,
    ).toBe(true);
  });

  it('the test relay serves NIP-11 with its limitation, and kez reads it', async () => {
    const res = await fetch(strict.url.replace(/^ws/, 'http'), {
      headers: { accept: 'application/nostr+json' },
    });
    expect(res.headers.get('content-type')).toBe('application/nostr+json');
    expect(((await res.json()) as { limitation: unknown }).limitation).toEqual({
      max_message_length: 131_072,
      max_content_length: 65_536,
      created_at_lower_limit: 94_608_000,
      created_at_upper_limit: 900,
      auth_required: false,
      restricted_writes: false,
    });
    expect(await relayLimitation(authOnly.url, env([]))).toMatchObject({
      auth_required: true,
      restricted_writes: true,
    });
  });

  it("an event over a relay's NIP-11 max_content_length is not sent; the limit is named", async () => {
    const tiny = await startRelay({ limits: { maxEventBytes: 100 } });
    peers.push(tiny);
    const err = await kezError(publishTo(alice, env([tiny.url])));
    expect(err.code).toBe('too_large');
    expect(err.message).toContain("over the relay's max_content_length 100 (NIP-11)");
    expect(await tiny.relay.findEvents([{ authors: [getPublicKey(alice.secret)] }])).toEqual([]);
  });

  it('a relay taking writes only from known keys, or only after NIP-42 AUTH: its reason is reported', async () => {
    const restricted = await kezError(publishTo(alice, env([members.url])));
    expect(restricted.code).toBe('not_authorized');
    expect(restricted.message).toContain(
      'restricted: this relay accepts events only from its members',
    );
    const auth = await kezError(publishTo(alice, env([authOnly.url])));
    expect(auth.code).toBe('not_authorized');
    expect(auth.message).toContain('auth-required:');
  });

  it('a malformed OK (empty or another event id) is a refusal, not a timeout', async () => {
    for (const mode of ['empty-id', 'other-id'] as const) {
      const r = await okRelay(mode);
      const err = await kezError(publishTo(alice, env([r.url])));
      expect(err.code, mode).toBe('malformed');
      expect(err.message, mode).toContain('malformed OK');
    }
  });

  it("a missing OK is reported as such, with the relay's NOTICE when it sent one", async () => {
    const silent = await okRelay('no-ok');
    const none = await kezError(publishTo(alice, env([silent.url])));
    expect(none.code).toBe('timeout');
    expect(none.message).toMatch(/no OK for EVENT [0-9a-f]{64} within/);
    const noticing = await okRelay('notice-only');
    const notice = await kezError(publishTo(alice, env([noticing.url])));
    expect(notice.message).toContain("the relay's notice: invalid: event too large");
  });

  it('several relays: the proof is published where accepted, and each refusal is reported', async () => {
    const broken = await okRelay('empty-id');
    const bob = await person();
    const r = await publishTo(bob, env([strict.url, members.url, broken.url]));
    expect(r.location).toMatch(new RegExp(`^${strict.url}#[0-9a-f]{64}$`));
    const by = Object.fromEntries((r.attempts ?? []).map((a) => [a.relay, a])) as Record<
      string,
      PublishAttempt
    >;
    expect(by[strict.url]).toMatchObject({ accepted: true });
    expect(by[members.url]).toMatchObject({ accepted: false, code: 'not_authorized' });
    expect(by[members.url]!.reason).toContain('restricted:');
    expect(by[broken.url]).toMatchObject({ accepted: false, code: 'malformed' });
    // Nobody accepting: one error listing every relay's reason.
    const err = await kezError(publishTo(bob, env([members.url, broken.url])));
    expect(err.message).toContain(`${members.url}: restricted:`);
    expect(err.message).toContain(`${broken.url}: `);
    expect((err.evidence.relays as PublishAttempt[]).map((a) => a.accepted)).toEqual([
      false,
      false,
    ]);
  });
});

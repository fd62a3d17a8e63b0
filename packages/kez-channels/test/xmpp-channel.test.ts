// The xmpp channel against a real Prosody on loopback (two VirtualHosts, STARTTLS with a
// throwaway certificate, SCRAM logins): publish into the account's own vCard keeping the rest,
// locate through a verifier account, and every way it must not count — another account's vCard,
// no verifier, a wrong password, a stalling server, an oversized vCard — plus, from a scripted
// hostile server, what Prosody never sends: an answer from another JID, pushed messages and
// another node's items, a redirect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatShortProof, parseSubject } from '@kez/core';
import { type RunningProsody, startProsody } from '@kez/test-kit/prosody';
import { type SelfSignedCert, selfSignedCert } from '@kez/test-kit/tls-cert';
import { TestChain } from '@kez/test-kit/chain-builder';
import { NS_CLIENT, openSession } from '../src/channels/xmpp-client.js';
import { element, type XmlElement } from '../src/channels/xmpp-xml.js';
import { xmppPlugin } from '../src/channels/xmpp.js';
import { evaluateCandidate } from '../src/proofs.js';
import type { ChannelsConfigInput, ReadCredentials, PublishRequest } from '../src/index.js';
import { kezError, loopbackEnv } from './helpers.js';
import {
  type HostileXmpp,
  setVcard as setVcardIn,
  startHostileXmpp,
  vcardField,
} from './xmpp-peers.js';

const chain = TestChain.create({ seed: 41 });
const SHORT = formatShortProof(chain.identity);
const NOW = 1_900_000_000;

let prosody: RunningProsody;
let hostile: HostileXmpp;
let evilCert: SelfSignedCert;
const verifier: ReadCredentials = { xmpp: { jid: 'verifier@a.test', password: 'verifier-pw' } };

function config(input: ChannelsConfigInput = {}): ChannelsConfigInput {
  return {
    hostMap: { ...prosody.hostMap, 'evil.test': `http://127.0.0.1:${hostile.port}` },
    tlsCa: [prosody.cert.cert, evilCert.cert],
    timeouts: { totalMs: 10_000, connectMs: 3_000, dnsMs: 2_000 },
    ...input,
  };
}

async function locate(subject: string, credentials = verifier, input: ChannelsConfigInput = {}) {
  const env = loopbackEnv(config(input), credentials);
  try {
    return await xmppPlugin.locate(parseSubject(subject), env);
  } finally {
    await env.close();
  }
}

const setVcard = async (jid: string, password: string, kids: XmlElement[]) => {
  const env = loopbackEnv(config());
  try {
    await setVcardIn(env, jid, password, kids);
  } finally {
    await env.close();
  }
};
const text = vcardField;

function request(subject: string, token?: string): PublishRequest {
  return { subject: parseSubject(subject), short: SHORT, token } as PublishRequest;
}

async function publish(subject: string, token?: string) {
  const env = loopbackEnv(config());
  try {
    return await xmppPlugin.publish!(request(subject, token), env);
  } finally {
    await env.close();
  }
}

beforeAll(async () => {
  prosody = await startProsody(['a.test', 'b.test']);
  evilCert = await selfSignedCert(['evil.test']);
  hostile = await startHostileXmpp(evilCert, SHORT);
  for (const [jid, pw] of [
    ['verifier@a.test', 'verifier-pw'],
    ['alice@b.test', 'alice-pw'],
    ['mallory@b.test', 'mallory-pw'],
    ['quiet@a.test', 'quiet-pw'],
    ['big@b.test', 'big-pw'],
  ] as const)
    await prosody.register(jid, pw);
}, 60_000);
afterAll(async () => {
  await hostile?.close();
  await prosody?.stop();
});

describe('xmpp against Prosody', () => {
  it('publish adds the short proof to the vCard, keeping its other fields; locate finds it, owner the bare JID', async () => {
    await setVcard('alice@b.test', 'alice-pw', [
      text('FN', 'Alice Liddell'),
      text('DESC', 'Hello.'),
    ]);
    expect(await publish('xmpp:Alice@b.test', 'alice-pw')).toEqual({
      location: 'xmpp:alice@b.test?vcard',
    });
    // Published again: the proof's line is replaced, not repeated.
    await publish('xmpp:alice@b.test', 'alice-pw');
    const found = await locate('xmpp:ALICE@b.test');
    expect(found.length).toBeGreaterThan(0);
    for (const c of found) {
      expect(c.owner).toEqual({ subject: 'xmpp:alice@b.test' });
      expect(c.text).toBe(`Hello.\n${SHORT}`);
      expect(c.short).toEqual({ identity: chain.identity, homes: [] });
      expect(evaluateCandidate(parseSubject('xmpp:alice@b.test'), c, NOW).status).toBe('valid');
    }
    // Prosody keeps the vCard as vCard4 over PEP and serves it both ways: both are read.
    expect(found.map((c) => c.location).sort()).toEqual([
      'xmpp:alice@b.test?pubsub;action=retrieve;node=urn:xmpp:vcard4',
      'xmpp:alice@b.test?vcard',
    ]);
    // The rest of the vCard survived the publish.
    const env = loopbackEnv(config());
    const s = await openSession({ jid: 'alice@b.test', password: 'alice-pw' }, env, 'network');
    const card = await s.iq(
      element('iq', NS_CLIENT, { type: 'get' }, [element('vCard', 'vcard-temp')]),
    );
    s.close();
    await env.close();
    expect(JSON.stringify(card)).toContain('Alice Liddell');
  });

  it("a proof in another account's vCard never counts for the subject", async () => {
    await setVcard('mallory@b.test', 'mallory-pw', [text('DESC', `quiet@a.test is me ${SHORT}`)]);
    expect(await locate('xmpp:quiet@a.test')).toEqual([]);
    // Mallory's own vCard is found, as mallory's: judged for quiet it is a subject mismatch.
    const theirs = await locate('xmpp:mallory@b.test');
    expect(theirs.length).toBeGreaterThan(0);
    for (const c of theirs) {
      expect(c.owner.subject).toBe('xmpp:mallory@b.test');
      expect(evaluateCandidate(parseSubject('xmpp:quiet@a.test'), c, NOW).status).not.toBe('valid');
    }
  });

  it('an account that does not exist is nothing to check (servers do not tell; its vCard is empty)', async () => {
    expect(await locate('xmpp:nobody@b.test')).toEqual([]);
  });

  it('without a verifier account, locate says what to set', async () => {
    const e = await kezError(locate('xmpp:alice@b.test', {}));
    expect(e.code).toBe('network');
    expect(e.message).toMatch(/KEZ_XMPP_JID and KEZ_XMPP_PASSWORD/);
  });

  it("a wrong verifier password is a refused login, and a wrong owner's password publishes nothing", async () => {
    const bad = { xmpp: { jid: 'verifier@a.test', password: 'nope' } };
    const e = await kezError(locate('xmpp:alice@b.test', bad));
    expect(e.code).toBe('network');
    expect(e.message).toMatch(/refused the login of verifier@a\.test \(not-authorized\)/);
    expect((await kezError(publish('xmpp:quiet@a.test', 'wrong'))).code).toBe('not_authorized');
    expect((await kezError(publish('xmpp:quiet@a.test'))).code).toBe('not_authorized');
    expect(await locate('xmpp:quiet@a.test')).toEqual([]);
  });

  it('an oversized vCard ends the read at the byte cap (too_large)', async () => {
    await setVcard('big@b.test', 'big-pw', [
      text('DESC', SHORT),
      element('PHOTO', 'vcard-temp', {}, [
        text('TYPE', 'image/png'),
        text('BINVAL', 'A'.repeat(120_000)),
      ]),
    ]);
    // Under a 1 MiB cap the proof is read; under 64 KiB the connection ends.
    expect((await locate('xmpp:big@b.test')).length).toBeGreaterThan(0);
    const e = await kezError(locate('xmpp:big@b.test', verifier, { maxBodyBytes: 64 * 1024 }));
    expect(e.code).toBe('too_large');
  });

  it('the certificate is checked: an untrusted one fails the STARTTLS upgrade', async () => {
    const e = await kezError(locate('xmpp:alice@b.test', verifier, { tlsCa: [] }));
    expect(e.code).toBe('network');
    expect(e.message).toMatch(/TLS with a\.test failed/);
  });

  it('without a stream seam (a browser), xmpp is unreachable with a reason', async () => {
    const env = { ...loopbackEnv(config(), verifier), dialStream: undefined };
    const e = await kezError(xmppPlugin.locate(parseSubject('xmpp:alice@b.test'), env));
    expect(e.status).toBe('unreachable');
    expect(e.message).toMatch(/cannot open/);
    await env.close();
  });

  it('paste tells where the short proof goes', () => {
    const p = xmppPlugin.paste!(request('xmpp:alice@b.test'));
    expect(p.text).toBe(SHORT);
    expect(p.field).toMatch(/About/);
  });
});

describe('xmpp against a hostile server', () => {
  const evil = { xmpp: { jid: 'verifier@evil.test', password: 'x' } };
  const at = async (mode: HostileXmpp['mode'], input: ChannelsConfigInput = {}) => {
    hostile.mode = mode;
    return locate('xmpp:victim@b.test', evil, input);
  };

  it('the honest-shaped control: an empty answer from the bare JID is no proof', async () => {
    expect(await at('empty')).toEqual([]);
  });

  it('a vCard answered from another JID is a subject mismatch', async () => {
    expect((await kezError(at('other-from'))).code).toBe('subject_mismatch');
  });

  it('pushed messages and another node’s items are never read', async () => {
    expect(await at('message')).toEqual([]);
    expect(await at('other-node')).toEqual([]);
  });

  it('a redirect (see-other-host) is not followed', async () => {
    expect((await kezError(at('see-other-host'))).code).toBe('redirect');
  });

  it('an endless vCard ends at the cap; a silent server at the deadline', async () => {
    expect((await kezError(at('huge'))).code).toBe('too_large');
    const t0 = Date.now();
    const e = await kezError(
      at('stall', { timeouts: { totalMs: 800, connectMs: 500, dnsMs: 500 } }),
    );
    expect(e.code).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
});

// atproto handle rules (atproto.com/specs/handle, /specs/did) on did:web identities served by
// loopback hosts: the claimed handle is the first syntactically valid at:// entry of
// alsoKnownAs, others are ignored; /.well-known/atproto-did may redirect to another https
// host, and the DID document must still name the handle back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSubject } from '@kez/core';
import { sendJson, sendText, startHttp, type RunningHttp } from '@kez/test-kit';
import { resolveIdentity } from '../src/channels/bluesky-identity.js';
import type { OwnedChannelEnv } from '../src/env.js';
import { kezError, loopbackEnv } from './helpers.js';

const PDS = 'https://pds.example.com';

describe('bluesky handles: first alsoKnownAs entry, atproto-did redirects', () => {
  const servers: RunningHttp[] = [];
  let env: OwnedChannelEnv;
  /** did:web:<name>.doc.test → its alsoKnownAs. */
  const docs: Record<string, string[]> = {
    ivan: ['at://ivan.test'],
    // Another handle first: that one is claimed, ivan.test is ignored.
    twohandles: ['at://other.test', 'at://jane.test'],
    // Entries that are not valid handles are skipped until the first valid one.
    skips: ['https://kim.test', 'at://kim.3com', 'at://bad_name.test', 'at://Kim.test'],
    nohandle: ['at://lee.9a', 'at://-lee.test'],
  };
  /** handle → what its /.well-known/atproto-did answers (a DID, or a redirect). */
  const wellKnown: Record<string, string> = {
    'jane.test': 'did:web:twohandles.doc.test',
    'other.test': 'did:web:twohandles.doc.test',
    'kim.test': 'did:web:skips.doc.test',
    'lee.test': 'did:web:nohandle.doc.test',
  };

  beforeAll(async () => {
    const hostMap: Record<string, string> = {};
    for (const [name, aka] of Object.entries(docs)) {
      const did = `did:web:${name}.doc.test`;
      const host = await startHttp((_req, res) =>
        sendJson(res, 200, {
          id: did,
          alsoKnownAs: aka,
          service: [
            { id: '#atproto_pds', type: 'AtprotoPersonalDataServer', serviceEndpoint: PDS },
          ],
        }),
      );
      servers.push(host);
      hostMap[`${name}.doc.test`] = host.url;
    }
    // The handles' own web host answers by Host header; ivan.test and liar.test redirect to
    // another https host (did-files.test), which serves ivan's DID.
    const handles = await startHttp((req, res) => {
      const h = req.headers.host ?? '';
      if (h === 'ivan.test' || h === 'liar.test') {
        res.writeHead(302, { location: 'https://did-files.test/ivan' });
        return void res.end();
      }
      if (h === 'plain.test') {
        res.writeHead(302, { location: 'http://did-files.test/ivan' });
        return void res.end();
      }
      const did = wellKnown[h];
      return did ? sendText(res, 200, did) : sendText(res, 404, 'no');
    });
    const files = await startHttp((req, res, url) =>
      // The other host gets no Host header meant for the handle's host.
      url.pathname === '/ivan' && !String(req.headers.host).endsWith('.test')
        ? sendText(res, 200, 'did:web:ivan.doc.test\n')
        : sendText(res, 404, 'no'),
    );
    servers.push(handles, files);
    for (const h of ['ivan.test', 'liar.test', 'plain.test', ...Object.keys(wellKnown)])
      hostMap[h] = handles.url;
    hostMap['did-files.test'] = files.url;
    env = loopbackEnv({ hostMap, dnsServers: ['127.0.0.1:1'] });
  });
  afterAll(async () => {
    await env?.close();
    for (const s of servers) await s.close();
  });

  it('only the first handle in alsoKnownAs is claimed: a later one is subject_mismatch', async () => {
    const err = await kezError(resolveIdentity('jane.test', env));
    expect(err).toMatchObject({ code: 'subject_mismatch', status: 'invalid' });
    expect(err.evidence).toMatchObject({
      did: 'did:web:twohandles.doc.test',
      claimed: 'other.test',
    });
    // The first one is the handle.
    expect(await resolveIdentity('other.test', env)).toMatchObject({
      handle: 'other.test',
      did: 'did:web:twohandles.doc.test',
      pds: PDS,
    });
  });

  it('entries that are not at:// handles (atproto syntax) are skipped, then the first valid one counts', async () => {
    expect(await resolveIdentity('kim.test', env)).toMatchObject({
      did: 'did:web:skips.doc.test',
    });
    const err = await kezError(resolveIdentity('lee.test', env));
    expect(err.code).toBe('subject_mismatch');
    expect(err.evidence.claimed).toBeUndefined();
  });

  it('/.well-known/atproto-did may redirect to another https host; the DID must still name the handle', async () => {
    expect(await resolveIdentity('ivan.test', env)).toMatchObject({
      handle: 'ivan.test',
      did: 'did:web:ivan.doc.test',
    });
    // The same redirect for a handle the DID document does not claim: the owner check holds.
    expect(await kezError(resolveIdentity('liar.test', env))).toMatchObject({
      code: 'subject_mismatch',
      status: 'invalid',
    });
    // A redirect off https is refused.
    expect(await kezError(resolveIdentity('plain.test', env))).toMatchObject({
      code: 'redirect',
      status: 'invalid',
    });
  });

  it('handle syntax as atproto: a last label starting with a digit is bad_subject', () => {
    for (const h of ['alice.3com', 'alice.9a', 'alice.123'])
      expect(() => parseSubject(`bluesky:${h}`), h).toThrow(
        expect.objectContaining({ code: 'bad_subject' }),
      );
    // The atproto spec's valid examples (atproto.com/specs/handle).
    for (const h of [
      'jay.bsky.social',
      '8.cn',
      'name.t--t',
      'xn--notarealidn.com',
      'xn--ls8h.test',
      'example.t',
    ])
      expect(parseSubject(`bluesky:${h}`).id, h).toBe(h);
    // A DNS name keeps the wider domain rule.
    expect(parseSubject('dns:alice.3com').id).toBe('alice.3com');
  });
});

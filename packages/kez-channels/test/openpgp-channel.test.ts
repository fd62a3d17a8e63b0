// openpgp channel (SPEC §10): real keys made by Debian's GnuPG, served by Web Key Directory
// (advanced and direct method) from HTTP servers on loopback; the proof is a `kez@kez.dev`
// notation on the key's own self-signature, parsed and verified with OpenPGP.js.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatShortProof, parseSubject } from '@kez/core';
import { openpgpPlugin, sigServerTransport, type OwnedChannelEnv } from '../src/index.js';
import { wkdHash } from '../src/channels/openpgp.js';
import { sendText, startHttp, type RunningHttp } from '@kez/test-kit';
import { TestChain } from '@kez/test-kit/chain-builder';
import { gpgHome, type GpgHome } from '@kez/test-kit/gnupg';
import { startSigServer, type RunningSigServer } from '@kez/test-kit/sig-server';
import { judgeAt, loopbackEnv, verifyWithServer } from './helpers.js';

const HOSTS = [
  'openpgpkey.pgp.example',
  'pgp.example',
  'openpgpkey.direct.example',
  'direct.example',
];
/** host → path (with query) → key bytes */
const served = new Map<string, Map<string, Uint8Array>>(HOSTS.map((h) => [h, new Map()]));
const servers: RunningHttp[] = [];
let sig: RunningSigServer;
let env: OwnedChannelEnv;
let owner: GpgHome;
let mallory: GpgHome;
let aliceFpr: string;
const me = TestChain.create({ seed: 53 });

function serve(address: string, bytes: Uint8Array, method: 'advanced' | 'direct' = 'advanced') {
  const [local, domain] = address.split('@') as [string, string];
  const tail = `hu/${wkdHash(local)}?l=${local}`;
  if (method === 'advanced')
    served.get(`openpgpkey.${domain}`)!.set(`/.well-known/openpgpkey/${domain}/${tail}`, bytes);
  else served.get(domain)!.set(`/.well-known/openpgpkey/${tail}`, bytes);
}

const judge = (id: string) => judgeAt(openpgpPlugin, `openpgp:${id}`, env, me.now);
const verify = (subject: string) => verifyWithServer(subject, env, me.now, sig.url);

beforeAll(async () => {
  const hostMap: Record<string, string> = {};
  for (const host of HOSTS) {
    const server = await startHttp((_req, res, url) => {
      const key = served.get(host)!.get(`${url.pathname}${url.search}`);
      if (!key) return sendText(res, 404, 'no key');
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(key);
    });
    servers.push(server);
    hostMap[host] = server.url;
  }
  [sig, owner, mallory] = await Promise.all([startSigServer(), gpgHome(), gpgHome()]);
  env = loopbackEnv({ hostMap, timeouts: { totalMs: 10_000, connectMs: 2_000, dnsMs: 2_000 } });
  const erinClaim = me.add('openpgp:erin@pgp.example');
  for (const a of [
    'alice@pgp.example',
    'bob@pgp.example',
    'carol@pgp.example',
    'dave@direct.example',
  ])
    me.add(`openpgp:${a}`);
  await sigServerTransport.publishEvents!(sig.url, me.identity, me.events, env);
  const proof = `kez@kez.dev=${formatShortProof(me.identity, sig.url)}`;

  aliceFpr = await owner.genKey('Alice <Alice@pgp.example>', [proof]);
  serve('alice@pgp.example', await owner.exportKey(aliceFpr));
  const erin = await owner.genKey('Erin <erin@pgp.example>', [
    `kez@kez.dev=${await TestChain.compact(erinClaim)}`,
  ]);
  serve('erin@pgp.example', await owner.exportKey(erin));
  const dave = await owner.genKey('dave@direct.example', [proof]);
  serve('dave@direct.example', await owner.exportKey(dave), 'direct');
  // bob's WKD slot serves a key whose only user id is mallory's, with the proof on it.
  const other = await mallory.genKey('Mallory <mallory@pgp.example>', [proof]);
  serve('bob@pgp.example', await mallory.exportKey(other));
  // carol's own key has no notation; mallory certifies carol's user id with the proof on it.
  const carol = await owner.genKey('Carol <carol@pgp.example>');
  await mallory.importKey(await owner.exportKey(carol));
  await mallory.run(['--cert-notation', proof, '--quick-sign-key', carol]);
  serve('carol@pgp.example', await mallory.exportKey(carol));
  served
    .get('openpgpkey.pgp.example')!
    .set(
      `/.well-known/openpgpkey/pgp.example/hu/${wkdHash('junk')}?l=junk`,
      new TextEncoder().encode('not a key'),
    );
}, 120_000);
afterAll(async () => {
  await env?.close();
  await Promise.all([
    ...servers.map((s) => s.close()),
    sig?.close(),
    owner?.close(),
    mallory?.close(),
  ]);
});

describe('openpgp channel: WKD key, kez@kez.dev notation on its self-signature', () => {
  it("our WKD hash is gpg's", async () => {
    expect(wkdHash('alice')).toBe(await owner.wkdHash(aliceFpr));
  });

  it('a short proof notation (advanced method) verifies; owner the address, stable id the fingerprint', async () => {
    const found = await openpgpPlugin.locate(parseSubject('openpgp:alice@pgp.example'), env);
    expect(found).toHaveLength(1);
    expect(found[0]!.owner).toEqual({
      subject: 'openpgp:alice@pgp.example',
      stableId: `openpgp4fpr:${aliceFpr.toLowerCase()}`,
    });
    expect(await verify('openpgp:alice@pgp.example')).toMatchObject({
      status: 'valid',
      identity: me.identity,
    });
  });

  it('a compact claim notation is valid on its own signature', async () => {
    expect(await judge('erin@pgp.example')).toMatchObject([
      { status: 'valid', owner: { subject: 'openpgp:erin@pgp.example' } },
    ]);
  });

  it('the direct method is used when the advanced host has no key', async () => {
    expect((await verify('openpgp:dave@direct.example')).status).toBe('valid');
  });

  it("a key at the address's WKD slot whose user id is another address never verifies", async () => {
    expect(await judge('bob@pgp.example')).toMatchObject([
      { status: 'invalid', code: 'subject_mismatch' },
    ]);
    expect((await verify('openpgp:bob@pgp.example')).status).not.toBe('valid');
  });

  it("a notation on another key's certification of the user id is never read", async () => {
    expect(await judge('carol@pgp.example')).toEqual([]);
    expect(await verify('openpgp:carol@pgp.example')).toMatchObject({ status: 'not_found' });
  });

  it('no key is not_found; bytes that are not a key are invalid (malformed)', async () => {
    expect(await judge('nobody@pgp.example')).toEqual([]);
    expect(await judge('junk@pgp.example')).toMatchObject([
      { status: 'invalid', code: 'malformed', thrown: true },
    ]);
  });
});

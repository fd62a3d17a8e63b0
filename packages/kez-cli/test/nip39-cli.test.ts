// kez publish nostr:NPUB --nip39 with the real CLI: the identity's verified accounts become a
// NIP-39 kind 10011 event signed by the nostr account's key, on the real relay; kez verify id
// then lists them as hints (claimed, with their edge's status). A non-nostr subject is refused.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGithubStandin, type GithubStandin } from '@kez/test-kit';
import { startRelay, type RunningRelay } from '@kez/test-kit/nostr-relay';
import { startSigServer, type RunningSigServer } from '@kez/test-kit/sig-server';
import { ok, runJson, tempHome } from './cli.js';

const SIG_HOME = 'http://sig.kez.test';
let sig: RunningSigServer;
let relay: RunningRelay;
let gh: GithubStandin;
const dir = tempHome();
const home = dir.home;
const kez = (args: string[]) => ok(args, { home, realClock: true });
const kezJson = (args: string[]) => runJson(args, { home, realClock: true });
let npub = '';

beforeAll(async () => {
  [sig, relay, gh] = await Promise.all([startSigServer(), startRelay(), startGithubStandin()]);
  mkdirSync(home, { recursive: true });
  const relayHttp = relay.url.replace(/^ws/, 'http');
  writeFileSync(
    join(home, 'channels.json'),
    JSON.stringify({
      hostMap: {
        ...gh.hostMap,
        'relay.damus.io': relayHttp,
        'nos.lol': relayHttp,
        'sig.kez.test': sig.url,
      },
      nostrRelays: ['wss://relay.damus.io'],
      allowLoopback: true,
      allowHttp: true,
    }),
  );
  const gen = await kez(['key', 'gen', '--alg', 'nostr']);
  npub = gen.stdout.split(/\s+/).find((w) => w.startsWith('nostr:npub1'))!;
  const init = await kezJson(['sigchain', 'init', '--sig-server', SIG_HOME]);
  const short = `${SIG_HOME}/${init.doc.identity}`;
  await kez(['claim', npub, '--format', 'short']);
  await kez(['claim', 'github:nip', '--format', 'short']);
  gh.addUser('nip', 39, short);
  await kez(['publish', npub]);
  expect((await kezJson(['sigchain', 'publish'])).code).toBe(0);
}, 60_000);
afterAll(async () => {
  await Promise.all([sig?.close(), relay?.stop(), gh?.close()]);
  dir.cleanup();
});

describe('kez publish --nip39', () => {
  it('publishes the verified accounts as kind 10011, and verify id shows them as hints', async () => {
    const r = await kezJson(['publish', npub, '--nip39']);
    expect(r.code, JSON.stringify(r.doc)).toBe(0);
    expect(r.doc).toMatchObject({ kind: 10011, accounts: ['github:nip'] });
    const v = await kezJson(['verify', 'id', 'github:nip']);
    expect(v.doc.status).toBe('valid');
    expect(v.doc.hints).toEqual([
      expect.objectContaining({
        subject: 'github:nip',
        from: npub,
        claimed: true,
        status: 'valid',
      }),
    ]);
  });

  it('refuses a subject that is not a nostr account', async () => {
    const r = await kezJson(['publish', 'github:nip', '--nip39']);
    expect(r.code).not.toBe(0);
    expect(JSON.stringify(r.doc)).toContain('nostr');
  });
});

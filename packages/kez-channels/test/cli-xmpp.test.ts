// kez publish / verify id as the real CLI for the xmpp channel against a real Prosody:
// publish writes the short proof into the account's vCard with XMPP_PASSWORD (without it, it
// prints what to paste), and verify id reaches valid through the sig-server asking as the
// verifier account in KEZ_XMPP_JID/KEZ_XMPP_PASSWORD; without those it is unreachable.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKez } from '@kez/test-kit/kez-bin';
import { type RunningProsody, startProsody } from '@kez/test-kit/prosody';
import { startSigServer, type RunningSigServer } from '@kez/test-kit/sig-server';
import { loopbackEnv } from './helpers.js';
import { setVcard, vcardField } from './xmpp-peers.js';

let prosody: RunningProsody;
let sig: RunningSigServer;
let home: string;
const VERIFIER = { KEZ_XMPP_JID: 'verifier@chat.example', KEZ_XMPP_PASSWORD: 'verifier-pw' };
const kez = async (args: string[], vars: Record<string, string> = {}) => {
  const r = await runKez(home, ['--json', ...args], vars);
  // The exit code is the status (CLI contract); a usage or local error prints no JSON result.
  expect(r.out, `${args.join(' ')}: ${r.err}`).toMatch(/^\{/);
  return JSON.parse(r.out) as Record<string, unknown> & {
    paste?: { url: string; field: string; text: string };
    status: string;
    code?: string;
  };
};

beforeAll(async () => {
  [prosody, sig] = await Promise.all([
    startProsody(['chat.example', 'other.example']),
    startSigServer(),
  ]);
  await prosody.register('verifier@chat.example', 'verifier-pw');
  await prosody.register('pat@other.example', 'pat-pw');
  await prosody.register('copy@other.example', 'copy-pw');
  home = await mkdtemp(join(tmpdir(), 'kez-cli-xmpp-'));
  await writeFile(
    join(home, 'channels.json'),
    JSON.stringify({
      hostMap: prosody.hostMap,
      tlsCa: [prosody.cert.cert],
      allowLoopback: true,
      allowHttp: true,
      sigServers: [sig.url],
    }),
  );
  for (const args of [
    ['key', 'gen', '--alg', 'ed25519'],
    ['sigchain', 'init'],
    ['sigchain', 'add', 'xmpp:Pat@other.example'],
  ]) {
    const r = await runKez(home, args);
    expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(0);
  }
  expect((await runKez(home, ['sigchain', 'publish', '--server', sig.url])).code).toBe(0);
}, 120_000);
afterAll(async () => {
  await Promise.all([prosody?.stop(), sig?.close()]);
  await rm(home, { recursive: true, force: true });
});

describe('kez publish / verify id for xmpp', () => {
  it('without XMPP_PASSWORD publish prints the paste; with it, it writes the vCard and verify id is valid', async () => {
    const p = await kez(['publish', 'xmpp:pat@other.example']);
    expect(p.paste?.text).toMatch(/kez:id:/);
    expect(p.paste?.field).toMatch(/About/);

    await kez(['publish', 'xmpp:pat@other.example'], { XMPP_PASSWORD: 'pat-pw' });
    expect(await kez(['verify', 'id', 'xmpp:pat@other.example'], VERIFIER)).toMatchObject({
      status: 'valid',
    });
    // No verifier account: the subject cannot be checked, and the reason says what to set.
    const none = await kez(['verify', 'id', 'xmpp:pat@other.example']);
    expect(none.status).toBe('unreachable');
    expect(JSON.stringify(none)).toMatch(/KEZ_XMPP_JID/);
  });

  it("pat's proof pasted into another account's vCard does not make that account valid; a wrong password publishes nothing", async () => {
    const p = await kez(['publish', 'xmpp:pat@other.example']);
    const env = loopbackEnv({ hostMap: prosody.hostMap, tlsCa: [prosody.cert.cert] });
    try {
      await setVcard(env, 'copy@other.example', 'copy-pw', [vcardField('DESC', p.paste!.text)]);
    } finally {
      await env.close();
    }
    // The short proof names pat's identity, whose chain does not claim copy@.
    expect(await kez(['verify', 'id', 'xmpp:copy@other.example'], VERIFIER)).toMatchObject({
      status: 'not_found',
    });
    const r = await runKez(home, ['--json', 'publish', 'xmpp:pat@other.example'], {
      XMPP_PASSWORD: 'wrong',
    });
    expect(r.code).not.toBe(0);
    expect(r.out + r.err, JSON.stringify(r)).toMatch(/XMPP_PASSWORD/);
  });
});

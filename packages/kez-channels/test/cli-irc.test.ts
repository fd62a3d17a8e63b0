// kez publish / verify id as the real CLI for the irc channel, against a real InspIRCd + Atheme
// network on loopback reached over TLS from the settings file (host map, tlsCa): without
// IRC_PASSWORD publish prints the NickServ line, which the test sends as the user would; with
// it, kez identifies and sets the property itself. verify id then reaches valid.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIrcNetwork, type IrcAccount, type IrcNetwork } from '@kez/test-kit/irc-server';
import { runKez } from '@kez/test-kit/kez-bin';
import { startSigServer, type RunningSigServer } from '@kez/test-kit/sig-server';

let net: IrcNetwork;
let sig: RunningSigServer;
let home: string;
let rose: IrcAccount;
let tom: IrcAccount;
let roseClaim: Record<string, unknown>;
const kez = async (args: string[], env: Record<string, string> = {}) => {
  const r = await runKez(home, ['--json', ...args], env);
  expect(r.code, `${args.join(' ')}: ${r.err}`).toBeLessThan(2);
  return JSON.parse(r.out) as Record<string, unknown> & {
    paste: { url: string; field: string; text: string };
    status: string;
  };
};

beforeAll(async () => {
  [net, sig] = await Promise.all([startIrcNetwork(), startSigServer()]);
  [rose, tom] = [await net.register('Rose'), await net.register('Tom')];
  home = await mkdtemp(join(tmpdir(), 'kez-cli-irc-'));
  await writeFile(
    join(home, 'channels.json'),
    JSON.stringify({
      hostMap: net.hostMap(), // https://: TLS, as in production
      tlsCa: [net.ca],
      allowLoopback: true,
      allowHttp: true, // for the sig-server on loopback
      sigServers: [sig.url],
    }),
  );
  for (const args of [
    ['key', 'gen', '--alg', 'ed25519'],
    ['sigchain', 'init'],
    ['sigchain', 'add', `irc:tom@${net.host}`],
  ]) {
    const r = await runKez(home, args);
    expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(0);
  }
  roseClaim = await kez(['claim', `irc:rose@${net.host}`, '--format', 'short']);
  expect((await runKez(home, ['sigchain', 'publish', '--server', sig.url])).code).toBe(0);
}, 120_000);
afterAll(async () => {
  await Promise.all([net?.stop(), sig?.close()]);
  if (home) await rm(home, { recursive: true, force: true });
});

describe('kez publish and verify id for irc', () => {
  it('kez claim names the place: the NickServ property KEZ of the account', () => {
    expect(roseClaim.place).toContain(`NickServ property KEZ of the account rose on ${net.host}`);
  });

  it('without IRC_PASSWORD: the printed /msg line, sent by the user, verifies', async () => {
    const p = await kez(['publish', `irc:rose@${net.host}`]);
    expect(p.paste.text).toMatch(/^\/msg NickServ SET PROPERTY KEZ \S*kez:id:/);
    const c = await net.client('Rose');
    try {
      await c.nickserv(`IDENTIFY Rose ${rose.password}`, /identified/);
      await c.nickserv(p.paste.text.replace(/^\/msg NickServ /, ''), /Metadata entry/);
    } finally {
      c.close();
    }
    expect(await kez(['verify', 'id', `irc:rose@${net.host}`])).toMatchObject({ status: 'valid' });
  });

  it('with IRC_PASSWORD: kez sets the property itself; a wrong password is refused', async () => {
    const wrong = await runKez(home, ['--json', 'publish', `irc:tom@${net.host}`], {
      IRC_PASSWORD: 'not-it',
    });
    expect(wrong.code).not.toBe(0);
    expect(`${wrong.out}${wrong.err}`).toMatch(/refused the password.*IRC_PASSWORD/s);
    expect(`${wrong.out}${wrong.err}`).not.toContain('not-it');
    const p = await kez(['publish', `irc:tom@${net.host}`], { IRC_PASSWORD: tom.password });
    expect(p.location).toContain(net.host);
    expect(JSON.stringify(p)).not.toContain(tom.password);
    expect(await kez(['verify', 'id', `irc:tom@${net.host}`])).toMatchObject({ status: 'valid' });
  });
});

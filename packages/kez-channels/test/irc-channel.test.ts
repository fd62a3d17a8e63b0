// irc channel (SPEC §10): a real IRC network on loopback — Debian's InspIRCd 3 with Atheme 7.2
// services linked to it — reached over TLS (a self-signed certificate trusted through tlsCa).
// The proof is the account's NickServ property KEZ, read with TAXONOMY; the owner is the
// account NickServ names. Hostile peers: another account's property, a nick grouped to another
// account, a bot in the channel every client is joined to, users taking the nick NickServ while
// the services are split (also with an operator's vhost), a stalling or flooding server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatShortProof, isKezError, parseSubject } from '@kez/core';
import {
  answerAs,
  IrcTestClient,
  lobbyBot,
  startHostileIrc,
  startIrcNetwork,
  taxonomyLines,
  type HostileIrc,
  type IrcNetwork,
} from '@kez/test-kit/irc-server';
import { TestChain } from '@kez/test-kit/chain-builder';
import { startSigServer, type RunningSigServer } from '@kez/test-kit/sig-server';
import { createBrowserChannelEnv } from '../src/browser.js';
import {
  channelsConfig,
  ircPlugin,
  sigServerTransport,
  type ChannelEnv,
  type OwnedChannelEnv,
} from '../src/index.js';
import type { ChannelsConfigInput } from '../src/config.js';
import type { PublishRequest, StreamSocket } from '../src/types.js';
import { judgeAt, kezError, loopbackEnv, verifyWithServer } from './helpers.js';

const HOST = 'irc.kez.test';
const me = TestChain.create({ seed: 61 });
let net: IrcNetwork;
let sig: RunningSigServer;
let short: string;
let bot: { targeted: string[] };
const hostile: HostileIrc[] = [];

const subject = (name: string) => `irc:${name}@${HOST}`;
const config = (n: IrcNetwork, extra: ChannelsConfigInput = {}): ChannelsConfigInput => ({
  hostMap: n.hostMap(),
  tlsCa: [n.ca],
  // The ircd and services run beside the tests under load; every read is still bounded.
  timeouts: { totalMs: 10_000, connectMs: 3_000, dnsMs: 2_000 },
  ...extra,
});
const withEnv = async <T>(
  input: ChannelsConfigInput,
  use: (env: OwnedChannelEnv) => Promise<T>,
) => {
  const env = loopbackEnv(input);
  try {
    return await use(env);
  } finally {
    await env.close();
  }
};
const judge = (name: string, n = net) =>
  withEnv(config(n), (env) => judgeAt(ircPlugin, subject(name), env, me.now));
const verify = (name: string) =>
  withEnv(config(net), (env) => verifyWithServer(subject(name), env, me.now, sig.url));
const request = (name: string, token?: string): PublishRequest => {
  const s = parseSubject(subject(name));
  const claim = me.claims.get(s.text) ?? me.add(s.text);
  return { subject: s, claim, compact: '', markdown: '', short, token, now: me.now };
};

/** The text the plugin's socket received and wrote; its NickServ commands held until `hold`. */
function spied(env: ChannelEnv, hold?: Promise<unknown>) {
  let received = '';
  const written: string[] = [];
  const decode = (d: string | Uint8Array) =>
    typeof d === 'string' ? d : new TextDecoder().decode(d);
  const dialStream = env.dialStream!;
  return {
    received: () => received,
    written,
    env: {
      ...env,
      dialStream: async (...args: Parameters<typeof dialStream>): Promise<StreamSocket> => {
        const s = await dialStream(...args);
        return {
          ...s,
          write(data) {
            written.push(decode(data));
            if (hold && decode(data).startsWith('PRIVMSG NickServ'))
              void hold.then(() => s.write(data));
            else s.write(data);
          },
          listen(onData, onEnd) {
            s.listen((chunk) => {
              received += decode(chunk);
              onData(chunk);
            }, onEnd);
          },
        };
      },
    } satisfies ChannelEnv,
  };
}

beforeAll(async () => {
  [net, sig] = await Promise.all([startIrcNetwork({ autojoin: ['#lobby'] }), startSigServer()]);
  short = formatShortProof(me.identity, sig.url);
  for (const name of ['alice', 'kim', 'victor', 'victor2', 'quiet', 'pat', 'plain', 'pub'])
    me.add(subject(name));
  await withEnv({}, (env) =>
    sigServerTransport.publishEvents!(sig.url, me.identity, me.events, env),
  );
  // Every client is joined to #lobby, where this bot tells each joiner the proof is theirs.
  const lobby = await net.client('NickServ_');
  bot = await lobbyBot(lobby, '#lobby', taxonomyLines('quiet', { KEZ: short }));
  await net.register('Alice', { properties: { KEZ: short } });
  await net.register('Kim', { properties: { kez: short } });
  await net.register('Mallory', { properties: { KEZ: short }, group: ['victor2'] });
  await net.register('Victor');
  await net.register('Quiet');
  await net.register('Pat', { properties: { KEY: short, URL: short } });
}, 120_000);
afterAll(async () => {
  await Promise.all([net?.stop(), sig?.close(), ...hostile.map((h) => h.close())]);
});

describe('irc channel: the account NickServ names, its KEZ property (TAXONOMY), over TLS', () => {
  it("the account's own property verifies; owner the account, case folded", async () => {
    const found = await withEnv(config(net), (env) =>
      ircPlugin.locate(parseSubject(subject('ALICE')), env),
    );
    expect(found).toHaveLength(1);
    expect(found[0]!.owner).toEqual({ subject: 'irc:alice@irc.kez.test' });
    expect(found[0]!.short).toEqual({ identity: me.identity, homes: [sig.url] });
    expect(await verify('alice')).toMatchObject({ status: 'valid', identity: me.identity });
  });

  it('the property name is matched without case, as Atheme does (kez = KEZ)', async () => {
    expect((await verify('kim')).status).toBe('valid');
  });

  it("another account's property never counts for the subject", async () => {
    expect(await judge('victor')).toEqual([]);
    expect(await verify('victor')).toMatchObject({ status: 'not_found' });
  });

  it('a nick grouped to another account is that account: subject_mismatch', async () => {
    expect(await judge('victor2')).toMatchObject([
      { status: 'invalid', code: 'subject_mismatch', thrown: true },
    ]);
    expect((await verify('victor2')).status).not.toBe('valid');
  });

  it('only the KEZ property is read (not KEY, Keyoxide’s, nor any other)', async () => {
    expect(await judge('pat')).toEqual([]);
  });

  it("a channel message or another user's NOTICE in NickServ's words never counts", async () => {
    const joinedBefore = bot.targeted.length;
    const sawBot = new Promise<void>((resolve) => {
      const started = Date.now();
      const timer = setInterval(() => {
        if (bot.targeted.length > joinedBefore || Date.now() - started > 5_000) {
          clearInterval(timer);
          // The bot's lines reach the plugin before NickServ is even asked.
          setTimeout(resolve, 300);
        }
      }, 20);
    });
    const found = await withEnv(config(net), async (env) => {
      const spy = spied(env, sawBot);
      const candidates = await ircPlugin.locate(parseSubject(subject('quiet')), spy.env);
      return { candidates, received: spy.received() };
    });
    expect(found.candidates).toEqual([]);
    expect(found.received).toMatch(/^:NickServ_!\S+ NOTICE kez\w+ :Taxonomy for .quiet.:/m);
    expect(found.received).toMatch(/^:NickServ_!\S+ PRIVMSG #lobby :KEZ +: \S*kez:id:/m);
  });

  it("the server's PING before the welcome is answered with its token (InspIRCd conn_waitpong)", async () => {
    const seen = await withEnv(config(net), async (env) => {
      const spy = spied(env);
      await ircPlugin.locate(parseSubject(subject('alice')), spy.env);
      return { received: spy.received(), written: spy.written.join('') };
    });
    const token = /^PING :(\S+)\r$/m.exec(seen.received)?.[1];
    expect(token).toBeDefined();
    expect(seen.written).toContain(`PONG :${token}\r\n`);
  });

  it('an unregistered nick is not_found (no_account)', async () => {
    expect(await judge('nobody')).toMatchObject([{ status: 'not_found', code: 'no_account' }]);
  });

  it('plain IRC (port 6667) only with allowHttp; TLS certificates are checked', async () => {
    const plain = config(net, { hostMap: net.hostMap(true) });
    expect(
      (
        await kezError(
          withEnv({ ...plain, allowHttp: false }, (env) =>
            ircPlugin.locate(parseSubject(subject('alice')), env),
          ),
        )
      ).code,
    ).toBe('blocked_address');
    expect(
      await withEnv(plain, (env) => ircPlugin.locate(parseSubject(subject('alice')), env)),
    ).toHaveLength(1);
    // An irc:// entry (given in code; a settings file holds http(s) URLs) is plain too.
    const ircUrl = config(net, { hostMap: { [HOST]: `irc://127.0.0.1:${net.plainPort}` } });
    expect(
      await withEnv(ircUrl, (env) => ircPlugin.locate(parseSubject(subject('alice')), env)),
    ).toHaveLength(1);
    const untrusted = { ...config(net), tlsCa: [] };
    expect(
      (
        await kezError(
          withEnv(untrusted, (env) => ircPlugin.locate(parseSubject(subject('alice')), env)),
        )
      ).code,
    ).toBe('network');
  });

  it('publish: IDENTIFY with the password, SET PROPERTY KEZ, read back; a wrong password is not_authorized', async () => {
    const pub = await net.register('Pub');
    const wrong = await kezError(
      withEnv(config(net), (env) => ircPlugin.publish!(request('pub', 'not-the-password'), env)),
    );
    expect(wrong.code).toBe('not_authorized');
    // A line break in the password would smuggle a second IRC command.
    const smuggled = `${pub.password}\r\nPRIVMSG #lobby :hello`;
    expect(
      (
        await kezError(
          withEnv(config(net), (env) => ircPlugin.publish!(request('pub', smuggled), env)),
        )
      ).code,
    ).toBe('malformed');
    expect(await judge('pub')).toEqual([]);
    const done = await withEnv(config(net), (env) =>
      ircPlugin.publish!(request('pub', pub.password), env),
    );
    expect(done.location).toContain('irc.kez.test');
    expect((await verify('pub')).status).toBe('valid');
  });

  it('paste gives the exact NickServ line', () => {
    const p = ircPlugin.paste!(request('alice'));
    expect(p.text).toBe(`/msg NickServ SET PROPERTY KEZ ${short}`);
    expect(p.url).toBe('ircs://irc.kez.test:6697');
  });
});

describe('irc channel: hostile servers and environments', () => {
  const at = async (mode: 'stall' | 'flood' | 'long-line') => {
    const h = await startHostileIrc(mode);
    hostile.push(h);
    return {
      hostMap: h.hostMap('bad.irc.example'),
      timeouts: { totalMs: 2_000, connectMs: 1_000, dnsMs: 1_000 },
    };
  };
  const locateAt = (input: ChannelsConfigInput) =>
    withEnv(input, (env) => ircPlugin.locate(parseSubject('irc:alice@bad.irc.example'), env));

  it('a server that never answers ends at the deadline (timeout)', async () => {
    const started = Date.now();
    expect((await kezError(locateAt(await at('stall')))).code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a flood of lines is cut at the byte cap (too_large)', async () => {
    expect((await kezError(locateAt(await at('flood')))).code).toBe('too_large');
  });

  it('a line without end is cut at 512 bytes (too_large)', async () => {
    const e = await kezError(locateAt(await at('long-line')));
    expect(e).toMatchObject({ code: 'too_large', evidence: { limit: 512 } });
  });

  it('a browser has no dialStream: a typed error, no crash', async () => {
    const env = createBrowserChannelEnv(channelsConfig(config(net)), {
      doh: 'https://doh.invalid/dns-query',
    });
    expect(env.dialStream).toBeUndefined();
    const e = await ircPlugin.locate(parseSubject(subject('alice')), env).catch((x: unknown) => x);
    expect(isKezError(e) && e.code).toBe('network');
  });
});

describe('irc channel: someone else holding the nick NickServ', () => {
  let split: IrcNetwork;
  const OPERS = [
    { name: 'mimic', password: 'mimic-pass', vhost: 'services.kez.test' },
    { name: 'local', password: 'local-pass', vhost: HOST },
  ];
  /** A client that takes the nick NickServ (as an operator with a vhost, when named). */
  const impostor = async (oper?: (typeof OPERS)[number]) => {
    const c = await split.client(`imp${Math.random().toString(36).slice(2, 8)}`);
    if (oper) {
      const up = c.waitFor(/ 381 /);
      c.send(`OPER ${oper.name} ${oper.password}`);
      await up;
    }
    for (let i = 0; ; i++) {
      const answer = c.waitFor(/ NICK :?NickServ$| 43[236] /i);
      c.send('NICK NickServ');
      if (/ NICK /.test(await answer)) break;
      if (i > 50) throw new Error('could not take the nick NickServ');
      await new Promise((r) => setTimeout(r, 100));
    }
    const fake = answerAs(c, () => taxonomyLines('Sam', { KEZ: short }));
    return { c, fake };
  };

  beforeAll(async () => {
    split = await startIrcNetwork({ opers: OPERS });
    await split.register('Sam', { properties: { KEZ: short } });
  }, 60_000);
  afterAll(async () => {
    await split?.stop();
  });

  it('with the services linked, no user can take the nick (433)', async () => {
    await expect(IrcTestClient.connect(split.plainPort, 'NickServ')).rejects.toThrow(/ 433 /);
    expect(await judge('sam', split)).toMatchObject([{ status: 'valid' }]);
  });

  it('services split: a user who took the nick is refused, and is never sent the password', async () => {
    await split.stopServices();
    const { c, fake } = await impostor();
    try {
      expect(await judge('sam', split)).toMatchObject([
        { status: 'invalid', code: 'not_authorized', thrown: true },
      ]);
      const e = await kezError(
        withEnv(config(split), (env) => ircPlugin.publish!(request('sam', 'sam-password'), env)),
      );
      expect(e.code).toBe('not_authorized');
      expect(fake.heard).toEqual([]);
    } finally {
      c.close();
    }
  });

  it("an operator with the services' host as vhost is still refused (it is on our server)", async () => {
    for (const oper of OPERS) {
      const { c, fake } = await impostor(oper);
      try {
        expect(await judge('sam', split)).toMatchObject([{ code: 'not_authorized' }]);
        expect(fake.heard).toEqual([]);
      } finally {
        c.close();
      }
    }
  });

  it('nobody answering as NickServ is unreachable (network), not not_found', async () => {
    // The impostors have quit: wait until the nick is free.
    for (let i = 0; i < 50; i++) {
      const v = await judge('sam', split);
      if (v[0]?.code !== 'not_authorized') {
        expect(v).toMatchObject([{ status: 'unreachable', code: 'network' }]);
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the nick NickServ stayed taken');
  });

  it('a network that reserves the nick (InspIRCd badnick): no user takes it even when split', async () => {
    const reserved = await startIrcNetwork({ reserveServiceNicks: true });
    try {
      await reserved.stopServices();
      await expect(IrcTestClient.connect(reserved.plainPort, 'NickServ')).rejects.toThrow(/ 432 /);
    } finally {
      await reserved.stop();
    }
  }, 60_000);
});

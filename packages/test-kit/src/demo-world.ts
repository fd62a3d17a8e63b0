// The demo's world, for `npm run demo` and kez-web's browser test alike: local peers (nsd, the
// GitHub, Mastodon, GitLab and Reddit stand-ins, a real nostr relay, a real atproto PDS + PLC, a DoH endpoint
// over nsd, the real sig-server serving the profile page and its fetch relay), one identity
// made with the real `kez` CLI, its accounts linked and proven, one revoked, the chain published.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDohStandin, type DohStandin } from './doh-standin.js';
import { startGithubStandin, type GithubStandin } from './github-standin.js';
import { KEZ_BIN } from './kez-bin.js';
import { profileServices } from './fixtures/profiles/index.js';
import { startMastodonStandin, type MastodonStandin } from './mastodon-standin.js';
import { startNsd, type RunningNsd } from './nsd.js';
import { startProfileStandin } from './profile-standin.js';
import { startSigServer, type RunningSigServer } from './sig-server.js';

export interface KezRun {
  code: number | null;
  out: string;
  err: string;
}

export interface DemoWorld {
  home: string;
  gh: GithubStandin;
  masto: MastodonStandin;
  sig: RunningSigServer;
  doh: DohStandin;
  nsd: RunningNsd;
  /** ws:// URL of the relay, when one could start. */
  relayUrl?: string;
  /** The channels settings the CLI uses (channels.json). */
  channels: Record<string, unknown>;
  identity: string;
  /** Every account the identity links; `revoked` is one of them. */
  subjects: string[];
  revoked: string;
  /** The identity's profile page on the sig-server. */
  pageUrl: string;
  /** Runs the real CLI in this world (async: the stand-ins live in this process). */
  kez(
    args: string[],
    opts?: { env?: Record<string, string>; allowFail?: boolean },
  ): Promise<KezRun>;
  stop(): Promise<void>;
}

export interface DemoOptions {
  /** Each CLI command and its output, and each step (the demo prints them). */
  log?: (line: string) => void;
}

export async function startDemoWorld(opts: DemoOptions = {}): Promise<DemoWorld> {
  const log = opts.log ?? (() => {});
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
  };
  try {
    return await build(log, stops, stop);
  } catch (e) {
    await stop();
    throw e;
  }
}

async function build(
  log: (line: string) => void,
  stops: Array<() => Promise<unknown>>,
  stop: () => Promise<void>,
): Promise<DemoWorld> {
  const home = await mkdtemp(join(tmpdir(), 'kez-demo-'));
  stops.push(() => rm(home, { recursive: true, force: true }));
  const gh = await startGithubStandin();
  stops.push(() => gh.close());
  const masto = await startMastodonStandin({ host: 'social.example' });
  stops.push(() => masto.close());
  // GitLab (kez writes the proof with the user's token) and Reddit (kez prints what to paste).
  const gitlab = await startProfileStandin(profileServices.gitlab);
  stops.push(() => gitlab.close());
  const reddit = await startProfileStandin(profileServices.reddit);
  stops.push(() => reddit.close());
  // The relay and the PDS are optional: the demo goes on without the channel they serve.
  const optionalPeer = async <T extends { stop(): Promise<void> }>(
    what: string,
    start: () => Promise<T>,
  ): Promise<T | null> => {
    try {
      const peer = await start();
      stops.push(() => peer.stop());
      return peer;
    } catch (e) {
      log(`  (no ${what}: ${(e as Error).message})`);
      return null;
    }
  };
  const relay = await optionalPeer('nostr relay', async () =>
    (await import('./nostr-relay.js')).startRelay(),
  );
  const pds = await optionalPeer('atproto PDS', async () => (await import('./pds.js')).startPds());
  const bsky = pds ? await pds.createAccount('alice') : null;
  // nsd serves the handle's _atproto record now, and the _kez record once it is published.
  const zone = bsky ? [{ name: '_atproto.alice.test', strings: [`did=${bsky.did}`] }] : [];
  let nsd = await startNsd([...zone, { name: '_kez.alice.example', strings: ['v=placeholder'] }]);
  stops.push(() => nsd.stop());
  const doh = await startDohStandin(nsd.server);
  stops.push(() => doh.close());

  const hostMap = {
    ...gh.hostMap,
    ...masto.hostMap,
    ...gitlab.hostMap,
    ...reddit.hostMap,
    ...(pds ? { 'alice.test': new URL(pds.pdsUrl).origin } : {}),
  };
  const loopback = { allowLoopback: true, allowHttp: true }; // the demo's services are on 127.0.0.1
  const pageChannels = {
    sigServers: ['self'],
    hostMap,
    ...(pds ? { plcDirectory: pds.plcUrl } : {}),
    nostrRelays: relay ? [relay.url] : [],
    ...loopback,
  };
  const sig = await startSigServer({
    web: {
      pageSettings: { channels: pageChannels, doh: doh.endpoint, relay: 'self' },
      relay: { channels: { hostMap, ...loopback } },
    },
  });
  stops.push(() => sig.close());
  log(`  GitHub API stand-in   ${gh.url}  (as api.github.com, gist.githubusercontent.com)`);
  log(`  Mastodon stand-in     ${masto.url}  (as social.example)`);
  log(`  GitLab stand-in       ${gitlab.url}  (as ${gitlab.host})`);
  log(`  Reddit stand-in       ${reddit.url}  (as ${reddit.host})`);
  log(`  sig-server            ${sig.url}  (with the profile page)`);
  if (relay) log(`  nostr relay           ${relay.url}`);
  if (pds) log(`  atproto PDS + PLC     ${pds.pdsUrl}, ${pds.plcUrl}`);
  log(`  DNS (nsd)             ${nsd.server}, over HTTPS-style JSON at ${doh.endpoint}`);

  gh.addUser('alice', 1001);
  gh.addToken('demo-gh-token', 'alice');
  gh.addUser('alice-old', 1002);
  gh.addToken('demo-gh-token-old', 'alice-old');
  masto.addAccount('alice', { summary: '<p>Alice on the fediverse</p>' });
  masto.addToken('demo-masto-token', 'alice');
  gitlab.addAccount('alice', { bio: 'Compilers.' });
  gitlab.addToken('demo-gitlab-token', 'alice');
  reddit.addAccount('alice_r');

  const baseEnv = { KEZ_HOME: home, NO_COLOR: process.env.NO_COLOR ?? '' };
  const channels = {
    hostMap,
    ...(pds ? { plcDirectory: pds.plcUrl } : {}),
    ...loopback,
    sigServers: [sig.url],
    nostrRelays: relay ? [relay.url] : [],
    dnsServers: [nsd.server],
  };
  await writeFile(join(home, 'channels.json'), JSON.stringify(channels, null, 2));

  const kez: DemoWorld['kez'] = (args, o = {}) =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [KEZ_BIN, ...args], {
        env: { ...process.env, ...baseEnv, ...o.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      child.stderr.on('data', (d) => {
        err += d;
      });
      child.on('close', (code) => {
        if (code !== 0 && !o.allowFail)
          reject(new Error(`kez ${args.join(' ')} exited ${code}: ${err.trim()}`));
        else resolve({ code, out: out.trim(), err: err.trim() });
      });
    });
  const shown = async (args: string[], env?: Record<string, string>) => {
    const r = await kez(args, { env });
    log(`$ kez ${args.join(' ')}`);
    if (r.out)
      log(
        r.out
          .split('\n')
          .map((l) => `  ${l}`)
          .join('\n'),
      );
    return r;
  };

  log('== an identity and its accounts (real kez CLI)');
  const keyId = (await shown(['key', 'gen', '--alg', 'nostr'])).out
    .split(/\s+/)
    .find((w) => w.startsWith('nostr:npub1'));
  await shown(['sigchain', 'init']);
  const revoked = 'github:alice-old';
  const subjects = [
    'github:alice',
    'ap:@alice@social.example',
    'dns:alice.example',
    `gitlab:alice@${gitlab.host}`,
    'reddit:alice_r',
    ...(relay && keyId ? [keyId] : []),
    ...(bsky ? ['bluesky:alice.test'] : []),
    revoked,
  ];
  for (const s of subjects) await shown(['sigchain', 'add', s, '--locator', sig.url]);

  log('== publishing the proofs where only each account can write');
  await shown(['publish', 'github:alice'], { GITHUB_TOKEN: 'demo-gh-token' });
  await shown(['publish', revoked], { GITHUB_TOKEN: 'demo-gh-token-old' });
  await shown(['publish', 'ap:@alice@social.example'], { MASTODON_TOKEN: 'demo-masto-token' });
  await shown(['publish', `gitlab:alice@${gitlab.host}`], { GITLAB_TOKEN: 'demo-gitlab-token' });
  const paste = JSON.parse((await kez(['--json', 'publish', 'reddit:alice_r'])).out) as {
    paste: { url: string; field: string; text: string };
  };
  log(`$ kez publish reddit:alice_r\n  paste into ${paste.paste.field} at ${paste.paste.url}:`);
  log(`  ${paste.paste.text}`);
  // The person pastes exactly that text into their Reddit profile.
  reddit.addAccount('alice_r', { about: paste.paste.text });
  log('  (pasted into the Reddit stand-in)');
  if (relay && keyId) await shown(['publish', keyId]);
  if (bsky) await shown(['publish', 'bluesky:alice.test'], { BLUESKY_APP_PASSWORD: bsky.password });
  const dns = JSON.parse((await kez(['--json', 'publish', 'dns:alice.example'])).out) as {
    name: string;
    value: string;
    zone_line: string;
  };
  log(`$ kez publish dns:alice.example\n  ${dns.zone_line}`);
  // The value is the short proof, one TXT string as a provider's form takes it (no quotes).
  const strings = [dns.value];
  await nsd.stop();
  nsd = await startNsd([...zone, { name: dns.name, strings }], { port: nsd.port });
  log(`  (record added to the zone; nsd reloaded on ${nsd.server})`);

  log('== revoking one account, then publishing the sigchain');
  await shown(['sigchain', 'revoke', revoked, '--reason', 'account closed']);
  await shown(['sigchain', 'publish', '--server', sig.url]);
  const shownChain = JSON.parse((await kez(['--json', 'sigchain', 'show'])).out) as {
    identity: string;
  };
  const identity = shownChain.identity;
  return {
    home,
    gh,
    masto,
    sig,
    doh,
    get nsd() {
      return nsd;
    },
    ...(relay ? { relayUrl: relay.url } : {}),
    channels,
    identity,
    subjects,
    revoked,
    pageUrl: `${sig.url}/id/${identity.slice('kez:id:'.length)}`,
    kez,
    stop,
  };
}

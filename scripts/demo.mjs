#!/usr/bin/env node
// `npm run demo`: the main job end to end on this machine, no internet. Starts local peers
// (nsd, GitHub, Mastodon, GitLab and Reddit stand-ins, the real sig-server, a real nostr relay,
// a real atproto PDS + PLC), makes an identity with the real `kez` CLI, links its accounts,
// publishes the proofs (or pastes what kez says to, where it cannot write), revokes one,
// then runs `kez verify id` and shows the graph. Everything is stopped at the end.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as peers from '@kez/test-kit';
import { KEZ_BIN as KEZ } from '@kez/test-kit/kez-bin';
import { startSigServer } from '@kez/test-kit/sig-server';

const bold = (s) => (process.stdout.isTTY && !process.env.NO_COLOR ? `\x1b[1m${s}\x1b[22m` : s);
const step = (s) => console.log(`\n${bold(`== ${s}`)}`);

const stops = [];
async function stopAll() {
  for (const stop of stops.reverse()) await stop().catch(() => {});
}

/** Runs the real CLI (async: the stand-ins live in this process and must keep answering). */
function kez(args, { env = {}, show = true, allowFail = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KEZ, ...args], {
      env: { ...process.env, ...baseEnv, ...env },
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
      if (show) {
        console.log(`$ kez ${args.join(' ')}`);
        if (out.trim())
          console.log(
            out
              .trimEnd()
              .split('\n')
              .map((l) => `  ${l}`)
              .join('\n'),
          );
      }
      if (code !== 0 && !allowFail)
        reject(new Error(`kez ${args.join(' ')} exited ${code}: ${err.trim()}`));
      else resolve({ code, out: out.trim(), err: err.trim() });
    });
  });
}

let baseEnv = {};
try {
  step('starting local peers (loopback only)');
  const home = await mkdtemp(join(tmpdir(), 'kez-demo-'));
  stops.push(() => rm(home, { recursive: true, force: true }));
  const gh = await peers.startGithubStandin();
  stops.push(() => gh.close());
  const masto = await peers.startMastodonStandin({ host: 'social.example' });
  stops.push(() => masto.close());
  const sig = await startSigServer();
  stops.push(() => sig.close());
  // Two profile channels on their API stand-ins: one kez writes (GitLab), one it cannot (Reddit).
  const gitlab = await peers.startProfileStandin(peers.profileServices.gitlab);
  stops.push(() => gitlab.close());
  const reddit = await peers.startProfileStandin(peers.profileServices.reddit);
  stops.push(() => reddit.close());
  // The relay and the PDS are optional: the demo goes on without the channel they serve.
  const optionalPeer = async (what, start) => {
    try {
      const peer = await start();
      stops.push(() => peer.stop());
      return peer;
    } catch (e) {
      console.log(`  (no ${what}: ${e.message})`);
      return null;
    }
  };
  const relay = await optionalPeer('nostr relay', async () =>
    (await import('@kez/test-kit/nostr-relay')).startRelay(),
  );
  const pds = await optionalPeer('atproto PDS', async () =>
    (await import('@kez/test-kit/pds')).startPds(),
  );
  const bsky = pds ? await pds.createAccount('alice') : null;
  // nsd serves the handle's _atproto record now, and the _kez record once it is published.
  const zone = bsky ? [{ name: '_atproto.alice.test', strings: [`did=${bsky.did}`] }] : [];
  let nsd = await peers.startNsd([
    ...zone,
    { name: '_kez.alice.example', strings: ['v=placeholder'] },
  ]);
  stops.push(() => nsd.stop());
  console.log(`  GitHub API stand-in   ${gh.url}  (as api.github.com, gist.githubusercontent.com)`);
  console.log(`  Mastodon stand-in     ${masto.url}  (as social.example)`);
  console.log(`  GitLab, Reddit APIs   ${gitlab.url}, ${reddit.url}  (stand-ins)`);
  console.log(`  sig-server            ${sig.url}`);
  if (relay) console.log(`  nostr relay           ${relay.url}`);
  if (pds) console.log(`  atproto PDS + PLC     ${pds.pdsUrl}, ${pds.plcUrl}`);
  console.log(`  DNS (nsd)             ${nsd.server}`);

  gh.addUser('alice', 1001);
  gh.addToken('demo-gh-token', 'alice');
  gh.addUser('alice-old', 1002);
  gh.addToken('demo-gh-token-old', 'alice-old');
  masto.addAccount('alice', { summary: '<p>Alice on the fediverse</p>' });
  masto.addToken('demo-masto-token', 'alice');
  gitlab.addAccount('alice', { bio: 'Alice writes compilers.' });
  gitlab.addToken('demo-gl-token', 'alice');

  baseEnv = { KEZ_HOME: home, NO_COLOR: process.env.NO_COLOR ?? '' };
  const channels = {
    hostMap: {
      ...gh.hostMap,
      ...masto.hostMap,
      ...gitlab.hostMap,
      ...reddit.hostMap,
      ...(pds ? { 'alice.test': new URL(pds.pdsUrl).origin } : {}),
    },
    ...(pds ? { plcDirectory: pds.plcUrl } : {}),
    allowLoopback: true, // the demo's services are on 127.0.0.1; never on by default
    allowHttp: true,
    sigServers: [sig.url],
    nostrRelays: relay ? [relay.url] : [],
    dnsServers: [nsd.server],
  };
  const writeChannels = () =>
    writeFile(join(home, 'channels.json'), JSON.stringify(channels, null, 2));
  await writeChannels();

  step('an identity and its accounts (real kez CLI)');
  const keyId = (await kez(['key', 'gen', '--alg', 'nostr'])).out
    .split(/\s+/)
    .find((w) => w.startsWith('nostr:npub1'));
  await kez(['sigchain', 'init']);
  const subjects = [
    'github:alice',
    'ap:@alice@social.example',
    'dns:alice.example',
    ...(relay && keyId ? [keyId] : []),
    ...(bsky ? ['bluesky:alice.test'] : []),
    'github:alice-old',
  ];
  for (const s of subjects) await kez(['sigchain', 'add', s, '--locator', sig.url]);
  // Profile texts keep a short proof only: the claim lives in the chain.
  const profiles = ['gitlab:alice@gitlab.com', 'reddit:alice'];
  for (const s of profiles) await kez(['claim', s, '--format', 'short'], { show: false });
  subjects.push(...profiles);

  step('publishing the proofs where only each account can write');
  await kez(['publish', 'github:alice'], { env: { GITHUB_TOKEN: 'demo-gh-token' } });
  await kez(['publish', 'github:alice-old'], { env: { GITHUB_TOKEN: 'demo-gh-token-old' } });
  await kez(['publish', 'ap:@alice@social.example'], {
    env: { MASTODON_TOKEN: 'demo-masto-token' },
  });
  await kez(['publish', 'gitlab:alice@gitlab.com'], { env: { GITLAB_TOKEN: 'demo-gl-token' } });
  // Reddit has no API for the profile text: kez says what to paste where; the demo pastes it.
  await kez(['publish', 'reddit:alice']);
  const paste = JSON.parse((await kez(['--json', 'publish', 'reddit:alice'], { show: false })).out);
  reddit.addAccount('alice', { about: paste.paste.text });
  if (relay && keyId) await kez(['publish', keyId]);
  if (bsky)
    await kez(['publish', 'bluesky:alice.test'], { env: { BLUESKY_APP_PASSWORD: bsky.password } });
  const dns = JSON.parse(
    (await kez(['--json', 'publish', 'dns:alice.example'], { show: false })).out,
  );
  console.log(
    `$ kez publish dns:alice.example\n  ${dns.name}. 3600 IN TXT ${dns.value.slice(0, 60)}…`,
  );
  const strings = [...dns.value.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
  await nsd.stop();
  nsd = await peers.startNsd([...zone, { name: dns.name, strings }], { port: nsd.port });
  console.log(`  (record added to the zone; nsd reloaded on ${nsd.server})`);

  step('revoking one account, then publishing the sigchain');
  await kez(['sigchain', 'revoke', 'github:alice-old', '--reason', 'account closed']);
  await kez(['sigchain', 'publish', '--server', sig.url]);

  step('verifying the identity graph from one account');
  const human = await kez(['verify', 'id', 'github:alice'], { allowFail: true });
  const json = JSON.parse(
    (await kez(['--json', 'verify', 'id', 'github:alice'], { show: false, allowFail: true })).out,
  );
  const summary = Object.fromEntries(
    json.edges.map((e) => [e.subject, e.code ? `${e.status} (${e.code})` : e.status]),
  );
  console.log(`\nexit code ${human.code}; edges: ${JSON.stringify(summary)}`);
  const expectValid = subjects.filter((s) => s !== 'github:alice-old');
  const ok =
    json.status === 'valid' &&
    expectValid.every((s) => summary[s] === 'valid') &&
    summary['github:alice-old']?.startsWith('revoked');
  console.log(
    ok
      ? '\ndemo: OK — every live account verified, the revoked one is revoked'
      : '\ndemo: UNEXPECTED RESULT',
  );
  process.exitCode = ok ? 0 : 1;
} catch (e) {
  console.error(`demo failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
} finally {
  step('stopping peers');
  await stopAll();
}

// SPEC §6.8 end to end with the real CLI: an owner claims three accounts with short proofs,
// publishes to the homes, rotates; a thief holding a primary key appends a branch claiming its
// own account; the owner recovers with the committed key alone and publishes. Every verifier —
// asking the relay, the sig-server, or both in either order — picks the owner's branch and
// shows the thief's as superseded. Real sig-server and relay; GitHub/Mastodon stand-ins; nsd.
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startGithubStandin,
  startMastodonStandin,
  startNsd,
  type GithubStandin,
  type MastodonStandin,
  type RunningNsd,
} from '@kez/test-kit';
import { startRelay, type RunningRelay } from '@kez/test-kit/nostr-relay';
import { startSigServer, type RunningSigServer } from '@kez/test-kit/sig-server';
import { ok, runJson, tempHome } from './cli.js';

/** A host name, not the loopback address, so a verifier's settings can leave it out. */
const SIG_HOME = 'http://sig.kez.test';
const CLOSED = 'http://127.0.0.1:1';

let gh: GithubStandin;
const READ_TOKEN = 'reader-token';
let masto: MastodonStandin;
let sig: RunningSigServer;
let relay: RunningRelay;
const zones: RunningNsd[] = [];
const dirs: ReturnType<typeof tempHome>[] = [];

beforeAll(async () => {
  [gh, masto, sig, relay] = await Promise.all([
    startGithubStandin(),
    startMastodonStandin(),
    startSigServer(),
    startRelay(),
  ]);
  // This walk verifies more than GitHub's 60 unauthenticated requests an hour allow: every
  // verifier here reads with a token, as the README tells a frequent verifier to.
  gh.addToken(READ_TOKEN, 'reader');
});
afterAll(async () => {
  await Promise.all([gh.close(), masto.close(), sig.close(), relay.stop()]);
  await Promise.all(zones.map((z) => z.stop()));
  for (const d of dirs) d.cleanup();
});

function store(): string {
  const d = tempHome();
  dirs.push(d);
  mkdirSync(d.home, { recursive: true });
  return d.home;
}

/** The settings a store gets: the service hosts at the local peers, one of the two homes cut off if asked. */
function settings(home: string, dns: string, reach: { sig?: boolean; relay?: boolean } = {}) {
  const relayHttp = reach.relay === false ? CLOSED : relay.url.replace(/^ws/, 'http');
  writeFileSync(
    join(home, 'channels.json'),
    JSON.stringify({
      github_token: READ_TOKEN,
      hostMap: {
        ...gh.hostMap,
        ...masto.hostMap,
        'relay.damus.io': relayHttp,
        'nos.lol': relayHttp,
        'sig.kez.test': reach.sig === false ? CLOSED : sig.url,
      },
      allowLoopback: true,
      allowHttp: true,
      dnsServers: [dns],
    }),
  );
}

const kez = (home: string, args: string[], env: Record<string, string> = {}) =>
  ok(args, { home, env, realClock: true });
const kezJson = (home: string, args: string[]) => runJson(args, { home, realClock: true });

interface Owner {
  home: string;
  dns: string;
  identity: string;
  short: string;
  accounts: string[];
}

/** key gen → init with the sig-server home → 3 short-proof claims at their places → publish → all valid. */
async function setUpOwner(name: string): Promise<Owner> {
  const home = store();
  await kez(home, ['key', 'gen']);
  const init = await kezJson(home, ['sigchain', 'init', '--sig-server', SIG_HOME]);
  expect(init.code).toBe(0);
  const identity: string = init.doc.identity;
  const short = `${SIG_HOME}/${identity}`;
  const zone = await startNsd([{ name: `_kez.${name}.example`, strings: [short] }]);
  zones.push(zone);
  settings(home, zone.server);
  const accounts = [`github:${name}`, `ap:@${name}@social.example`, `dns:${name}.example`];
  for (const a of accounts) {
    const c = await kez(home, ['claim', a, '--format', 'short']);
    expect(c.stdout.trim()).toBe(short);
  }
  gh.addUser(name, undefined, `hello — ${short}`);
  masto.addAccount(name);
  masto.addToken(`${name}-token`, name);
  await kez(home, ['publish', accounts[1]!], { MASTODON_TOKEN: `${name}-token` });
  const p = await kezJson(home, ['sigchain', 'publish']);
  expect(p.code, JSON.stringify(p.doc)).toBe(0);
  for (const a of accounts) expect(await statusOf(home, a)).toBe('valid');
  return { home, dns: zone.server, identity, short, accounts };
}

async function statusOf(home: string, subject: string): Promise<string> {
  return (await kezJson(home, ['verify', 'id', subject])).doc.status;
}

/** The thief's store: a copy of the owner's; its claim for its own account, placed. */
async function thiefClaims(owner: Owner, copy: string, account: string): Promise<string> {
  const c = await kez(copy, ['claim', `github:${account}`, '--format', 'short']);
  expect(c.stdout.trim()).toBe(owner.short);
  gh.addUser(account, undefined, owner.short);
  return (await kezJson(copy, ['sigchain', 'show'])).doc.head.hash;
}

/** Every way of asking: the relay only, the sig-server only, both in each order. */
async function everyVerifier(owner: Owner, thiefAccount: string, thiefEvent: string) {
  // A short proof links to the sig-server home only: a verifier without it names the relay.
  const ways: Array<{ reach: { sig?: boolean; relay?: boolean }; flags: string[] }> = [
    { reach: { sig: false }, flags: ['--sig-server', 'wss://relay.damus.io'] },
    { reach: { relay: false }, flags: [] },
    { reach: {}, flags: ['--sig-server', SIG_HOME, '--sig-server', 'wss://relay.damus.io'] },
    { reach: {}, flags: ['--sig-server', 'wss://relay.damus.io', '--sig-server', SIG_HOME] },
  ];
  for (const way of ways) {
    const label = JSON.stringify(way);
    const home = store();
    settings(home, owner.dns, way.reach);
    const v = await kezJson(home, ['verify', 'id', ...way.flags, owner.accounts[0]!]);
    expect(v.doc.status, label).toBe('valid');
    expect(
      Object.fromEntries(
        v.doc.edges.map((e: { subject: string; status: string }) => [e.subject, e.status]),
      ),
      label,
    ).toEqual(Object.fromEntries(owner.accounts.map((a) => [a, 'valid'])));
    expect(v.doc.chain.evidence.superseded, label).toEqual([
      expect.objectContaining({ hash: thiefEvent }),
    ]);
    const t = await kezJson(home, ['verify', 'id', ...way.flags, `github:${thiefAccount}`]);
    expect(t.doc.status, label).not.toBe('valid');
  }
}

describe('recovery walk (SPEC §6.8)', () => {
  it('a thief with the old primary after a rotation: the owner recovers without the primary key file', async () => {
    const owner = await setUpOwner('alice');
    const stolen = store();
    cpSync(owner.home, stolen, { recursive: true });
    const rot = await kez(owner.home, ['sigchain', 'rotate']);
    expect(rot.stdout).toContain('3 claim(s) signed by the old key stay valid');

    // The owner has not published the rotation yet: the thief's branch reaches both homes first.
    const thiefEvent = await thiefClaims(owner, stolen, 'mallory');
    expect((await kezJson(stolen, ['sigchain', 'publish'])).code).toBe(0);

    rmSync(join(owner.home, 'keys', 'default.json'));
    const rec = await kezJson(owner.home, ['sigchain', 'recover']);
    expect(rec.code, JSON.stringify(rec.doc)).toBe(0);
    expect(rec.doc.superseded).toEqual([expect.objectContaining({ hash: thiefEvent })]);
    const pub = await kezJson(owner.home, ['sigchain', 'publish']);
    expect(pub.code, JSON.stringify(pub.doc)).toBe(0);
    await everyVerifier(owner, 'mallory', thiefEvent);
  });

  it('a thief with the current primary reaches the sig-server first; recovery reorganizes it', async () => {
    const owner = await setUpOwner('bob');
    const stolen = store();
    cpSync(owner.home, stolen, { recursive: true });
    const thiefEvent = await thiefClaims(owner, stolen, 'eve');
    for (const server of [SIG_HOME, 'wss://relay.damus.io'])
      expect((await kezJson(stolen, ['sigchain', 'publish', '--server', server])).code).toBe(0);
    expect(await statusOf(owner.home, `github:eve`)).toBe('valid'); // the thief's branch, for now

    const rec = await kezJson(owner.home, ['sigchain', 'recover']);
    expect(rec.code, JSON.stringify(rec.doc)).toBe(0);
    expect(rec.doc.superseded).toEqual([expect.objectContaining({ hash: thiefEvent })]);
    const pub = await kezJson(owner.home, ['sigchain', 'publish']);
    expect(pub.code, JSON.stringify(pub.doc)).toBe(0);
    await everyVerifier(owner, 'eve', thiefEvent);

    // The sig-server's main line is the owner's again: a new claim lands there.
    await kez(owner.home, ['claim', 'github:bob-new', '--format', 'short']);
    gh.addUser('bob-new', undefined, owner.short);
    const more = await kezJson(owner.home, ['sigchain', 'publish', '--server', SIG_HOME]);
    expect(more.code, JSON.stringify(more.doc)).toBe(0);
    const fresh = store();
    settings(fresh, owner.dns, { relay: false });
    expect(await statusOf(fresh, 'github:bob-new')).toBe('valid');
  });
});

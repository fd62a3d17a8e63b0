// The per-plugin hooks of the channel contract test (plugin-contract.test.ts): for each
// channel, a world of real peers or stand-ins where the test can put an honest account, an
// unknown one, and each hostile case. A case a channel cannot have says why ({ na }). A plugin
// in the registry without a world here fails the contract test.
import { formatShortProof } from '@kez/core';
import {
  profileServices,
  respondHostile,
  sendText,
  startHttp,
  startGithubStandin,
  startMastodonStandin,
  startNsd,
  startProfileStandin,
  type HostileMode,
  type ProfileServiceName,
  type RunningHttp,
  type ProfileStandin,
  type RunningNsd,
} from '@kez/test-kit';
import { TestChain } from '@kez/test-kit/chain-builder';
import { startRelay, type RunningRelay } from '@kez/test-kit/nostr-relay';
import { startPds } from '@kez/test-kit/pds';
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { withRelay } from '../src/channels/nostr-relay-client.js';
import { ownerSubjectOf } from '../src/channels/nostr-event.js';
import type { ChannelsConfigInput } from '../src/config.js';
import { loopbackEnv } from './helpers.js';

export type Case = Promise<string> | { na: string };

export interface ContractWorld {
  config: ChannelsConfigInput;
  /** HTTP requests the peer has seen, when the place is read over HTTP (else undefined). */
  httpRequests(): number | undefined;
  /** An account whose own place holds the identity's proof. */
  honest(): Promise<string>;
  /** An account that does not exist. */
  missing(): string;
  /** The place answers for the subject with another account's document, which holds the proof. */
  planted(): Case;
  /** The proof is only in a comment or reply about the account. */
  inComment(): Case;
  /** Whether the comment/reply route was requested. */
  commentsRead(): boolean;
  /** The place redirects off the service. */
  redirectOff(): Case;
  /** The place answers with 50 MB. */
  huge(): Case;
  close(): Promise<void>;
}

/** The identity whose short proof the worlds plant. */
export const contractIdentity = TestChain.create({ seed: 77 });
const SHORT = formatShortProof(contractIdentity.identity);

/** ORCID iDs: 15 digits and the ISO 7064 MOD 11-2 check character. */
export function orcidId(n: number): string {
  const base = `000000019${String(n).padStart(6, '0')}`;
  let total = 0;
  for (const d of base) total = (total + Number(d)) * 2;
  const check = (12 - (total % 11)) % 11;
  const all = base + (check === 10 ? 'X' : String(check));
  return all.match(/.{4}/g)!.join('-');
}

/** How a profile channel's subjects and account names look, and which field holds the proof. */
const PROFILE: Record<
  ProfileServiceName,
  { field: string; name(i: number): string; subject(name: string, host: string): string }
> = {
  gitlab: { field: 'bio', name: (i) => `user${i}`, subject: (n, h) => `gitlab:${n}@${h}` },
  gitea: { field: 'description', name: (i) => `user${i}`, subject: (n, h) => `gitea:${n}@${h}` },
  discourse: { field: 'bio', name: (i) => `user${i}`, subject: (n, h) => `discourse:${n}@${h}` },
  owncast: { field: 'summary', name: () => 'admin', subject: (_n, h) => `owncast:${h}` },
  hackernews: { field: 'about', name: (i) => `User${i}`, subject: (n) => `hackernews:${n}` },
  reddit: { field: 'about', name: (i) => `user${i}`, subject: (n) => `reddit:${n}` },
  lobsters: { field: 'about', name: (i) => `user${i}`, subject: (n) => `lobsters:${n}` },
  lichess: { field: 'bio', name: (i) => `user${i}`, subject: (n) => `lichess:${n}` },
  liberapay: { field: 'statement', name: (i) => `user${i}`, subject: (n) => `liberapay:${n}` },
  stackexchange: {
    field: 'about',
    name: (i) => String(1000 + i),
    subject: (n) => `stackexchange:${n}@stackoverflow.com`,
  },
  orcid: { field: 'url', name: (i) => orcidId(i), subject: (n) => `orcid:${n}` },
};

async function profileWorld(channel: ProfileServiceName): Promise<ContractWorld> {
  const shape = PROFILE[channel];
  // Owncast's owner is the host: each case gets its own server (host).
  const servers: ProfileStandin[] = [];
  const server = async (host?: string) => {
    const s = await startProfileStandin(profileServices[channel], host ? { host } : {});
    servers.push(s);
    return s;
  };
  const main = await server();
  let n = 0;
  const fresh = async () => {
    const s = channel === 'owncast' ? await server(`case${++n}.watch.example`) : main;
    const name = shape.name(++n);
    return { s, name, subject: shape.subject(name, s.host) };
  };
  const config = (): ChannelsConfigInput => ({
    hostMap: Object.assign({}, ...servers.map((s) => s.hostMap)),
  });
  const world: ContractWorld = {
    get config() {
      return config();
    },
    httpRequests: () => servers.reduce((t, s) => t + s.requests.length, 0),
    async honest() {
      const { s, name, subject } = await fresh();
      s.addAccount(name, { [shape.field]: `Hello. ${SHORT}` });
      return subject;
    },
    missing: () => shape.subject(shape.name(999), main.host),
    planted:
      channel === 'owncast'
        ? () => ({ na: 'the owner is the host itself: no other account answers for it' })
        : async () => {
            const victim = await fresh();
            const attacker = shape.name(++n);
            victim.s.addAccount(victim.name);
            victim.s.addAccount(attacker, { [shape.field]: SHORT });
            victim.s.impersonate(victim.name, attacker);
            return victim.subject;
          },
    async inComment() {
      const { s, name, subject } = await fresh();
      s.addAccount(name, { [shape.field]: 'nothing here' });
      s.addComment(name, SHORT);
      return subject;
    },
    commentsRead: () => servers.some((s) => s.commentsRequested()),
    async redirectOff() {
      const { s, name, subject } = await fresh();
      s.addAccount(name, { [shape.field]: SHORT });
      s.redirectOff(name);
      return subject;
    },
    async huge() {
      const { s, name, subject } = await fresh();
      s.addAccount(name, { [shape.field]: SHORT });
      s.setHostile(name, 'huge');
      return subject;
    },
    async close() {
      await Promise.all(servers.map((s) => s.close()));
    },
  };
  return world;
}

async function githubWorld(): Promise<ContractWorld> {
  const gh = await startGithubStandin();
  let n = 0;
  let commentGist = '';
  return {
    config: { hostMap: gh.hostMap },
    httpRequests: () => gh.requests.length,
    async honest() {
      const login = `honest${++n}`;
      gh.addUser(login, 100 + n, `me: ${SHORT}`);
      return `github:${login}`;
    },
    missing: () => 'github:nobody-at-all',
    async planted() {
      // A gist listed under the victim but owned by the attacker, holding a claim for the victim.
      const victim = `victim${++n}`;
      gh.addUser(victim, 100 + n);
      gh.addUser(`mallory${n}`, 900 + n);
      const c = contractIdentity.add(`github:${victim}`);
      gh.addGist(`mallory${n}`, { 'kez.md': TestChain.markdown(c) }, { listedUnder: victim });
      return `github:${victim}`;
    },
    async inComment() {
      const login = `quiet${++n}`;
      gh.addUser(login, 100 + n);
      commentGist = gh.addGist(login, { 'notes.md': 'hello' });
      gh.addComment(commentGist, login, SHORT);
      return `github:${login}`;
    },
    commentsRead: () => gh.requests.some((r) => r.includes('/comments')),
    async redirectOff() {
      const login = `moved${++n}`;
      gh.addUser(login, 100 + n);
      const c = contractIdentity.add(`github:${login}`);
      const gist = gh.addGist(login, { 'kez.md': TestChain.markdown(c) });
      gh.setHostile(gist, 'kez.md', 'redirect-metadata');
      return `github:${login}`;
    },
    async huge() {
      const login = `big${++n}`;
      gh.addUser(login, 100 + n);
      const c = contractIdentity.add(`github:${login}`);
      const gist = gh.addGist(login, { 'kez.md': TestChain.markdown(c) });
      gh.setHostile(gist, 'kez.md', 'huge');
      return `github:${login}`;
    },
    close: () => gh.close(),
  };
}

async function apWorld(): Promise<ContractWorld> {
  const m = await startMastodonStandin({ host: 'social.example' });
  let n = 0;
  const kez = (value: string) => ({ fields: [{ name: 'KEZ', value }] });
  return {
    config: { hostMap: m.hostMap },
    httpRequests: () => m.requests.length,
    async honest() {
      m.addAccount(`honest${++n}`, kez(SHORT));
      return `ap:@honest${n}@social.example`;
    },
    missing: () => 'ap:@nobody@social.example',
    async planted() {
      const victim = `victim${++n}`;
      m.addAccount(victim);
      m.addAccount(`mallory${n}`, kez(SHORT));
      m.overrideActorLink(victim, `https://social.example/users/mallory${n}`);
      return `ap:@${victim}@social.example`;
    },
    async inComment() {
      m.addAccount(`quiet${++n}`);
      m.addReply(`quiet${n}`, `<p>${SHORT}</p>`);
      return `ap:@quiet${n}@social.example`;
    },
    commentsRead: () => m.requests.some((r) => r.includes('/statuses/')),
    async redirectOff() {
      m.addAccount(`moved${++n}`, kez(SHORT));
      m.setHostileActor(`moved${n}`, 'redirect-metadata');
      return `ap:@moved${n}@social.example`;
    },
    async huge() {
      m.addAccount(`big${++n}`, kez(SHORT));
      m.setHostileActor(`big${n}`, 'huge');
      return `ap:@big${n}@social.example`;
    },
    close: () => m.close(),
  };
}

async function dnsWorld(): Promise<ContractWorld> {
  const nsd: RunningNsd = await startNsd([
    { name: '_kez.honest.example', strings: [SHORT] },
    { name: '_kez.quiet.example', strings: ['v=spf1 -all'] },
  ]);
  const noHttp = 'DNS has no HTTP place';
  return {
    config: { dnsServers: [nsd.server] },
    httpRequests: () => undefined,
    honest: async () => 'dns:honest.example',
    // In a served zone (a zone the server does not serve is REFUSED: network, not absent).
    missing: () => 'dns:missing.honest.example',
    planted: () => ({ na: 'the owner is the domain queried: only its zone answers' }),
    inComment: () => ({ na: 'DNS has no comments or replies' }),
    commentsRead: () => false,
    redirectOff: () => ({ na: noHttp }),
    huge: () => ({ na: 'a DNS answer is bounded by the protocol (64 KiB over TCP)' }),
    close: () => nsd.stop(),
  };
}

async function nostrWorld(): Promise<ContractWorld> {
  const relay: RunningRelay = await startRelay();
  const env = loopbackEnv({ nostrRelays: [relay.url] });
  const publish = async (secret: Uint8Array, kind: number, content: string, tags: string[][]) => {
    const event = finalizeEvent(
      { kind, created_at: Math.floor(Date.now() / 1000), tags, content },
      secret,
    );
    await withRelay(relay.url, env, (s) => s.publish(event));
  };
  return {
    config: { nostrRelays: [relay.url] },
    httpRequests: () => undefined,
    async honest() {
      const secret = generateSecretKey();
      await publish(secret, 0, JSON.stringify({ name: 'me', about: SHORT }), []);
      return ownerSubjectOf(getPublicKey(secret));
    },
    missing: () => ownerSubjectOf(getPublicKey(generateSecretKey())),
    async planted() {
      // Another key's metadata, tagging the victim: the account is the key, so it is not read.
      const victim = getPublicKey(generateSecretKey());
      await publish(generateSecretKey(), 0, JSON.stringify({ name: 'me', about: SHORT }), [
        ['p', victim],
      ]);
      return ownerSubjectOf(victim);
    },
    async inComment() {
      const secret = generateSecretKey();
      await publish(secret, 1, `my proof: ${SHORT}`, []);
      return ownerSubjectOf(getPublicKey(secret));
    },
    commentsRead: () => false,
    redirectOff: () => ({ na: 'relays speak WebSocket: there is no redirect to follow' }),
    huge: () => ({ na: 'answer bounds are relay-junk.test.ts (4 MiB per answer)' }),
    async close() {
      await env.close();
      await relay.stop();
    },
  };
}

async function blueskyWorld(): Promise<ContractWorld> {
  const pds = await startPds();
  const origin = new URL(pds.pdsUrl).origin;
  const mallory = await pds.createAccount('mallory');
  await pds.putRecord(
    mallory,
    'app.bsky.actor.profile',
    { $type: 'app.bsky.actor.profile', description: SHORT },
    'self',
  );
  // Handles served by a hostile host (one per case): its well-known file names mallory's DID,
  // redirects off, or streams 50 MB.
  const sent = { bytes: 0 };
  const hosts: RunningHttp[] = [];
  const nsd = await startNsd([{ name: '_atproto.unused.test', strings: ['did=did:plc:none'] }]);
  const hostMap: Record<string, string> = {};
  let n = 0;
  const viaHostile = async (mode: 'planted' | HostileMode) => {
    const host = await startHttp((_req, res) =>
      mode === 'planted' ? sendText(res, 200, mallory.did) : respondHostile(res, mode, sent),
    );
    hosts.push(host);
    const handle = `${mode}${++n}.test`;
    hostMap[handle] = host.url;
    return `bluesky:${handle}`;
  };
  return {
    get config() {
      return { plcDirectory: pds.plcUrl, dnsServers: [nsd.server], hostMap: { ...hostMap } };
    },
    httpRequests: () => undefined,
    async honest() {
      const a = await pds.createAccount(`honest${++n}`);
      await pds.putRecord(
        a,
        'app.bsky.actor.profile',
        { $type: 'app.bsky.actor.profile', description: `me: ${SHORT}` },
        'self',
      );
      hostMap[a.handle] = origin;
      return `bluesky:${a.handle}`;
    },
    missing: () => {
      // Served by the PDS, which has no such handle (its well-known file answers 404).
      hostMap['nobody.test'] = origin;
      return 'bluesky:nobody.test';
    },
    planted: () => viaHostile('planted'),
    async inComment() {
      const a = await pds.createAccount(`quiet${++n}`);
      await pds.putRecord(a, 'app.bsky.feed.post', {
        $type: 'app.bsky.feed.post',
        text: SHORT,
        createdAt: new Date().toISOString(),
      });
      hostMap[a.handle] = origin;
      return `bluesky:${a.handle}`;
    },
    commentsRead: () => false,
    redirectOff: () => viaHostile('redirect-metadata'),
    huge: () => viaHostile('huge'),
    async close() {
      await Promise.all([...hosts.map((h) => h.close()), nsd.stop()]);
      await pds.stop();
    },
  };
}

/** Worlds by channel name. */
export const contractWorlds: Record<string, () => Promise<ContractWorld>> = {
  github: githubWorld,
  ap: apWorld,
  dns: dnsWorld,
  nostr: nostrWorld,
  bluesky: blueskyWorld,
  ...Object.fromEntries(
    (Object.keys(PROFILE) as ProfileServiceName[]).map((c) => [c, () => profileWorld(c)]),
  ),
};

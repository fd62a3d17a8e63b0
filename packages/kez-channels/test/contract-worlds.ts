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
import { gpgHome } from '@kez/test-kit/gnupg';
import {
  type IrcTestClient,
  lobbyBot,
  startHostileIrc,
  startIrcNetwork,
  taxonomyLines,
} from '@kez/test-kit/irc-server';
import { startRelay, type RunningRelay } from '@kez/test-kit/nostr-relay';
import { startPds } from '@kez/test-kit/pds';
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { withRelay } from '../src/channels/nostr-relay-client.js';
import { ownerSubjectOf } from '../src/channels/nostr-event.js';
import { KEZ_NOTATION, wkdUrls } from '../src/channels/openpgp.js';
import { WEB_WELL_KNOWN } from '../src/channels/web.js';
import type { ChannelsConfigInput } from '../src/config.js';
import type { ReadCredentials } from '../src/types.js';
import { startProsody } from '@kez/test-kit/prosody';
import { selfSignedCert } from '@kez/test-kit/tls-cert';
import { loopbackEnv } from './helpers.js';
import { startHostileXmpp, setVcard, vcardField } from './xmpp-peers.js';
import { startMatrixWorld } from './matrix-world.js';

export type Case = Promise<string> | { na: string };

export interface ContractWorld {
  config: ChannelsConfigInput;
  /** Read credentials the verifier holds (xmpp reads through a logged-in account). */
  credentials?: ReadCredentials;
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

/** What a site answers at one URL: a document, a redirect, or a hostile behaviour. */
type Route = { type: string; body: string | Uint8Array } | { location: string } | HostileMode;

/**
 * Websites on loopback, one plain HTTP server per host (started on first use), each answering
 * its routes (path with query) and 404 otherwise: the real thing for the web and WKD worlds.
 */
function startSites() {
  const hosts = new Map<string, { server: RunningHttp; routes: Map<string, Route> }>();
  const sent = { bytes: 0 };
  const site = async (host: string) => {
    let s = hosts.get(host);
    if (!s) {
      const routes = new Map<string, Route>();
      const server = await startHttp((_req, res, url) => {
        const r = routes.get(`${url.pathname}${url.search}`);
        if (!r) return sendText(res, 404, 'not found');
        if (typeof r === 'string') return respondHostile(res, r, sent);
        res.writeHead('location' in r ? 302 : 200, {
          ...('location' in r ? { location: r.location } : { 'content-type': r.type }),
        });
        res.end('body' in r ? r.body : undefined);
      });
      s = { server, routes };
      hosts.set(host, s);
    }
    return s;
  };
  return {
    /** Serves `route` at the https `url` (its host gets a server if it has none). */
    async serve(url: string, route: Route) {
      const u = new URL(url);
      (await site(u.host)).routes.set(`${u.pathname}${u.search}`, route);
    },
    /** Starts the host's server with no routes: every path answers 404. */
    empty: async (host: string) => void (await site(host)),
    hostMap: () => Object.fromEntries([...hosts].map(([h, s]) => [h, s.server.url])),
    requests: () => [...hosts.values()].reduce((t, s) => t + s.server.requests.length, 0),
    close: () => Promise.all([...hosts.values()].map((s) => s.server.close())),
  };
}

async function webWorld(): Promise<ContractWorld> {
  const sites = startSites();
  let n = 0;
  const text = (body: string): Route => ({ type: 'text/plain; charset=utf-8', body });
  const page = (head: string, body = ''): Route => ({
    type: 'text/html; charset=utf-8',
    body: `<!doctype html><html><head><title>t</title>${head}</head><body>${body}</body></html>`,
  });
  // Each case is its own domain: the owner is the domain.
  const domain = (label: string) => `${label}${++n}.example`;
  // A site holding the proof, where the redirect case points.
  await sites.serve(`https://proof.example${WEB_WELL_KNOWN}`, text(SHORT));
  await sites.serve('https://proof.example/', page(`<link rel="me" href="${SHORT}">`));
  // A site that answers 404 everywhere (an unserved name would be a network failure).
  await sites.empty('nobody.example');
  const both = async (d: string, wellKnown: Route, home: Route) => {
    await sites.serve(`https://${d}${WEB_WELL_KNOWN}`, wellKnown);
    await sites.serve(`https://${d}/`, home);
    return `web:${d}`;
  };
  const world: ContractWorld = {
    get config() {
      return { hostMap: sites.hostMap() };
    },
    httpRequests: () => sites.requests(),
    async honest() {
      const d = domain('honest');
      return both(d, text(`${SHORT}\n`), page(`<meta name="kez" content="${SHORT}">`));
    },
    missing: () => 'web:nobody.example',
    // The owner is the domain, so whatever its origin serves is its own; the one way another
    // account's document answers for it is a copy of another domain's signed claim.
    async planted() {
      const other = contractIdentity.add(`web:${domain('mallory')}`);
      return both(domain('victim'), text(await TestChain.compact(other)), page(''));
    },
    // Comments and user content live in the page body, which is never read.
    async inComment() {
      const d = domain('quiet');
      await sites.serve(
        `https://${d}/`,
        page('', `<p>${SHORT}</p><link rel="me" href="${SHORT}">`),
      );
      return `web:${d}`;
    },
    commentsRead: () => false,
    redirectOff: async () =>
      both(
        domain('moved'),
        { location: `https://proof.example${WEB_WELL_KNOWN}` },
        { location: 'https://proof.example/' },
      ),
    huge: async () => both(domain('big'), 'huge', 'huge'),
    close: async () => void (await sites.close()),
  };
  return world;
}

async function openpgpWorld(): Promise<ContractWorld> {
  const sites = startSites();
  const [owner, mallory] = await Promise.all([gpgHome(), gpgHome()]);
  const notation = `${KEZ_NOTATION}=${SHORT}`;
  const key = (bytes: Uint8Array): Route => ({ type: 'application/octet-stream', body: bytes });
  let n = 0;
  /** A fresh address at pgp.example, both WKD hosts serving (404 unless told). */
  const fresh = async (label: string) => {
    const address = `${label}${++n}@pgp.example`;
    const [advanced, direct] = wkdUrls(`${label}${n}`, 'pgp.example');
    await sites.empty(new URL(advanced).host);
    await sites.empty(new URL(direct).host);
    return { address, advanced, direct };
  };
  const own = async (address: string, notations: string[] = [notation]) =>
    owner.exportKey(await owner.genKey(`Someone <${address}>`, notations));
  return {
    get config() {
      return {
        hostMap: sites.hostMap(),
        // gpg runs beside the test under load; the reads are still bounded.
        timeouts: { totalMs: 10_000, connectMs: 2_000, dnsMs: 2_000 },
      };
    },
    httpRequests: () => sites.requests(),
    async honest() {
      const a = await fresh('honest');
      await sites.serve(a.advanced, key(await own(a.address)));
      return `openpgp:${a.address}`;
    },
    missing: () => 'openpgp:nobody@pgp.example',
    async planted() {
      // The victim's WKD slot serves a key whose only user id is mallory's, with the proof.
      const a = await fresh('victim');
      const fpr = await mallory.genKey(`Mallory <mallory${n}@pgp.example>`, [notation]);
      await sites.serve(a.advanced, key(await mallory.exportKey(fpr)));
      return `openpgp:${a.address}`;
    },
    async inComment() {
      // The subject's own key has no notation; mallory's certification of its user id does.
      const a = await fresh('quiet');
      const fpr = await owner.genKey(`Quiet <${a.address}>`);
      await mallory.importKey(await owner.exportKey(fpr));
      await mallory.run(['--cert-notation', notation, '--quick-sign-key', fpr]);
      await sites.serve(a.advanced, key(await mallory.exportKey(fpr)));
      return `openpgp:${a.address}`;
    },
    commentsRead: () => false,
    async redirectOff() {
      // Both WKD URLs redirect to another origin that serves the subject's own proof key.
      const a = await fresh('moved');
      const elsewhere = (url: string) =>
        `https://keys.elsewhere.example${new URL(url).pathname}${new URL(url).search}`;
      const bytes = key(await own(a.address));
      for (const url of [a.advanced, a.direct]) {
        await sites.serve(elsewhere(url), bytes);
        await sites.serve(url, { location: elsewhere(url) });
      }
      return `openpgp:${a.address}`;
    },
    async huge() {
      const a = await fresh('big');
      await sites.serve(a.advanced, 'huge');
      await sites.serve(a.direct, 'huge');
      return `openpgp:${a.address}`;
    },
    async close() {
      await Promise.all([sites.close(), owner.close(), mallory.close()]);
    },
  };
}

async function xmppWorld(): Promise<ContractWorld> {
  const [prosody, evilCert] = await Promise.all([
    startProsody(['a.test', 'b.test']),
    selfSignedCert(['evil.test']),
  ]);
  // What Prosody never does (answer from another JID, push messages, redirect, stream without
  // end) comes from the scripted server, reached as the verifier's own server evil.test.
  const hostile = await startHostileXmpp(evilCert, SHORT);
  await prosody.register('verifier@a.test', 'verifier-pw');
  let viaHostile = false;
  const config: ChannelsConfigInput = {
    hostMap: { ...prosody.hostMap, 'evil.test': `http://127.0.0.1:${hostile.port}` },
    tlsCa: [prosody.cert.cert, evilCert.cert],
    // prosodyctl and SCRAM run beside the test under load; the reads are still bounded.
    timeouts: { totalMs: 10_000, connectMs: 3_000, dnsMs: 2_000 },
  };
  const hostileCase = (mode: typeof hostile.mode) => {
    viaHostile = true;
    hostile.mode = mode;
    return Promise.resolve('xmpp:victim@b.test');
  };
  let n = 0;
  return {
    config,
    get credentials() {
      return viaHostile
        ? { xmpp: { jid: 'verifier@evil.test', password: 'x' } }
        : { xmpp: { jid: 'verifier@a.test', password: 'verifier-pw' } };
    },
    httpRequests: () => undefined,
    async honest() {
      viaHostile = false;
      const jid = `honest${++n}@b.test`;
      await prosody.register(jid, 'pw');
      const env = loopbackEnv(config);
      try {
        await setVcard(env, jid, 'pw', [vcardField('DESC', `Hello. ${SHORT}`)]);
      } finally {
        await env.close();
      }
      return `xmpp:${jid}`;
    },
    missing() {
      viaHostile = false;
      return 'xmpp:nobody@b.test';
    },
    planted: () => hostileCase('other-from'),
    // Messages (and pushed PEP events) are the comments of XMPP: never read.
    inComment: () => hostileCase('message'),
    commentsRead: () => false,
    // XMPP's redirect is the see-other-host stream error (RFC 6120 §4.9.3.19).
    redirectOff: () => hostileCase('see-other-host'),
    huge: () => hostileCase('huge'),
    async close() {
      await Promise.all([hostile.close(), prosody.stop()]);
    },
  };
}

async function ircWorld(): Promise<ContractWorld> {
  const [net, flood] = await Promise.all([
    startIrcNetwork({ autojoin: ['#lobby'] }),
    startHostileIrc('flood'),
  ]);
  // In the channel every client is joined to, a user tells each joiner the proof is theirs.
  let bot: IrcTestClient | undefined;
  try {
    bot = await net.client('NickServ_');
    await lobbyBot(bot, '#lobby', taxonomyLines('quiet', { KEZ: SHORT }));
  } catch (e) {
    await Promise.all([net.stop(), flood.close()]);
    throw e;
  }
  let n = 0;
  const at = (name: string) => `irc:${name}@${net.host}`;
  return {
    config: {
      hostMap: { ...net.hostMap(), ...flood.hostMap('flood.irc.example') },
      tlsCa: [net.ca],
      timeouts: { totalMs: 10_000, connectMs: 3_000, dnsMs: 2_000 },
    },
    httpRequests: () => undefined,
    async honest() {
      const name = `honest${++n}`;
      await net.register(name, { properties: { KEZ: SHORT } });
      return at(name);
    },
    missing: () => at('nobody'),
    // TAXONOMY of a nick grouped to mallory's account answers with mallory's, proof and all.
    async planted() {
      const victim = `victim${++n}`;
      await net.register(`mallory${n}`, { properties: { KEZ: SHORT }, group: [victim] });
      return at(victim);
    },
    // The bot's NOTICE to the client and its channel message, in NickServ's words.
    async inComment() {
      await net.register('quiet');
      return at('quiet');
    },
    commentsRead: () => false,
    redirectOff: () => ({
      na: 'IRC has no redirect to follow: the client talks only to the host it dialled (RPL_BOUNCE is never followed)',
    }),
    huge: async () => 'irc:someone@flood.irc.example',
    async close() {
      await Promise.all([net.stop(), flood.close()]);
    },
  };
}

async function matrixWorld(): Promise<ContractWorld> {
  const m = await startMatrixWorld();
  let n = 0;
  const roomReads = () => m.synapse.requests().some((r) => /^GET \S*\/rooms\//.test(r));
  return {
    get config() {
      return { hostMap: m.hostMap() };
    },
    httpRequests: () => undefined,
    async honest() {
      await m.user(`honest${++n}`, `me: ${SHORT}`);
      return `matrix:@honest${n}:kez.test`;
    },
    missing: () => 'matrix:@nobody:kez.test',
    // The victim's well-known names another server, which answers for the victim with a proof.
    async planted() {
      const host = `victim${++n}.test`;
      await m.hostile(host, {
        wellKnown: { baseUrl: `https://hs${n}.elsewhere.test` },
        profile: 'none',
      });
      await m.hostile(`hs${n}.elsewhere.test`, { profile: 'proof' }, SHORT);
      return `matrix:@victim:${host}`;
    },
    // The user's own message in a room (Keyoxide's place); the profile has no proof.
    async inComment() {
      const u = await m.user(`quiet${++n}`);
      await m.say(u, SHORT);
      return `matrix:@quiet${n}:kez.test`;
    },
    commentsRead: roomReads,
    async redirectOff() {
      const host = `moved${++n}.test`;
      await m.hostile(host, {
        wellKnown: { redirect: `https://elsewhere${n}.test/.well-known/matrix/client` },
        profile: 'none',
      });
      await m.hostile(
        `elsewhere${n}.test`,
        { wellKnown: { baseUrl: `https://elsewhere${n}.test` }, profile: 'proof' },
        SHORT,
      );
      return `matrix:@moved:${host}`;
    },
    async huge() {
      const host = `big${++n}.test`;
      await m.hostile(host, { profile: 'huge' });
      return `matrix:@big:${host}`;
    },
    close: () => m.close(),
  };
}

/** Worlds by channel name. */
export const contractWorlds: Record<string, () => Promise<ContractWorld>> = {
  github: githubWorld,
  ap: apWorld,
  dns: dnsWorld,
  nostr: nostrWorld,
  bluesky: blueskyWorld,
  web: webWorld,
  openpgp: openpgpWorld,
  xmpp: xmppWorld,
  irc: ircWorld,
  matrix: matrixWorld,
  ...Object.fromEntries(
    (Object.keys(PROFILE) as ProfileServiceName[]).map((c) => [c, () => profileWorld(c)]),
  ),
};

// A local stand-in for a Mastodon server: WebFinger, ActivityPub actors, and the two REST
// account methods `kez publish` uses, in the documented shapes (fixtures/mastodon-shapes.ts).
// What a user writes gets Mastodon's treatment (cut to its limits, served as HTML; sources in
// the fixture), whether written through update_credentials or seeded with addAccount.
// The write path takes the documented hash form of fields_attributes and, by default, drops an
// array as the versions testing `is_a?(Hash)` do; secure mode and split domains are options.
// Reached through config.hostMap, so the channel code runs with production https URLs.
import {
  ValidationFailed,
  actorDocument,
  checkProfile,
  credentialAccount,
  fieldsFromAttributes,
  replyStatus,
  restAccount,
  restrictedActor,
  storedField,
  webfingerJrd,
  type StandinAccount,
  type StandinField,
} from './fixtures/mastodon-shapes.js';
import type { ApFlavour } from './fixtures/ap-flavours.js';
import {
  respondHostile,
  sendJson,
  startHttp,
  type HostileMode,
  type RunningHttp,
} from './http-standin.js';

export interface MastodonModes {
  /** AUTHORIZED_FETCH: unsigned actor GETs get only the public-key stub (default off). */
  secure: boolean;
  /** An array `fields_attributes`: 'drop' stores zero fields, HTTP 200 (default), 'accept' reads it. */
  arrayFields: 'drop' | 'accept';
}

export interface MastodonStandin extends RunningHttp {
  /** The handles' domain (LOCAL_DOMAIN). */
  host: string;
  /** Where actors and the API live (WEB_DOMAIN; `host` unless split). */
  webDomain: string;
  /** Switchable at any time. */
  modes: MastodonModes;
  hostMap: Record<string, string>;
  /**
   * An account whose profile the user wrote as plain text: `summary` (the note) and `fields`
   * are stored as Mastodon stores them (fields cut to 255 characters) and served as HTML.
   * Throws where Mastodon answers 422 (over 4 fields, a note over 500 characters).
   */
  addAccount(username: string, p?: { summary?: string; fields?: StandinField[] }): StandinAccount;
  /** Hostile: WebFinger for this user names an actor at `actorId` (e.g. on another host). */
  overrideActorLink(username: string, actorId: string): void;
  /** A reply by `username` (served on /api/v1/statuses/:id; a verifier must never use it). */
  addReply(username: string, content: string): string;
  addToken(token: string, username: string): void;
  /** Makes the actor document of `username` misbehave. */
  setHostileActor(username: string, mode: HostileMode): void;
  /** Bytes written by the 'huge' responder. */
  hugeBytesSent: number;
}

/**
 * `flavour` serves the actor as another ActivityPub server does (fixtures/ap-flavours.ts:
 * PeerTube, Pixelfed): its actor path, actor document and note limit; Mastodon by default.
 */
export async function startMastodonStandin(
  opts: {
    host?: string;
    /** A split-domain instance: LOCAL_DOMAIN `host` redirects WebFinger to this WEB_DOMAIN. */
    webDomain?: string;
    latencyMs?: number;
    flavour?: ApFlavour;
  } & Partial<MastodonModes> = {},
): Promise<MastodonStandin> {
  const flavour = opts.flavour;
  const host = opts.host ?? 'social.example';
  const web = opts.webDomain ?? host;
  const modes: MastodonModes = {
    secure: opts.secure ?? false,
    arrayFields: opts.arrayFields ?? 'drop',
  };
  const accounts = new Map<string, StandinAccount>();
  const overrides = new Map<string, string>();
  const replies = new Map<string, Record<string, unknown>>();
  const tokens = new Map<string, string>();
  const hostile = new Map<string, HostileMode>();
  const stats = { bytes: 0 };
  const actorPath = flavour?.actorPath ?? ((u: string) => `/users/${u}`);
  const actorId = (u: string) => `https://${web}${actorPath(u)}`;
  const render = flavour?.actor ?? actorDocument;
  const profile = (u: string) => `https://${web}/@${u}`;

  const http = await startHttp((req, res, url, body) => {
    if (url.pathname === '/.well-known/webfinger') {
      const m = /^acct:([^@]+)@(.+)$/.exec(url.searchParams.get('resource') ?? '');
      // WEB_DOMAIN answers for both domains, always with the subject on LOCAL_DOMAIN.
      const ours = m && [host, web].includes(m[2]!.toLowerCase());
      const a = ours ? accounts.get(m[1]!.toLowerCase()) : undefined;
      if (!a) return sendJson(res, 404, { error: 'Record not found' });
      return sendJson(
        res,
        200,
        webfingerJrd(
          `${a.username}@${host}`,
          overrides.get(a.username) ?? actorId(a.username),
          profile(a.username),
        ),
        'application/jrd+json; charset=utf-8',
      );
    }
    const actor = new RegExp(`^${actorPath('([^/]+)')}$`).exec(url.pathname);
    if (req.method === 'GET' && actor) {
      const a = accounts.get(actor[1]!.toLowerCase());
      if (!a) return sendJson(res, 404, { error: 'Record not found' });
      const mode = hostile.get(a.username);
      if (mode) return respondHostile(res, mode, stats, 'application/activity+json');
      const full = render(a, actorId(a.username), profile(a.username));
      // The stand-in checks no signatures: in secure mode every actor GET is an unsigned one.
      return sendJson(
        res,
        200,
        modes.secure ? restrictedActor(full) : full,
        'application/activity+json; charset=utf-8',
      );
    }
    if (req.method === 'GET' && url.pathname === '/api/v1/accounts/lookup') {
      // Local accounts only here: acct is the bare username (or username@LOCAL_DOMAIN).
      const [user, domain] = (url.searchParams.get('acct') ?? '').replace(/^@/, '').split('@');
      const a =
        domain === undefined || domain.toLowerCase() === host
          ? accounts.get((user ?? '').toLowerCase())
          : undefined;
      if (!a) return sendJson(res, 404, { error: 'Record not found' });
      return sendJson(res, 200, restAccount(a, actorId(a.username), profile(a.username)));
    }
    const status = /^\/api\/v1\/statuses\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && status) {
      const s = replies.get(status[1]!);
      return s ? sendJson(res, 200, s) : sendJson(res, 404, { error: 'Record not found' });
    }
    if (url.pathname.startsWith('/api/v1/accounts/')) {
      const user = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
      const a = user ? accounts.get(user) : undefined;
      if (!a) return sendJson(res, 401, { error: 'The access token is invalid' });
      if (req.method === 'GET' && url.pathname === '/api/v1/accounts/verify_credentials')
        return sendJson(res, 200, credentialAccount(a, web));
      if (req.method === 'PATCH' && url.pathname === '/api/v1/accounts/update_credentials') {
        const input = JSON.parse(body) as { note?: string; fields_attributes?: unknown };
        const fields = fieldsFromAttributes(input.fields_attributes, modes.arrayFields);
        const summary = typeof input.note === 'string' ? input.note : undefined;
        try {
          checkProfile({ summary, fields });
        } catch (e) {
          if (!(e instanceof ValidationFailed)) throw e;
          return sendJson(res, 422, { error: e.message });
        }
        if (summary !== undefined) a.summary = summary;
        if (fields) a.fields = fields.map(storedField);
        return sendJson(res, 200, credentialAccount(a, web));
      }
    }
    sendJson(res, 404, { error: 'Record not found' });
  }, opts);
  // LOCAL_DOMAIN of a split instance: WebFinger redirects to WEB_DOMAIN, nothing else is served.
  const local =
    web === host
      ? undefined
      : await startHttp((_req, res, url) => {
          if (url.pathname !== '/.well-known/webfinger') return sendJson(res, 404, {});
          res.writeHead(301, { location: `https://${web}${url.pathname}${url.search}` });
          res.end();
        });

  let replyId = 100;
  const close = http.close;
  const standin = Object.assign(http, {
    host,
    webDomain: web,
    modes,
    hostMap: { [web]: http.url, ...(local ? { [host]: local.url } : {}) },
    close: async () => {
      await Promise.all([close(), local?.close()]);
    },
    addAccount(username: string, p: { summary?: string; fields?: StandinField[] } = {}) {
      // Mastodon's limits for Mastodon; another server's note limit for its flavour.
      if (!flavour) checkProfile(p);
      else if ([...(p.summary ?? '')].length > flavour.noteLimit)
        throw new Error(`${flavour.name} keeps ${flavour.noteLimit} characters of a profile text`);
      const a = {
        username,
        summary: p.summary ?? 'Hello',
        fields: (p.fields ?? []).map(storedField),
      };
      accounts.set(username.toLowerCase(), a);
      return a;
    },
    overrideActorLink(username: string, id: string) {
      overrides.set(username, id);
    },
    addReply(username: string, content: string) {
      const id = String(replyId++);
      replies.set(id, replyStatus(id, username, host, content));
      return id;
    },
    addToken(token: string, username: string) {
      tokens.set(token, username.toLowerCase());
    },
    setHostileActor(username: string, mode: HostileMode) {
      hostile.set(username, mode);
    },
    hugeBytesSent: 0,
  });
  Object.defineProperty(standin, 'hugeBytesSent', { get: () => stats.bytes });
  return standin;
}

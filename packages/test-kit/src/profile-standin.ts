// One stand-in for the services whose proof place is a public profile text read over a JSON
// API (GitLab, Gitea, Discourse, Owncast, Hacker News, Reddit, Lobsters, Lichess, Liberapay,
// Stack Exchange, ORCID). The generic part holds accounts, enforces the service's documented
// field limits on every write, counts requests against its documented rate limit, and offers
// the hostile behaviours the contract test needs; each service's fixture
// (fixtures/profiles/*.ts) says which routes exist and what they answer, citing its docs.
import type { IncomingHttpHeaders } from 'node:http';
import { gzipSync } from 'node:zlib';
import {
  respondHostile,
  sendJson,
  sendText,
  startHttp,
  type HostileMode,
  type RunningHttp,
} from './http-standin.js';

/** An account as stored: what the user wrote, before the service renders it. */
export interface ProfileAccount {
  /** The name as the service spells it. */
  name: string;
  id: number;
  /** Profile texts by field name (the fixture's names: 'bio', 'status', …). */
  texts: Record<string, string>;
  /** Comments or replies that mention the account (served, never to be read by a verifier). */
  comments: string[];
  /** Fixture-specific state (e.g. suspended, closed, URLs added by an organisation). */
  flags: Record<string, unknown>;
}

export interface Reply {
  status: number;
  body: unknown;
  /** Content-Type; application/json by default. A string body is sent as text. */
  type?: string;
  headers?: Record<string, string>;
  /** The account the reply is about (the stand-in's hostile hooks apply to it). */
  account?: ProfileAccount;
}

export interface RouteContext {
  host: string;
  /** The account with this name (the service's own case rule), as the hooks make it appear. */
  find(name: string): ProfileAccount | undefined;
  byId(id: number): ProfileAccount | undefined;
  /** The account a request's credentials belong to (the fixture reads its own header). */
  tokenOwner(token: string | undefined): ProfileAccount | undefined;
  /** Stores a write, enforcing the field limit; a refusal is the fixture's `invalid` reply. */
  write(a: ProfileAccount, field: string, text: string): Reply | undefined;
}

export interface RouteRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A documented limit on what a user may write, with the source that states it. */
export interface FieldLimit {
  max: number;
  cite: string;
}

export interface ProfileService {
  service: string;
  /** The logical host the fixture answers for by default. */
  host: string;
  /** Doc pages and source files the shapes follow. */
  docs: string[];
  /** Field limits (characters), enforced on seeding and on writes. */
  limits: Record<string, FieldLimit>;
  /** How the service matches names (with its source). */
  caseInsensitive: boolean;
  /** Documented request budget: after `max` requests every answer is `reply`. */
  rateLimit?: { max: number; reply: Reply; cite: string };
  /** Compresses every answer whatever the request asked (with the doc that says so). */
  gzip?: { cite: string };
  /** The answer to a write over a field's limit. */
  invalid(field: string, limit: number): Reply;
  /** The path of the comments/replies route (served; a verifier must never request it). */
  commentsPath: RegExp;
  /** The documented "no such resource" answer. */
  notFound: Reply;
  /** Answers a request, or undefined for "no such route" (notFound). */
  route(req: RouteRequest, ctx: RouteContext): Reply | undefined;
}

export interface ProfileStandin extends RunningHttp {
  service: ProfileService;
  host: string;
  hostMap: Record<string, string>;
  /** An account; a text over its documented limit throws (the service refuses it). */
  addAccount(
    name: string,
    texts?: Record<string, string>,
    flags?: Record<string, unknown>,
  ): ProfileAccount;
  addToken(token: string, name: string): void;
  /** A comment/reply mentioning the account, by someone (served; a verifier must never read it). */
  addComment(name: string, text: string): void;
  /** Hostile: every lookup of `name` answers with `other`'s documents. */
  impersonate(name: string, other: string): void;
  /** Hostile: every answer about `name` is a redirect to another host. */
  redirectOff(name: string): void;
  /** Hostile: every answer about `name` misbehaves (a metadata redirect, 50 MB, no answer). */
  setHostile(name: string, mode: HostileMode): void;
  /** Requests left before the documented rate limit answers (Infinity when none). */
  setBudget(requests: number): void;
  /** The route that serves comments was requested. */
  commentsRequested(): boolean;
}

const OFF_SERVICE = 'https://elsewhere.example';

function send(res: import('node:http').ServerResponse, r: Reply, gzip: boolean): void {
  for (const [k, v] of Object.entries(r.headers ?? {})) res.setHeader(k, v);
  if (gzip) {
    const text = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
    const body = gzipSync(text);
    res.writeHead(r.status, {
      'content-type': r.type ?? 'application/json; charset=utf-8',
      'content-encoding': 'gzip',
      'content-length': body.length,
    });
    res.end(body);
    return;
  }
  if (typeof r.body === 'string') sendText(res, r.status, r.body, r.type ?? 'text/html');
  else sendJson(res, r.status, r.body, r.type ?? 'application/json; charset=utf-8');
}

export async function startProfileStandin(
  service: ProfileService,
  opts: { host?: string; latencyMs?: number } = {},
): Promise<ProfileStandin> {
  const host = opts.host ?? service.host;
  const accounts = new Map<string, ProfileAccount>();
  const tokens = new Map<string, string>();
  const impersonated = new Map<string, string>();
  const redirected = new Set<ProfileAccount>();
  const hostile = new Map<ProfileAccount, HostileMode>();
  const sent = { bytes: 0 };
  const key = (n: string) => (service.caseInsensitive ? n.toLowerCase() : n);
  let budget = service.rateLimit?.max ?? Number.POSITIVE_INFINITY;
  let nextId = 4000;

  const limitReply = (field: string, text: string): Reply | undefined => {
    const limit = service.limits[field];
    return limit && [...text].length > limit.max ? service.invalid(field, limit.max) : undefined;
  };
  const stored = (name: string) => accounts.get(key(name));
  const ctx: RouteContext = {
    host,
    find: (name) => stored(impersonated.get(key(name)) ?? name),
    byId: (id) => [...accounts.values()].find((a) => a.id === id),
    tokenOwner: (t) => (t === undefined ? undefined : stored(tokens.get(t) ?? '')),
    write(a, field, text) {
      const refused = limitReply(field, text);
      if (refused) return refused;
      a.texts[field] = text;
      return undefined;
    },
  };

  const http = await startHttp((req, res, url, body) => {
    if (budget <= 0 && service.rateLimit) return send(res, service.rateLimit.reply, !!service.gzip);
    budget--;
    const r =
      service.route(
        {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body,
        },
        ctx,
      ) ?? service.notFound;
    if (r.account && redirected.has(r.account)) {
      res.writeHead(302, { location: `${OFF_SERVICE}${url.pathname}${url.search}` });
      return void res.end();
    }
    const mode = r.account && hostile.get(r.account);
    if (mode) return respondHostile(res, mode, sent, 'application/json');
    send(res, r, !!service.gzip);
  }, opts);

  return Object.assign(http, {
    service,
    host,
    hostMap: { [host]: http.url },
    addAccount(name: string, texts: Record<string, string> = {}, flags = {}) {
      for (const [field, text] of Object.entries(texts))
        if (limitReply(field, text))
          throw new Error(
            `${service.service} refuses a ${field} over ${service.limits[field]!.max} characters (${service.limits[field]!.cite})`,
          );
      const a: ProfileAccount = { name, id: nextId++, texts: { ...texts }, comments: [], flags };
      accounts.set(key(name), a);
      return a;
    },
    addToken(token: string, name: string) {
      tokens.set(token, name);
    },
    addComment(name: string, text: string) {
      stored(name)?.comments.push(text);
    },
    impersonate(name: string, other: string) {
      impersonated.set(key(name), other);
    },
    redirectOff(name: string) {
      const a = stored(name);
      if (a) redirected.add(a);
    },
    setHostile(name: string, mode: HostileMode) {
      const a = stored(name);
      if (a) hostile.set(a, mode);
    },
    setBudget(requests: number) {
      budget = requests;
    },
    commentsRequested: () =>
      http.requests.some((r) => service.commentsPath.test(r.split(' ')[1]!.split('?')[0]!)),
  }) as ProfileStandin;
}

// A local stand-in for the GitHub REST API and gist raw host, answering in the documented
// shapes (fixtures/github-shapes.ts) with the documented limits: 60 requests/hour without a
// token, ETags and 304s, paged gist lists, truncated file lists and contents. Reached through
// config.hostMap, so the channel code runs with its production URLs. Hostile behaviours are
// opt-in per gist file.
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  AUTHENTICATED_PER_HOUR,
  BIO_LIMIT,
  PER_PAGE_DEFAULT,
  PER_PAGE_MAX,
  UNAUTHENTICATED_PER_HOUR,
  baseGist,
  publicUser,
  rateLimitBody,
  type StandinGist,
  type StandinUser,
} from './fixtures/github-shapes.js';
import {
  respondHostile,
  sendJson,
  sendText,
  startHttp,
  type HostileMode,
  type RunningHttp,
} from './http-standin.js';

export interface GithubLimits {
  /** Requests per hour per IP without a token (60) and per user with one (5,000). */
  unauthenticated: number;
  authenticated: number;
  /** The status of an exhausted limit: GitHub answers 403 or 429. */
  status: 403 | 429;
}

export interface GithubStandin extends RunningHttp {
  /** Switchable at any time. */
  limits: GithubLimits;
  /** Starts a fresh hour for every client. */
  resetRateLimits(): void;
  /** API requests counted against a limit (304s to authorized requests are not). */
  counted: number;
  /** Logical hosts → this server, for ChannelsConfig.hostMap. */
  hostMap: Record<string, string>;
  /** A user; `bio` over 160 characters throws, as GitHub refuses it (422). */
  addUser(login: string, id?: number, bio?: string): StandinUser;
  /** Adds a public gist owned by `login`; returns its id. */
  addGist(login: string, files: Record<string, string>, opts?: { listedUnder?: string }): string;
  /** Makes reading one gist file misbehave. */
  setHostile(gistId: string, filename: string, mode: HostileMode): void;
  /** A comment on a gist (served, but a verifier must never use it). */
  addComment(gistId: string, login: string, body: string): void;
  /** Bearer token → login, for POST /gists. */
  addToken(token: string, login: string): void;
  /** Bytes written by the 'huge' responder (to show the client stopped early). */
  hugeBytesSent: number;
}

const API = 'https://api.github.com';
const RAW = 'https://gist.githubusercontent.com';

export async function startGithubStandin(
  opts: { latencyMs?: number } & Partial<GithubLimits> = {},
): Promise<GithubStandin> {
  const limits: GithubLimits = {
    unauthenticated: opts.unauthenticated ?? UNAUTHENTICATED_PER_HOUR,
    authenticated: opts.authenticated ?? AUTHENTICATED_PER_HOUR,
    status: opts.status ?? 403,
  };
  const buckets = new Map<string, { used: number; reset: number }>();
  const counter = { counted: 0 };
  const users = new Map<string, StandinUser>();
  const gists: Array<StandinGist & { listedUnder: string }> = [];
  const hostile = new Map<string, HostileMode>();
  const comments = new Map<string, Array<{ login: string; body: string }>>();
  const tokens = new Map<string, string>();
  let nextId = 1000;
  const stats = { bytes: 0 };

  const notFound = (doc: string): Answer => [
    404,
    {
      message: 'Not Found',
      documentation_url: `https://docs.github.com/rest/${doc}`,
      status: '404',
    },
  ];

  /** The REST API's answer before rate limiting and ETags: [status, JSON, extra headers]. */
  type Answer = [number, unknown, Record<string, string>?];
  function apiAnswer(req: IncomingMessage, url: URL, body: string, login?: string): Answer {
    const parts = url.pathname.split('/').filter(Boolean);
    if (req.method === 'GET' && parts[0] === 'users' && parts.length === 2) {
      const u = users.get(parts[1]!.toLowerCase());
      if (!u) return notFound('users/users#get-a-user');
      return [200, publicUser(u, API, gists.filter((g) => g.listedUnder === u.login).length)];
    }
    if (req.method === 'GET' && parts[0] === 'users' && parts[2] === 'gists') {
      const who = parts[1]!.toLowerCase();
      if (!users.has(who)) return notFound('gists/gists#list-gists-for-a-user');
      const perPage = Math.min(
        PER_PAGE_MAX,
        Math.max(1, Number(url.searchParams.get('per_page') ?? PER_PAGE_DEFAULT) || 1),
      );
      const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
      const mine = gists.filter((g) => g.listedUnder === who);
      const last = Math.max(1, Math.ceil(mine.length / perPage));
      const link = (n: number, rel: string) =>
        `<${API}/users/${who}/gists?per_page=${perPage}&page=${n}>; rel="${rel}"`;
      const links = [
        ...(page > 1 ? [link(page - 1, 'prev'), link(1, 'first')] : []),
        ...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []),
      ];
      return [
        200,
        mine.slice((page - 1) * perPage, page * perPage).map((g) => baseGist(g, API, RAW)),
        links.length > 0 ? { link: links.join(', ') } : {},
      ];
    }
    if (req.method === 'GET' && parts[0] === 'gists' && parts.length === 2) {
      const gist = gists.find((g) => g.id === parts[1]);
      return gist ? [200, baseGist(gist, API, RAW, true)] : notFound('gists/gists#get-a-gist');
    }
    if (req.method === 'GET' && parts[0] === 'gists' && parts[2] === 'comments') {
      const list = (comments.get(parts[1]!) ?? []).map((c, i) => ({
        id: i + 1,
        body: c.body,
        user: { login: c.login },
      }));
      return [200, list];
    }
    const unauthorized: Answer = [401, { message: 'Requires authentication', status: '401' }];
    // "Update the authenticated user": only the bio is modelled.
    if (req.method === 'PATCH' && url.pathname === '/user') {
      const u = login ? users.get(login) : undefined;
      if (!u) return unauthorized;
      const { bio } = JSON.parse(body) as { bio?: unknown };
      if (typeof bio === 'string' && [...bio].length > BIO_LIMIT)
        return [
          422,
          {
            message: 'Validation Failed',
            errors: [
              {
                resource: 'User',
                code: 'custom',
                field: 'bio',
                message: 'bio is too long (maximum is 160 characters)',
              },
            ],
            status: '422',
          },
        ];
      if (typeof bio === 'string') u.bio = bio;
      return [200, publicUser(u, API, gists.filter((g) => g.listedUnder === u.login).length)];
    }
    if (req.method === 'POST' && url.pathname === '/gists') {
      if (!login) return unauthorized;
      const input = JSON.parse(body) as { files?: Record<string, { content?: string }> };
      const files = Object.fromEntries(
        Object.entries(input.files ?? {}).map(([n, f]) => [n, f.content ?? '']),
      );
      const id = api.addGist(login, files);
      return [201, baseGist(gists.find((g) => g.id === id)!, API, RAW)];
    }
    return [404, { message: 'Not Found' }];
  }

  /** Raw host: /{login}/{gist id}/raw/{sha}/{filename}, or …/raw/{filename} for the newest. */
  function rawFile(res: ServerResponse, parts: string[]): void {
    const gist = gists.find((g) => g.id === parts[1]);
    const filename = decodeURIComponent(parts[parts.length - 1]!);
    const content = gist?.files[filename];
    if (content === undefined) {
      sendText(res, 404, '404: Not Found');
      return;
    }
    const mode = hostile.get(`${gist!.id}/${filename}`);
    if (mode) respondHostile(res, mode, stats);
    else sendText(res, 200, content);
  }

  /** The limit a request counts against: its user's with a known token, else its IP's. */
  function bucketOf(req: IncomingMessage, login: string | undefined) {
    const key = login ? `user:${login}` : `ip:${req.socket.remoteAddress}`;
    const now = Math.floor(Date.now() / 1000);
    let b = buckets.get(key);
    if (!b || now >= b.reset) {
      b = { used: 0, reset: now + 3600 };
      buckets.set(key, b);
    }
    return {
      reset: b.reset,
      state: b,
      limit: login ? limits.authenticated : limits.unauthenticated,
    };
  }

  const http = await startHttp((req, res, url, body) => {
    const parts = url.pathname.split('/').filter(Boolean);
    if (req.method === 'GET' && parts[2] === 'raw' && (parts.length === 4 || parts.length === 5))
      return rawFile(res, parts);
    const token = /^(?:Bearer|token) (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const login = token === undefined ? undefined : tokens.get(token);
    if (token !== undefined && !login)
      return sendJson(res, 401, {
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
        status: '401',
      });
    const b = bucketOf(req, login);
    const [status, value, extra] = apiAnswer(req, url, body, login);
    const text = JSON.stringify(value);
    const etag =
      req.method === 'GET' && status === 200
        ? `W/"${createHash('sha256').update(text).digest('hex').slice(0, 32)}"`
        : undefined;
    const notModified =
      etag !== undefined && (req.headers['if-none-match'] ?? '').split(/\s*,\s*/).includes(etag);
    // An authorized 304 is free; everything else counts, and nothing is served past the limit.
    const free = notModified && login !== undefined;
    const exhausted = !free && b.state.used >= b.limit;
    if (!free && !exhausted) {
      b.state.used++;
      counter.counted++;
    }
    const headers: Record<string, string> = {
      'x-ratelimit-limit': String(b.limit),
      'x-ratelimit-remaining': String(Math.max(0, b.limit - b.state.used)),
      'x-ratelimit-used': String(b.state.used),
      'x-ratelimit-reset': String(b.reset),
      'x-ratelimit-resource': 'core',
    };
    if (exhausted) {
      const who = login ? `user ID ${users.get(login)?.id}` : String(req.socket.remoteAddress);
      const doc = JSON.stringify(rateLimitBody(who));
      res.writeHead(limits.status, {
        ...headers,
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(doc),
      });
      return void res.end(doc);
    }
    if (notModified) {
      res.writeHead(304, { ...headers, etag });
      return void res.end();
    }
    res.writeHead(status, {
      ...headers,
      ...extra,
      ...(etag ? { etag } : {}),
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  }, opts);

  const api: GithubStandin = Object.assign(http, {
    limits,
    resetRateLimits() {
      buckets.clear();
    },
    counted: 0,
    hostMap: { 'api.github.com': http.url, 'gist.githubusercontent.com': http.url },
    addUser(login: string, id?: number, bio?: string) {
      if (bio !== undefined && [...bio].length > BIO_LIMIT)
        throw new Error(`GitHub refuses a bio over ${BIO_LIMIT} characters (422)`);
      const u = { login, id: id ?? nextId++, ...(bio === undefined ? {} : { bio }) };
      users.set(login.toLowerCase(), u);
      return u;
    },
    addGist(login: string, files: Record<string, string>, o: { listedUnder?: string } = {}) {
      const owner = users.get(login.toLowerCase()) ?? api.addUser(login);
      const id = randomBytes(16).toString('hex');
      gists.push({
        id,
        owner,
        files,
        createdAt: new Date().toISOString(),
        listedUnder: (o.listedUnder ?? login).toLowerCase(),
      });
      return id;
    },
    setHostile(gistId: string, filename: string, mode: HostileMode) {
      hostile.set(`${gistId}/${filename}`, mode);
    },
    addComment(gistId: string, login: string, b: string) {
      comments.set(gistId, [...(comments.get(gistId) ?? []), { login, body: b }]);
    },
    addToken(token: string, login: string) {
      tokens.set(token, login.toLowerCase());
    },
    hugeBytesSent: 0,
  });
  Object.defineProperty(api, 'hugeBytesSent', { get: () => stats.bytes });
  Object.defineProperty(api, 'counted', { get: () => counter.counted });
  return api;
}

// A local stand-in for the GitHub REST API and gist raw host, answering in the documented
// shapes (fixtures/github-shapes.ts). Reached through config.hostMap, so the channel code
// runs with its production URLs. Hostile behaviours are opt-in per gist file.
import { randomBytes } from 'node:crypto';
import {
  BIO_LIMIT,
  baseGist,
  publicUser,
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

export interface GithubStandin extends RunningHttp {
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
  opts: { latencyMs?: number } = {},
): Promise<GithubStandin> {
  const users = new Map<string, StandinUser>();
  const gists: Array<StandinGist & { listedUnder: string }> = [];
  const hostile = new Map<string, HostileMode>();
  const comments = new Map<string, Array<{ login: string; body: string }>>();
  const tokens = new Map<string, string>();
  let nextId = 1000;
  const stats = { bytes: 0 };

  const http = await startHttp(async (req, res, url, body) => {
    const parts = url.pathname.split('/').filter(Boolean);
    if (req.method === 'GET' && parts[0] === 'users' && parts.length === 2) {
      const u = users.get(parts[1]!.toLowerCase());
      if (!u)
        return sendJson(res, 404, {
          message: 'Not Found',
          documentation_url: 'https://docs.github.com/rest/users/users#get-a-user',
          status: '404',
        });
      return sendJson(
        res,
        200,
        publicUser(u, API, gists.filter((g) => g.listedUnder === u.login).length),
      );
    }
    if (req.method === 'GET' && parts[0] === 'users' && parts[2] === 'gists') {
      const login = parts[1]!.toLowerCase();
      if (!users.has(login)) return sendJson(res, 404, { message: 'Not Found', status: '404' });
      const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? 30));
      const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
      const mine = gists.filter((g) => g.listedUnder === login);
      return sendJson(
        res,
        200,
        mine.slice((page - 1) * perPage, page * perPage).map((g) => baseGist(g, API, RAW)),
      );
    }
    if (req.method === 'GET' && parts[0] === 'gists' && parts[2] === 'comments') {
      return sendJson(
        res,
        200,
        (comments.get(parts[1]!) ?? []).map((c, i) => ({
          id: i + 1,
          body: c.body,
          user: { login: c.login },
        })),
      );
    }
    // Raw host: /{login}/{gist id}/raw/{sha}/{filename}
    if (req.method === 'GET' && parts[2] === 'raw' && parts.length === 5) {
      const gist = gists.find((g) => g.id === parts[1]);
      const filename = decodeURIComponent(parts[4]!);
      const content = gist?.files[filename];
      if (content === undefined) return sendText(res, 404, '404: Not Found');
      const mode = hostile.get(`${gist!.id}/${filename}`);
      return mode ? respondHostile(res, mode, stats) : sendText(res, 200, content);
    }
    // "Update the authenticated user": only the bio is modelled.
    if (req.method === 'PATCH' && url.pathname === '/user') {
      const login = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
      const u = login ? users.get(login) : undefined;
      if (!u) return sendJson(res, 401, { message: 'Requires authentication', status: '401' });
      const { bio } = JSON.parse(body) as { bio?: unknown };
      if (typeof bio === 'string' && [...bio].length > BIO_LIMIT)
        return sendJson(res, 422, {
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
        });
      if (typeof bio === 'string') u.bio = bio;
      return sendJson(
        res,
        200,
        publicUser(u, API, gists.filter((g) => g.listedUnder === u.login).length),
      );
    }
    if (req.method === 'POST' && url.pathname === '/gists') {
      const login = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
      if (!login) return sendJson(res, 401, { message: 'Requires authentication', status: '401' });
      const input = JSON.parse(body) as { files?: Record<string, { content?: string }> };
      const files = Object.fromEntries(
        Object.entries(input.files ?? {}).map(([n, f]) => [n, f.content ?? '']),
      );
      const id = api.addGist(login, files);
      return sendJson(res, 201, baseGist(gists.find((g) => g.id === id)!, API, RAW));
    }
    sendJson(res, 404, { message: 'Not Found' });
  }, opts);

  const api: GithubStandin = Object.assign(http, {
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
  return api;
}

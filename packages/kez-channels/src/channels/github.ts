// github: Markdown proofs in the user's public gists (SPEC §10), and short proofs (SPEC §5.2)
// in the user's profile bio. The owner is the login and id from the REST API (the gist's
// owner.login/owner.id; the user's own login/id for the bio). Gist comments are never read.
import { KezError, isKezError, MAX_MARKDOWN_BYTES } from '@kez/core';
import { shortCandidates } from '../proofs.js';
import type { Candidate, ChannelEnv, ChannelPlugin } from '../types.js';

const PER_PAGE = 100;
/** Proof files read per user: a listing full of kez.md files cannot make us fetch hundreds. */
const MAX_PROOF_FILES = 10;
const MAX_PAGES = 3;
const API_HEADERS = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' };
const JSON_TYPES = ['application/json'];

interface GhUser {
  login?: unknown;
  id?: unknown;
  /** Plain text, at most 160 characters, or null (the profile bio). */
  bio?: unknown;
}
interface GhGist {
  html_url?: unknown;
  owner?: GhUser | null;
  files?: Record<string, { filename?: unknown; raw_url?: unknown; size?: unknown }>;
}

function apiUrl(env: ChannelEnv, path: string): string {
  return env.config.githubApi.replace(/\/$/, '') + path;
}

function isProofFile(name: string): boolean {
  return name === 'kez.md' || name.endsWith('.kez.md');
}

async function listGists(login: string, env: ChannelEnv): Promise<GhGist[]> {
  const gists: GhGist[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const res = await env.fetch(
      apiUrl(env, `/users/${login}/gists?per_page=${PER_PAGE}&page=${page}`),
      { headers: API_HEADERS, contentTypes: JSON_TYPES },
    );
    const list = res.json();
    if (!Array.isArray(list))
      throw new KezError('malformed', 'GitHub gist list is not an array', { url: res.url });
    gists.push(...(list as GhGist[]));
    if (list.length < PER_PAGE) break;
  }
  return gists;
}

export const githubPlugin: ChannelPlugin = {
  name: 'github',
  async locate(subject, env) {
    const login = subject.id;
    env.progress?.(`github: user ${login}`);
    // The user (for its stable id) and the gist list do not depend on each other: one round trip, not two.
    const [userResult, gistsResult] = await Promise.allSettled([
      env.fetch(apiUrl(env, `/users/${login}`), { headers: API_HEADERS, contentTypes: JSON_TYPES }),
      listGists(login, env),
    ]);
    if (userResult.status === 'rejected') throw userResult.reason;
    if (gistsResult.status === 'rejected') throw gistsResult.reason;
    const user = userResult.value.json() as GhUser;
    if (
      typeof user?.login !== 'string' ||
      user.login.toLowerCase() !== login ||
      typeof user.id !== 'number'
    ) {
      throw new KezError(
        'subject_mismatch',
        `GitHub returned user ${String(user?.login)} for ${login}`,
        { login },
      );
    }
    const candidates: Candidate[] =
      typeof user.bio === 'string'
        ? shortCandidates(user.bio, userResult.value.url, {
            subject: `github:${user.login.toLowerCase()}`,
            stableId: `github-id:${user.id}`,
          })
        : [];
    const failures: KezError[] = [];
    let read = 0;
    for (const gist of gistsResult.value) {
      const owner = gist.owner;
      // Only the user's own gists: the owner (not a fork's origin, not a commenter) must be the user.
      if (
        typeof owner?.login !== 'string' ||
        owner.login.toLowerCase() !== login ||
        owner.id !== user.id
      )
        continue;
      for (const [name, file] of Object.entries(gist.files ?? {})) {
        if (!isProofFile(name) || typeof file?.raw_url !== 'string' || read >= MAX_PROOF_FILES)
          continue;
        read++;
        const location = `${typeof gist.html_url === 'string' ? gist.html_url : 'gist'}#${name}`;
        try {
          const rawHost = new URL(file.raw_url).hostname;
          if (!env.config.githubRawHosts.includes(rawHost)) {
            throw new KezError('redirect', `gist file ${name} points outside GitHub (${rawHost})`, {
              url: file.raw_url,
            });
          }
          env.progress?.(`github: ${location}`);
          const res = await env.fetch(file.raw_url, {
            maxBytes: MAX_MARKDOWN_BYTES,
            redirectHosts: env.config.githubRawHosts,
            contentTypes: ['text/plain', 'text/markdown'],
          });
          candidates.push({
            location,
            text: res.text(),
            owner: {
              subject: `github:${owner.login.toLowerCase()}`,
              stableId: `github-id:${owner.id}`,
            },
          });
        } catch (e) {
          if (!isKezError(e)) throw e;
          failures.push(e);
        }
      }
    }
    // A file that could not be read only decides the result when nothing else was found.
    if (candidates.length === 0 && failures[0]) throw failures[0];
    return candidates;
  },

  async publish(p, env) {
    if (!p.token)
      throw new KezError('not_authorized', 'publishing a gist needs a GitHub token', {
        subject: p.subject.text,
      });
    const res = await env.fetch(apiUrl(env, '/gists'), {
      method: 'POST',
      headers: {
        ...API_HEADERS,
        authorization: `Bearer ${p.token}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        description: `KEZ proof for ${p.subject.text}`,
        public: true,
        files: { 'kez.md': { content: p.markdown } },
      }),
      contentTypes: JSON_TYPES,
      maxRedirects: 0,
    });
    const gist = res.json() as { html_url?: unknown };
    return { location: typeof gist.html_url === 'string' ? gist.html_url : res.url };
  },
};

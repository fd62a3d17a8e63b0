// github: Markdown proofs in the user's public gists (SPEC §10), and short proofs (SPEC §5.2)
// in the user's profile bio. The owner is the login and id from the REST API (the gist's
// owner.login/owner.id; the user's own login/id for the bio). Gist comments are never read.
// API reads go through github-api.ts (token, conditional requests, rate-limit refusal).
import { KezError, isKezError, MAX_MARKDOWN_BYTES } from '@kez/core';
import { shortCandidates } from '../proofs.js';
import type { Candidate, ChannelEnv, ChannelPlugin } from '../types.js';
import { apiGet, apiHeaders, apiUrl, hasNext } from './github-api.js';

/** A power of two (GitHub allows up to 100), so a halved page still starts on a page boundary. */
const FIRST_PER_PAGE = 64;
/** Gists listed per user (newest first) and list requests made, at most. */
const MAX_LISTED_GISTS = 320;
const MAX_LIST_REQUESTS = 12;
/** Proof files read per user: a listing full of kez.md files cannot make us fetch hundreds. */
const MAX_PROOF_FILES = 10;
const JSON_TYPES = ['application/json'];
const PROOF_TYPES = ['text/plain', 'text/markdown'];

interface GhUser {
  login?: unknown;
  id?: unknown;
  /** Plain text, at most 160 characters, or null (the profile bio). */
  bio?: unknown;
}
interface GhGist {
  id?: unknown;
  html_url?: unknown;
  owner?: GhUser | null;
  files?: Record<string, { filename?: unknown; raw_url?: unknown; size?: unknown }>;
  /** The files list stops at 300 files (docs.github.com/en/rest/gists/gists, "Truncation"). */
  truncated?: unknown;
}

function isProofFile(name: string): boolean {
  return name === 'kez.md' || name.endsWith('.kez.md');
}

/**
 * The user's gists, page by page while the Link header names a next one. A page too big for
 * one read (config.maxBodyBytes) is asked for again in halves: a big listing is paged, not
 * refused as too_large.
 */
async function listGists(login: string, env: ChannelEnv): Promise<GhGist[]> {
  const gists: GhGist[] = [];
  let perPage = FIRST_PER_PAGE;
  for (
    let requests = 0;
    requests < MAX_LIST_REQUESTS && gists.length < MAX_LISTED_GISTS;
    requests++
  ) {
    const page = gists.length / perPage + 1;
    let answer;
    try {
      answer = await apiGet(`/users/${login}/gists?per_page=${perPage}&page=${page}`, env);
    } catch (e) {
      if (isKezError(e) && e.code === 'too_large' && perPage > 1) {
        perPage /= 2;
        continue;
      }
      throw e;
    }
    const list = answer.value;
    if (!Array.isArray(list))
      throw new KezError('malformed', 'GitHub gist list is not an array', { url: answer.url });
    gists.push(...(list as GhGist[]));
    if (list.length < perPage || !hasNext(answer.link)) break;
  }
  return gists;
}

/**
 * The proof files of one gist as [name, raw URL]. A gist whose files list was cut at 300
 * (`truncated`) and shows no proof file may still hold kez.md: its newest raw URL is asked.
 */
function proofFiles(gist: GhGist, login: string, env: ChannelEnv): Array<[string, unknown]> {
  const listed = Object.entries(gist.files ?? {})
    .filter(([name]) => isProofFile(name))
    .map(([name, f]): [string, unknown] => [name, f?.raw_url]);
  if (listed.length > 0 || gist.truncated !== true) return listed;
  if (typeof gist.id !== 'string' || !/^[0-9a-f]{1,64}$/i.test(gist.id)) return [];
  const raw = env.config.githubRawHosts[0];
  return raw ? [['kez.md', `https://${raw}/${login}/${gist.id}/raw/kez.md`]] : [];
}

export const githubPlugin: ChannelPlugin = {
  name: 'github',
  async locate(subject, env) {
    const login = subject.id;
    env.progress?.(`github: user ${login}`);
    // The user (for its stable id) and the gist list do not depend on each other: one round trip, not two.
    const [userResult, gistsResult] = await Promise.allSettled([
      apiGet(`/users/${login}`, env),
      listGists(login, env),
    ]);
    if (userResult.status === 'rejected') throw userResult.reason;
    if (gistsResult.status === 'rejected') throw gistsResult.reason;
    const user = userResult.value.value as GhUser;
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
      for (const [name, rawUrl] of proofFiles(gist, login, env)) {
        if (typeof rawUrl !== 'string' || read >= MAX_PROOF_FILES) continue;
        read++;
        const location = `${typeof gist.html_url === 'string' ? gist.html_url : 'gist'}#${name}`;
        try {
          const rawHost = new URL(rawUrl).hostname;
          if (!env.config.githubRawHosts.includes(rawHost)) {
            throw new KezError('redirect', `gist file ${name} points outside GitHub (${rawHost})`, {
              url: rawUrl,
            });
          }
          env.progress?.(`github: ${location}`);
          // The raw file, never the API's `content` (cut past 1 MB): whole, up to our own cap.
          const res = await env.fetch(rawUrl, {
            maxBytes: MAX_MARKDOWN_BYTES,
            redirectHosts: env.config.githubRawHosts,
            contentTypes: PROOF_TYPES,
            passStatuses: [404],
          });
          if (res.status === 404) continue;
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
      headers: { ...apiHeaders(env, p.token), 'content-type': 'application/json' },
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

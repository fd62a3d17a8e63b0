// GET on the GitHub REST API as its limits ask (docs.github.com/en/rest/using-the-rest-api/
// rate-limits-for-the-rest-api and best-practices-for-using-the-rest-api): the reader's token
// when it has one (5,000 requests/hour instead of 60 per IP), conditional requests against
// the env's ETag cache (an authorized 304 does not count), and a rate-limit refusal that says
// when to retry and how to get the higher limit.
import { KezError, isKezError } from '@kez/core';
import type { ChannelEnv } from '../types.js';

const API_HEADERS = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' };

export function apiUrl(env: ChannelEnv, path: string): string {
  return env.config.githubApi.replace(/\/$/, '') + path;
}

/** Authorization for the API only: the token never goes to the raw host or anywhere else. */
export function apiHeaders(
  env: ChannelEnv,
  token = env.credentials?.github,
): Record<string, string> {
  return token ? { ...API_HEADERS, authorization: `Bearer ${token}` } : API_HEADERS;
}

export interface ApiAnswer {
  url: string;
  value: unknown;
  /** The Link header (pagination), if any. */
  link?: string;
}

/** GET `path` on the API as JSON, revalidating a cached answer with If-None-Match. */
export async function apiGet(path: string, env: ChannelEnv, maxBytes?: number): Promise<ApiAnswer> {
  const url = apiUrl(env, path);
  const cached = env.httpCache?.get(url);
  let res;
  try {
    res = await env.fetch(url, {
      headers: { ...apiHeaders(env), ...(cached ? { 'if-none-match': cached.etag } : {}) },
      contentTypes: ['application/json'],
      passStatuses: cached ? [304] : [],
      maxBytes,
    });
  } catch (e) {
    if (isKezError(e) && e.code === 'rate_limited') throw rateLimited(e, env);
    throw e;
  }
  const link = res.headers.link;
  if (res.status === 304 && cached) {
    try {
      return { url: res.url, value: JSON.parse(cached.body), link };
    } catch {
      throw new KezError('malformed', `the cached answer for ${url} is not JSON`, { url });
    }
  }
  const value = res.json();
  const etag = res.headers.etag;
  if (etag && env.httpCache) env.httpCache.set(url, { etag, body: res.text() });
  return { url: res.url, value, link };
}

function rateLimited(e: KezError, env: ChannelEnv): KezError {
  const when = typeof e.evidence.reset_at === 'string' ? `at ${e.evidence.reset_at}` : 'later';
  const how = env.credentials?.github
    ? 'the token’s hourly limit is used up'
    : 'without a token GitHub allows 60 requests an hour from one address; set GITHUB_TOKEN (any token, no scope needed) for 5,000';
  return new KezError(
    'rate_limited',
    `GitHub's rate limit is reached: retry ${when} (${how})`,
    e.evidence,
    { cause: e },
  );
}

/** True when a Link header (pagination) names a next page. */
export function hasNext(link: string | undefined): boolean {
  return /<[^>]*>;\s*rel="next"/.test(link ?? '');
}

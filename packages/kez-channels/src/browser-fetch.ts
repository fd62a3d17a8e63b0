// The SafeFetch of a browser: the page's own fetch (no cookies, no referrer), the same
// hostMap/scheme rule, caps, deadlines and status mapping as safe-fetch.ts (response-checks.ts).
// The browser's own network rules stand in for the address policy, which page code cannot
// apply. A request the browser may not make (no CORS on that service) can go through an
// optional fetch relay, which returns the service's raw bytes: the page still verifies them.
import { isKezError, type KezError } from '@kez/core';
import { mappedUrl } from './host-map.js';
import { createLimiter } from './limiter.js';
import { MAX_CONCURRENT_FETCHES } from './read-limits.js';
import {
  LineStream,
  bodyTooLarge,
  declaredTooLarge,
  err,
  joinChunks,
  requestSignal,
  requestUrl,
  safeResponse,
  statusError,
} from './response-checks.js';
import type { ChannelsConfig, FetchPolicy, SafeFetch, SafeResponse } from './types.js';

/** The relay's header carrying the service's own status (the relay itself answers 200). */
export const RELAY_STATUS_HEADER = 'kez-relay-status';
/** Headers a page may not set, or that only make sense to a server-side fetcher. */
const DROPPED_HEADERS = new Set(['host', 'user-agent']);

export interface BrowserFetchOptions {
  /** A fetch relay (`https://sig.example/relay`): GETs the browser cannot make go through it. */
  relay?: string;
  signal?: AbortSignal;
}

function mapError(e: unknown, url: string, timedOut: boolean): KezError {
  if (isKezError(e)) return e;
  const name = (e as { name?: string })?.name;
  if (name === 'TimeoutError' || (name === 'AbortError' && timedOut))
    return err('timeout', `${url}: timed out`, { url }, e);
  // The browser says no more than "Failed to fetch" (CORS, DNS, refused): all the network.
  return err(
    'network',
    `${url}: network error (${(e as Error)?.message ?? String(e)})`,
    { url },
    e,
  );
}

async function readBody(
  res: Response,
  url: string,
  maxBytes: number,
  policy: FetchPolicy,
): Promise<Uint8Array> {
  const lines = policy.lines
    ? new LineStream(policy.lines.maxBytes, policy.lines.check, url)
    : undefined;
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body?.getReader();
  if (!reader) return new Uint8Array(0);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > maxBytes) throw bodyTooLarge(url, maxBytes);
      lines?.push(value);
      chunks.push(value);
    }
  } catch (e) {
    reader.cancel().catch(() => undefined);
    throw e;
  }
  return joinChunks(chunks);
}

function headersOf(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    out[k.toLowerCase()] = v;
  });
  return out;
}

/** Where a followed redirect ended must be allowed by policy, as safe-fetch checks each hop. */
function redirectAllowed(from: URL, to: URL, policy: FetchPolicy): boolean {
  if (policy.redirectHosts === undefined || policy.redirectHosts === 'same-origin')
    return to.origin === from.origin;
  return policy.redirectHosts.includes(to.hostname) || to.origin === from.origin;
}

export function createBrowserFetch(
  config: ChannelsConfig,
  opts: BrowserFetchOptions = {},
): SafeFetch {
  const limit = createLimiter(config.maxConcurrentFetches ?? MAX_CONCURRENT_FETCHES);

  async function fetchOne(input: string, policy: FetchPolicy): Promise<SafeResponse> {
    const logical = requestUrl(input);
    const url = logical.href;
    const actual = mappedUrl(logical, config, { secure: 'https:', plain: 'http:' });
    const { signal, timed } = requestSignal(policy, config.timeouts.totalMs, opts.signal);
    const headers = Object.fromEntries(
      Object.entries(policy.headers ?? {}).filter(([k]) => !DROPPED_HEADERS.has(k.toLowerCase())),
    );
    const init: RequestInit = {
      method: policy.method ?? 'GET',
      headers,
      body: policy.body,
      signal,
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
      redirect: (policy.maxRedirects ?? 3) === 0 ? 'error' : 'follow',
    };
    let res: Response;
    let status: number;
    try {
      try {
        res = await fetch(actual.href, init);
        status = res.status;
      } catch (e) {
        if (!opts.relay || init.method !== 'GET' || timed()) throw e;
        res = await fetch(`${opts.relay}?url=${encodeURIComponent(url)}`, { ...init, headers: {} });
        const relayed = Number(res.headers.get(RELAY_STATUS_HEADER));
        if (!Number.isInteger(relayed) || relayed <= 0) {
          res.body?.cancel().catch(() => undefined);
          throw err('network', `${url}: the fetch relay answered HTTP ${res.status}`, {
            url,
            relay: opts.relay,
            status: res.status,
          });
        }
        status = relayed;
      }
    } catch (e) {
      throw mapError(e, url, timed());
    }
    if (res.redirected && !redirectAllowed(actual, new URL(res.url), policy)) {
      res.body?.cancel().catch(() => undefined);
      throw err('redirect', `${url}: redirect to ${res.url} is not allowed`, {
        url,
        location: res.url,
      });
    }
    const hdrs = headersOf(res);
    const maxBytes = policy.maxBytes ?? config.maxBodyBytes;
    const refused = statusError(url, status, hdrs, policy) ?? declaredTooLarge(url, hdrs, maxBytes);
    if (refused) {
      res.body?.cancel().catch(() => undefined);
      throw refused;
    }
    let body: Uint8Array;
    try {
      body = await readBody(res, url, maxBytes, policy);
    } catch (e) {
      throw mapError(e, url, timed());
    }
    return safeResponse(url, status, hdrs, body);
  }

  return (input, policy = {}) => limit(() => fetchOne(input, policy));
}

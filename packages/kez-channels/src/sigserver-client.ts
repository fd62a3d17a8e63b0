// Client for a sig-server's HTTP API (/v1/chains/{identity}…), over the safe fetcher.
import {
  CODES,
  KezError,
  isKezError,
  MAX_BUNDLE_LINE_BYTES,
  canonicalize,
  objectHash,
  parseBundle,
  parseCanonical,
  parseObject,
  utf8Decode,
  type ChainEvent,
  type Code,
} from '@kez/core';
import { plausibleEvent } from './chain-walk.js';
import { MAX_CHAIN_BYTES, MAX_SIGSERVER_PAGES } from './read-limits.js';
import type { ChainTransport, SafeFetch } from './types.js';

function chainUrl(baseUrl: string, identity: string, suffix = ''): string {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return new URL(`v1/chains/${encodeURIComponent(identity)}${suffix}`, base).href;
}

/** Runs a decoding step; its KezError gets the URL it came from. */
function fromUrl<T>(url: string, step: () => T): T {
  try {
    return step();
  } catch (e) {
    if (isKezError(e)) throw new KezError(e.code, `${url}: ${e.message}`, { ...e.evidence, url });
    throw e;
  }
}

/** A bundle body: strict UTF-8 (a replaced byte must not slip into a verified event), then JSONL. */
function bundleEvents(body: Uint8Array, url: string): ChainEvent[] {
  return fromUrl(url, () => parseBundle(utf8Decode(body)));
}

/**
 * One bundle line as it streams: it must be a signed event of this identity (or its genesis),
 * so a server sending junk is cut off at its first bad line, not after MAX_CHAIN_BYTES.
 */
function checkLine(line: Uint8Array, identity: string, url: string): void {
  const object = fromUrl(url, () => parseObject(parseCanonical(utf8Decode(line))));
  if (plausibleEvent(object, identity)) return;
  const event = object.type === 'event' ? object : null;
  const code: Code = !event
    ? 'malformed'
    : event.seq > 0 && event.identity === identity
      ? 'bad_signature'
      : 'identity_mismatch';
  throw new KezError(code, `${url}: a bundle line is not a signed event of ${identity}`, { url });
}

export interface ChainResponse {
  /** 200: events; 304: not modified (events empty); 404: the server has no such chain. */
  status: 200 | 304 | 404;
  events: ChainEvent[];
  etag?: string;
  /** The server holds fork evidence for this chain (header Kez-Fork). */
  fork: boolean;
  /** The read was cut short; continue with ?since=nextSince (header Kez-Next-Since). */
  nextSince?: number;
  /** Body bytes received (counts against a caller's budget across pages). */
  bytes: number;
  url: string;
}

/** One page of a chain read. `maxBytes` caps this response's body (default MAX_CHAIN_BYTES). */
export async function getChain(
  fetch: SafeFetch,
  baseUrl: string,
  identity: string,
  opts: { since?: number; etag?: string; maxBytes?: number } = {},
): Promise<ChainResponse> {
  const url = chainUrl(baseUrl, identity, opts.since !== undefined ? `?since=${opts.since}` : '');
  const res = await fetch(url, {
    headers: {
      accept: 'application/jsonl, application/x-ndjson, text/plain',
      ...(opts.etag ? { 'if-none-match': opts.etag } : {}),
    },
    passStatuses: [304, 404],
    maxBytes: opts.maxBytes ?? MAX_CHAIN_BYTES,
    lines: { maxBytes: MAX_BUNDLE_LINE_BYTES, check: (line) => checkLine(line, identity, url) },
  });
  const bytes = res.body.length;
  const fork =
    (res.headers['kez-fork'] ?? '').length > 0 &&
    res.headers['kez-fork'] !== 'false' &&
    res.headers['kez-fork'] !== '0';
  if (res.status === 404) return { status: 404, events: [], fork: false, bytes, url };
  if (res.status === 304) return { status: 304, events: [], etag: opts.etag, fork, bytes, url };
  return {
    status: 200,
    events: bundleEvents(res.body, url),
    etag: res.headers.etag,
    fork,
    bytes,
    url,
    nextSince: nextSince(res.headers['kez-next-since'], opts.since, url),
  };
}

/** Kez-Next-Since, when present, must move forward: a bad one is an error, never the chain's end
 *  (a revocation on the next page must not be missed). */
function nextSince(
  header: string | undefined,
  since: number | undefined,
  url: string,
): number | undefined {
  if (header === undefined) return undefined;
  const next = /^\d{1,15}$/.test(header) ? Number(header) : NaN;
  if (!(next > (since ?? -1)))
    throw new KezError('malformed', `${url}: bad Kez-Next-Since '${header}'`, {
      url,
      next_since: header,
    });
  return next;
}

export interface FullChain {
  /** The main line, every page read. */
  events: ChainEvent[];
  /** The server holds fork evidence (Kez-Fork on any page). */
  fork: boolean;
}

/**
 * Every page of an identity's chain (Kez-Next-Since followed), or null when the server has none.
 * Fails closed: past `maxBytes` (all pages together, default MAX_CHAIN_BYTES) or MAX_SIGSERVER_PAGES the
 * read is too_large, never silently cut short.
 */
export async function getFullChain(
  fetch: SafeFetch,
  baseUrl: string,
  identity: string,
  opts: { maxBytes?: number } = {},
): Promise<FullChain | null> {
  const events: ChainEvent[] = [];
  let fork = false;
  let since: number | undefined;
  let budget = opts.maxBytes ?? MAX_CHAIN_BYTES;
  for (let page = 0; page < MAX_SIGSERVER_PAGES; page++) {
    const chain = await getChain(
      fetch,
      baseUrl,
      identity,
      since === undefined ? { maxBytes: budget } : { since, maxBytes: budget },
    );
    if (chain.status === 404 && page === 0) return null;
    if (chain.status !== 200) {
      throw new KezError(
        'http_status',
        `${chain.url}: HTTP ${chain.status} in the middle of a chain read`,
        { url: chain.url, status: chain.status },
      );
    }
    events.push(...chain.events);
    fork ||= chain.fork;
    budget -= chain.bytes;
    if (chain.nextSince === undefined) return { events, fork };
    since = chain.nextSince;
  }
  throw new KezError(
    'too_large',
    `${chainUrl(baseUrl, identity)}: more than ${MAX_SIGSERVER_PAGES} pages`,
    {
      url: chainUrl(baseUrl, identity),
      limit: MAX_SIGSERVER_PAGES,
    },
  );
}

export interface Head {
  identity: string;
  seq: number;
  hash: string;
  fork: boolean;
}

export async function getHead(
  fetch: SafeFetch,
  baseUrl: string,
  identity: string,
): Promise<Head | null> {
  const url = chainUrl(baseUrl, identity, '/head');
  const res = await fetch(url, {
    headers: { accept: 'application/json' },
    passStatuses: [404],
    maxBytes: 64 << 10,
  });
  if (res.status === 404) return null;
  const h = res.json() as Partial<Head>;
  if (typeof h?.seq !== 'number' || typeof h.hash !== 'string' || h.identity !== identity) {
    throw new KezError('malformed', `${url}: unexpected head document`, { url });
  }
  return { identity, seq: h.seq, hash: h.hash, fork: h.fork === true };
}

/** Every page of the server's fork evidence (Kez-Next-Cursor followed), under one byte budget. */
export async function getForks(
  fetch: SafeFetch,
  baseUrl: string,
  identity: string,
): Promise<ChainEvent[]> {
  const events: ChainEvent[] = [];
  let budget = MAX_CHAIN_BYTES;
  let cursor: string | undefined;
  for (let page = 0; page < MAX_SIGSERVER_PAGES; page++) {
    const query = cursor === undefined ? '' : `?cursor=${encodeURIComponent(cursor)}`;
    const url = chainUrl(baseUrl, identity, `/forks${query}`);
    const res = await fetch(url, {
      headers: { accept: 'application/jsonl' },
      passStatuses: [404],
      maxBytes: budget,
    });
    if (res.status === 404) return events;
    events.push(...bundleEvents(res.body, url));
    budget -= res.body.byteLength;
    cursor = res.headers['kez-next-cursor'];
    if (cursor === undefined || cursor === '') return events;
  }
  throw new KezError(
    'too_large',
    `${chainUrl(baseUrl, identity, '/forks')}: more than ${MAX_SIGSERVER_PAGES} pages`,
    {
      url: chainUrl(baseUrl, identity, '/forks'),
      limit: MAX_SIGSERVER_PAGES,
    },
  );
}

export type AppendResult =
  | { outcome: 'created' | 'exists'; status: number }
  | { outcome: 'conflict' | 'rejected'; status: number; code: string; message: string };

/** POSTs one event. 201 created, 200 already there, 409 conflict, other 4xx rejected (with the server's error). */
export async function appendEvent(
  fetch: SafeFetch,
  baseUrl: string,
  identity: string,
  event: ChainEvent,
): Promise<AppendResult> {
  const url = chainUrl(baseUrl, identity, '/events');
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: canonicalize(event),
    passStatuses: [400, 401, 403, 404, 409, 413, 415, 422],
    maxBytes: 64 << 10,
    maxRedirects: 0,
  });
  if (res.status === 201) return { outcome: 'created', status: 201 };
  if (res.status === 200) return { outcome: 'exists', status: 200 };
  let code = 'http_status';
  let message = `HTTP ${res.status}`;
  try {
    const e = (res.json() as { error?: { code?: unknown; message?: unknown } }).error;
    if (typeof e?.code === 'string') code = e.code;
    if (typeof e?.message === 'string') message = e.message;
  } catch {
    /* a body that is not the documented error shape keeps the HTTP status */
  }
  return {
    outcome: res.status === 409 ? 'conflict' : 'rejected',
    status: res.status,
    code,
    message,
  };
}

/** Every event (main line and fork evidence) a sig-server holds for the identity. */
async function fetchAll(
  fetch: SafeFetch,
  baseUrl: string,
  identity: string,
): Promise<ChainEvent[]> {
  const chain = await getFullChain(fetch, baseUrl, identity);
  if (chain === null) return [];
  return chain.fork
    ? [...chain.events, ...(await getForks(fetch, baseUrl, identity))]
    : chain.events;
}

/** Sig-servers as a chain transport (http/https locators). */
export const sigServerTransport: ChainTransport = {
  name: 'sig-server',
  schemes: ['https', 'http'],
  fetchChain: (locator, identity, env) => fetchAll(env.fetch, locator, identity),
  async publishEvents(locator, identity, events, env) {
    // Skip only what the server's main line holds: where it holds another event (a branch our
    // recovery supersedes), ours is sent as the rival the server reorganizes to (SPEC §6.8).
    const have = await getFullChain(env.fetch, locator, identity);
    const held = new Set((have?.events ?? []).map((e) => objectHash(e)));
    let added = 0;
    for (const ev of [...events].sort((a, b) => a.seq - b.seq)) {
      if (held.has(objectHash(ev))) continue;
      const r = await appendEvent(env.fetch, locator, identity, ev);
      if (r.outcome === 'created') added++;
      else if (r.outcome === 'conflict' || r.outcome === 'rejected') {
        // The server's error code when it is a SPEC code (fork, bad_link, bad_signature, …), else http_status.
        const code: Code = (CODES as string[]).includes(r.code) ? (r.code as Code) : 'http_status';
        throw new KezError(
          code,
          `${locator} refused event seq ${ev.seq}: ${r.code}: ${r.message}`,
          { url: locator, seq: ev.seq, status: r.status, server_code: r.code },
        );
      }
    }
    return { added };
  },
};

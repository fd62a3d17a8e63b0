// Reads an identity's sigchain from the deployment's sig-server (SIG_SERVER_URL) with
// @kez/channels' sig-server client over its safe fetcher: every page (a revocation on a later
// page must not be missed), `Kez-Fork`, one byte cap and one deadline for all pages,
// same-origin redirects only, conditional reads (If-None-Match, `?since`) when the caller
// already holds a verified prefix. The URL is operator configuration, never chosen by a
// connecting client, which is why this fetcher alone may get http and private addresses
// (ChatServerConfig.sigServerAccess).
import {
  channelsConfig,
  createSafeFetch,
  getChain,
  type FetchPolicy,
  type SafeFetch,
} from '@kez/channels';
import { KezError, type ChainEvent } from '@kez/core';

export interface ChainRead {
  /** The events read: the whole chain, or those from `since` on when the caller asked so. */
  events: ChainEvent[];
  forked: boolean;
  /** The server's ETag for the head read (absent on a paged read's middle pages). */
  etag?: string;
  /** The caller's ETag still names the head: nothing changed (events empty). */
  notModified?: boolean;
  /** Set when `events` start at this seq (a conditional read), not at genesis. */
  since?: number;
}

export interface ChainReadOptions {
  /** The head the caller already verified: its ETag and the next seq. */
  known?: { etag: string; nextSeq: number };
  /** performance.now() ms by which the whole read must be done. */
  deadline?: number;
}

export interface ChainSource {
  /** The chain, or null when the server has no chain for the identity. Throws KezError
   *  (unreachable: timeout / network / http_status / rate_limited; invalid: blocked_address,
   *  too_large, malformed) otherwise. */
  fetch(identity: string, opts?: ChainReadOptions): Promise<ChainRead | null>;
}

export interface SigServerChainSource extends ChainSource {
  /** Closes the fetcher's keep-alive connections. */
  close(): Promise<void>;
}

const MAX_PAGES = 64;

export function sigServerChainSource(opts: {
  baseUrl: string;
  /** Budget of one whole chain read (all pages), unless the caller's deadline is sooner. */
  timeoutMs: number;
  /** All pages together (default 4 MiB). */
  maxBytes?: number;
  access: { allowHttp: boolean; allowPrivate: boolean; allowLoopback: boolean };
}): SigServerChainSource {
  const maxBytes = opts.maxBytes ?? 4 * 1024 * 1024;
  const fetcher = createSafeFetch(
    channelsConfig({
      ...opts.access,
      timeouts: { connectMs: opts.timeoutMs, totalMs: opts.timeoutMs },
    }),
  );
  return {
    async fetch(identity, o = {}) {
      const deadline = Math.min(o.deadline ?? Infinity, performance.now() + opts.timeoutMs);
      // Each page gets what is left of the one deadline, not a fresh timeout of its own.
      const timed: SafeFetch = (url: string, policy: FetchPolicy = {}) => {
        const left = Math.floor(deadline - performance.now());
        if (left <= 0)
          return Promise.reject(
            new KezError('timeout', `${opts.baseUrl}: chain read past its deadline`, { identity }),
          );
        return fetcher(url, { ...policy, timeoutMs: left });
      };
      const events: ChainEvent[] = [];
      let forked = false;
      let budget = maxBytes;
      let since = o.known?.nextSeq;
      let etag = o.known?.etag;
      for (let page = 0; page < MAX_PAGES; page++) {
        const r = await getChain(timed, opts.baseUrl, identity, {
          maxBytes: budget,
          ...(since !== undefined ? { since } : {}),
          ...(etag !== undefined ? { etag } : {}),
        });
        etag = undefined; // conditional on the first page only
        if (r.status === 404) {
          if (page === 0) return null;
          throw new KezError('http_status', `${r.url}: HTTP 404 in the middle of a chain read`, {
            url: r.url,
          });
        }
        forked ||= r.fork;
        if (r.status === 304) return { events: [], forked, notModified: true };
        events.push(...r.events);
        budget -= r.bytes;
        if (r.nextSince === undefined)
          return {
            events,
            forked,
            ...(r.etag !== undefined ? { etag: r.etag } : {}),
            ...(o.known ? { since: o.known.nextSeq } : {}),
          };
        since = r.nextSince;
      }
      throw new KezError(
        'too_large',
        `${opts.baseUrl}: chain of ${identity} over ${MAX_PAGES} pages`,
        {
          identity,
        },
      );
    },
    close: () => fetcher.close(),
  };
}

// Reads an identity's sigchain from the deployment's sig-server (SIG_SERVER_URL) with
// @kez/channels' sig-server client over its safe fetcher: every page (a revocation on a later
// page must not be missed), `Kez-Fork`, one byte cap and one deadline for all pages,
// then, when the chain is flagged, its fork evidence (/forks, every page) under the same cap and
// deadline; same-origin redirects only, conditional reads (If-None-Match, `?since`) when the caller
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
import { KezError, parseBundle, utf8Decode, type ChainEvent } from '@kez/core';

export interface ChainRead {
  /** The events read: the whole chain, or those from `since` on when the caller asked so. */
  events: ChainEvent[];
  forked: boolean;
  /** The server's fork evidence (GET /forks, every page), read whenever `forked`: SPEC §6.8
   *  resolves main line and evidence together, so a rival a retired key filed is judged, not
   *  taken as a lock-out. Absent or empty when not forked. */
  forks?: ChainEvent[];
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
/** The sig-server keeps at most 32 fork-evidence events per chain, 16 a page. */
const MAX_FORK_PAGES = 8;

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
      /** Every page of /forks (Kez-Next-Cursor followed), within what is left of the cap. */
      const readForks = async (cap: number): Promise<ChainEvent[]> => {
        const out: ChainEvent[] = [];
        const base = opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`;
        let cursor: string | undefined;
        for (let page = 0; page < MAX_FORK_PAGES; page++) {
          const url = new URL(
            `v1/chains/${encodeURIComponent(identity)}/forks${
              cursor === undefined ? '' : `?cursor=${encodeURIComponent(cursor)}`
            }`,
            base,
          ).href;
          if (cap <= 0)
            throw new KezError('too_large', `${url}: chain and fork evidence over the read cap`, {
              identity,
            });
          const res = await timed(url, {
            headers: { accept: 'application/jsonl, application/x-ndjson' },
            passStatuses: [404],
            maxBytes: cap,
          });
          if (res.status === 404) return out;
          cap -= res.body.length;
          if (res.body.length > 0) {
            try {
              out.push(...parseBundle(utf8Decode(res.body)));
            } catch (e) {
              throw e instanceof KezError
                ? new KezError(e.code, `${url}: ${e.message}`, { ...e.evidence, url })
                : e;
            }
          }
          cursor = res.headers['kez-next-cursor'];
          if (cursor === undefined || cursor === '') return out;
        }
        throw new KezError(
          'too_large',
          `${opts.baseUrl}: fork evidence of ${identity} over ${MAX_FORK_PAGES} pages`,
          { identity },
        );
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
        budget -= r.bytes;
        if (r.status === 304)
          return {
            events: [],
            forked,
            ...(forked ? { forks: await readForks(budget) } : {}),
            notModified: true,
          };
        events.push(...r.events);
        if (r.nextSince === undefined)
          return {
            events,
            forked,
            ...(forked ? { forks: await readForks(budget) } : {}),
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

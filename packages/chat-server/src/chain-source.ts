// Reads an identity's sigchain from the deployment's sig-server (SIG_SERVER_URL) with
// @kez/channels' sig-server client over its safe fetcher: every page (a revocation on a later
// page must not be missed), `Kez-Fork`, one byte cap for all pages, same-origin redirects only.
// The URL is operator configuration, never chosen by a connecting client, which is why this
// fetcher alone may get http and private addresses (ChatServerConfig.sigServerAccess).
import { channelsConfig, createSafeFetch, getFullChain } from '@kez/channels';
import type { ChainEvent } from '@kez/core';

export interface FetchedChain {
  events: ChainEvent[];
  forked: boolean;
}

export interface ChainSource {
  /** The chain, or null when the server has no chain for the identity. Throws KezError
   *  (unreachable: timeout / network / http_status / rate_limited; invalid: blocked_address,
   *  too_large, malformed) otherwise. */
  fetch(identity: string): Promise<FetchedChain | null>;
}

export interface SigServerChainSource extends ChainSource {
  /** Closes the fetcher's keep-alive connections. */
  close(): Promise<void>;
}

export function sigServerChainSource(opts: {
  baseUrl: string;
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
    async fetch(identity) {
      const chain = await getFullChain(fetcher, opts.baseUrl, identity, { maxBytes });
      return chain && { events: chain.events, forked: chain.fork };
    },
    close: () => fetcher.close(),
  };
}

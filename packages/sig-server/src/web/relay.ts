// The optional fetch relay: GET /relay?url=… fetches a service a browser cannot reach itself
// (no CORS) through @kez/channels' safe fetcher — the same address policy, size cap, deadline
// and concurrency as the CLI — and returns the service's raw bytes and status. The page still
// verifies everything; the relay is only a pipe. GET only, https only, no headers forwarded.
import { channelsConfig, createSafeFetch, type ChannelsConfigInput } from '@kez/channels';
import { isKezError } from '@kez/core';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';

export const RELAY_STATUS_HEADER = 'kez-relay-status';
/** The most one relayed answer may carry: a proof page, a profile, a record list. */
export const RELAY_MAX_BYTES = 1 << 20;
export const RELAY_TIMEOUT_MS = 10_000;

/** The service's own refusals are passed to the page, which maps them as safe-fetch does. */
const ERROR_STATUSES = Array.from({ length: 200 }, (_, i) => 400 + i);

export interface RelayOptions {
  /** Channels settings for the relay's fetcher (hostMap, allowHttp/allowLoopback for a demo). */
  channels?: ChannelsConfigInput;
  /** Relay requests per client per minute (on top of the server's own rate limit). */
  perMinute?: number;
}

export function relayRoute(app: FastifyInstance, o: RelayOptions): void {
  const config = channelsConfig({
    ...o.channels,
    maxBodyBytes: RELAY_MAX_BYTES,
    timeouts: { connectMs: 5_000, totalMs: RELAY_TIMEOUT_MS, dnsMs: 5_000 },
  });
  const fetch = createSafeFetch(config);
  app.addHook('onClose', async () => fetch.close());
  app.get<{ Querystring: { url?: string } }>(
    '/relay',
    { config: { rateLimit: { max: o.perMinute ?? 60, timeWindow: 60_000 } } },
    async (req, reply) => {
      const url = req.query.url;
      if (typeof url !== 'string' || url.length > 2048)
        throw new ApiError(400, 'bad_request', 'GET /relay?url=<https URL>');
      let res;
      try {
        res = await fetch(url, { passStatuses: ERROR_STATUSES });
      } catch (e) {
        if (!isKezError(e)) throw e;
        throw new ApiError(502, 'unavailable', `relay: ${e.message}`, { relay_code: e.code });
      }
      reply
        .header(RELAY_STATUS_HEADER, String(res.status))
        .header('cache-control', 'no-store')
        .header('x-content-type-options', 'nosniff')
        // The bytes are the service's: never rendered as this origin's content.
        .header('content-security-policy', "default-src 'none'; sandbox")
        .type(res.headers['content-type'] ?? 'application/octet-stream');
      return reply.send(Buffer.from(res.body));
    },
  );
}

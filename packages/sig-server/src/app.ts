import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import rateLimit from '@fastify/rate-limit';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerOptions,
} from 'fastify';
import { Appender } from './appender.js';
import { ChainStates } from './chain-states.js';
import type { ServerConfig } from './config.js';
import { ApiError, errorBody, toApiError } from './errors.js';
import { Metrics } from './metrics.js';
import { chainRoutes } from './routes/chains.js';
import { operationRoutes } from './routes/operations.js';
import type { ChainStore } from './storage/types.js';
import { webRoutes, type WebOptions } from './web/routes.js';

const unixNow = (): number => Math.floor(Date.now() / 1000);

/** Fastify's own errors (parser, limits, rate limit) mapped to the API's error codes. */
function fromFastifyError(err: { code?: string; statusCode?: number; message?: string }): ApiError {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(413, 'too_large', 'the body is larger than 64 KiB');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError(415, 'content_type', 'the body must be application/json (UTF-8)');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError(400, 'malformed', 'empty body');
  }
  if (err.statusCode === 429)
    return new ApiError(429, 'rate_limited', err.message ?? 'rate limited');
  if (err.statusCode === 408) return new ApiError(408, 'timeout', 'request timeout');
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return new ApiError(err.statusCode, 'bad_request', err.message ?? 'bad request');
  }
  return toApiError(err);
}

/**
 * Errors Node raises before a request exists (malformed HTTP, header/request deadlines) get
 * the same JSON error shape, then the connection is closed.
 */
function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const timeout = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
  const status = timeout ? 408 : 400;
  const body = JSON.stringify(
    errorBody(
      timeout
        ? new ApiError(408, 'timeout', 'the request did not arrive in time')
        : new ApiError(400, 'bad_request', 'malformed HTTP request'),
    ),
  );
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** A hop count as proxy-addr's trust function (hop 0 is the socket peer); addresses as is. */
function proxyTrust(
  t: ServerConfig['trustProxy'],
): false | string[] | ((a: string, hop: number) => boolean) {
  if (typeof t === 'number') return (_addr, hop) => hop < t;
  return t;
}

export interface AppOptions {
  logger?: FastifyServerOptions['logger'] | FastifyBaseLogger;
  metrics?: Metrics;
  /** Serve the kez-web profile page (web/routes.ts); off unless given. */
  web?: WebOptions;
}

export async function buildApp(
  config: ServerConfig,
  store: ChainStore,
  opts: AppOptions = {},
): Promise<FastifyInstance> {
  const loggerOpt = opts.logger ?? { level: config.logLevel };
  const app = Fastify({
    ...(loggerOpt && typeof (loggerOpt as FastifyBaseLogger).child === 'function'
      ? { loggerInstance: loggerOpt as FastifyBaseLogger }
      : { logger: loggerOpt as FastifyServerOptions['logger'] }),
    bodyLimit: config.bodyLimit,
    connectionTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // Node checks request/header deadlines on a timer (30 s by default); check often enough
    // that a slow client is cut off near its deadline, and give headers the same deadline.
    http: {
      connectionsCheckingInterval: Math.max(100, Math.min(1000, config.requestTimeoutMs)),
      headersTimeout: config.requestTimeoutMs,
    },
    trustProxy: proxyTrust(config.trustProxy),
    requestIdHeader: false,
    genReqId: () => randomUUID(),
    clientErrorHandler,
    return503OnClosing: true,
  });
  const metrics = opts.metrics ?? new Metrics();
  const states = new ChainStates(store, unixNow, config.cacheClaims);
  const appender = new Appender(
    store,
    states,
    unixNow,
    (identity, ev, outcome) => {
      if (outcome === 'duplicate') return;
      metrics.forks.inc({ outcome });
      app.log.warn({ identity, seq: ev.seq, hash: ev.hash, outcome }, 'fork evidence');
    },
    (identity, winner, { superseded }) => {
      metrics.reorgs.inc();
      for (const ev of superseded)
        if (ev.outcome !== 'duplicate') metrics.superseded.inc({ outcome: ev.outcome });
      app.log.warn(
        {
          identity,
          seq: winner.seq,
          hash: winner.hash,
          superseded: superseded.map(({ seq, hash, outcome }) => ({ seq, hash, outcome })),
        },
        'reorganized: a rival won its seq',
      );
    },
  );
  metrics.states = states;
  // Shutdown does not wait for replays: they stop at their next yield with a 503.
  app.addHook('preClose', async () => states.abort());

  // The body is kept as the exact bytes: SPEC §8.1 canonicality is judged on them by core
  // (invalid UTF-8 or a BOM must be refused, not repaired by a lenient decoder).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) =>
    done(null, body),
  );

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  app.addHook('onResponse', async (req, reply) => {
    metrics.requests.inc({
      method: req.method,
      route: req.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    });
  });

  app.setErrorHandler(async (err, req, reply) => {
    const apiErr = err instanceof ApiError ? err : fromFastifyError(err as never);
    if (apiErr.statusCode >= 500) req.log.error({ err, code: apiErr.code }, 'request failed');
    else req.log.info({ code: apiErr.code }, 'request refused');
    if (apiErr.statusCode === 503) reply.header('retry-after', String(apiErr.retryAfterS));
    return reply.code(apiErr.statusCode).type('application/json').send(errorBody(apiErr));
  });
  app.setNotFoundHandler(async (req, reply) => {
    const e = new ApiError(404, 'not_found', `no route ${req.method} ${req.url.split('?')[0]}`);
    return reply.code(404).type('application/json').send(errorBody(e));
  });

  if (config.rateLimitMax > 0) {
    await app.register(rateLimit, {
      max: config.rateLimitMax,
      timeWindow: config.rateLimitWindowMs,
    });
  }
  operationRoutes(app, { store, metrics });
  chainRoutes(app, { store, appender, metrics, maxEventsPerResponse: config.maxEventsPerResponse });
  if (opts.web) webRoutes(app, opts.web, { store, states });

  return app;
}

import { randomUUID } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import { utf8Decode } from '@kez/core';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { Appender } from './appender.js';
import { ChainStates } from './chain-states.js';
import type { ServerConfig } from './config.js';
import { ApiError, errorBody, toApiError } from './errors.js';
import {
  checkIdentity, checkJsonContentType, etagMatches, etagOf, parseSince, toBundle,
} from './http-helpers.js';
import { Metrics } from './metrics.js';
import { openApiDocument } from './openapi.js';
import type { ChainStore } from './storage/types.js';

const NDJSON = 'application/x-ndjson';
const unixNow = (): number => Math.floor(Date.now() / 1000);

/** Fastify's own errors (parser, limits, rate limit) mapped to the API's error codes. */
function fromFastifyError(err: { code?: string; statusCode?: number; message?: string }): ApiError {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return new ApiError(413, 'too_large', 'the body is larger than 64 KiB');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError(415, 'content_type', 'the body must be application/json (UTF-8)');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY': return new ApiError(400, 'malformed', 'empty body');
  }
  if (err.statusCode === 429) return new ApiError(429, 'rate_limited', err.message ?? 'rate limited');
  if (err.statusCode === 408) return new ApiError(408, 'timeout', 'request timeout');
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return new ApiError(err.statusCode, 'bad_request', err.message ?? 'bad request');
  }
  return toApiError(err);
}

export interface AppOptions {
  logger?: FastifyServerOptions['logger'] | FastifyBaseLogger;
  metrics?: Metrics;
}

export async function buildApp(config: ServerConfig, store: ChainStore, opts: AppOptions = {}): Promise<FastifyInstance> {
  const loggerOpt = opts.logger ?? { level: config.logLevel };
  const app = Fastify({
    ...(loggerOpt && typeof (loggerOpt as FastifyBaseLogger).child === 'function'
      ? { loggerInstance: loggerOpt as FastifyBaseLogger }
      : { logger: loggerOpt as FastifyServerOptions['logger'] }),
    bodyLimit: config.bodyLimit,
    connectionTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    trustProxy: config.trustProxy,
    requestIdHeader: false,
    genReqId: () => randomUUID(),
    return503OnClosing: true,
  });
  const metrics = opts.metrics ?? new Metrics();
  const states = new ChainStates(store, unixNow);
  const appender = new Appender(store, states, unixNow, (identity, ev) => {
    metrics.forks.inc();
    app.log.warn({ identity, seq: ev.seq, hash: ev.hash }, 'fork evidence stored');
  });

  // The body is kept as the exact bytes: SPEC §8.1 canonicality is judged on them by core
  // (invalid UTF-8 or a BOM must be refused, not repaired by a lenient decoder).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  app.addHook('onResponse', async (req, reply) => {
    metrics.requests.inc({ method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) });
  });

  app.setErrorHandler(async (err, req, reply) => {
    const apiErr = err instanceof ApiError ? err : fromFastifyError(err as never);
    if (apiErr.statusCode >= 500) req.log.error({ err, code: apiErr.code }, 'request failed');
    else req.log.info({ code: apiErr.code }, 'request refused');
    if (apiErr.statusCode === 503) reply.header('retry-after', '1');
    return reply.code(apiErr.statusCode).type('application/json').send(errorBody(apiErr));
  });
  app.setNotFoundHandler(async (req, reply) => {
    const e = new ApiError(404, 'not_found', `no route ${req.method} ${req.url.split('?')[0]}`);
    return reply.code(404).type('application/json').send(errorBody(e));
  });

  if (config.rateLimitMax > 0) {
    await app.register(rateLimit, { max: config.rateLimitMax, timeWindow: config.rateLimitWindowMs });
  }
  const unlimited = { config: { rateLimit: false } } as const;

  app.get('/healthz', unlimited, async () => ({ status: 'ok' }));
  app.get('/readyz', unlimited, async () => {
    try {
      await store.ping();
    } catch {
      throw new ApiError(503, 'unavailable', 'the database is not reachable');
    }
    return { status: 'ok', db: store.kind };
  });
  app.get('/metrics', unlimited, async (_req, reply) => {
    reply.type('text/plain; version=0.0.4; charset=utf-8');
    return metrics.render(await store.stats());
  });
  app.get('/v1/openapi.json', async () => openApiDocument);

  app.get<{ Params: { identity: string }; Querystring: { since?: string } }>('/v1/chains/:identity', async (req, reply) => {
    const identity = checkIdentity(req.params.identity);
    const since = parseSince(req.query.since);
    const head = await store.head(identity);
    if (!head) throw new ApiError(404, 'no_chain', `no chain ${identity} here`);
    reply.header('cache-control', 'no-cache');
    if (head.fork) reply.header('kez-fork', 'true');
    if (etagMatches(req.headers['if-none-match'], head.hash)) {
      return reply.code(304).header('etag', etagOf(head.hash)).send();
    }
    const rows = await store.events(identity, since, config.maxEventsPerResponse + 1);
    const truncated = rows.length > config.maxEventsPerResponse;
    if (truncated) rows.pop();
    const last = rows[rows.length - 1];
    if (truncated && last) reply.header('kez-next-since', String(last.seq + 1));
    // Events are append-only: the last row of an untruncated read is the head at read time.
    else reply.header('etag', etagOf(last ? last.hash : head.hash));
    return reply.type(NDJSON).send(toBundle(rows));
  });

  app.get<{ Params: { identity: string } }>('/v1/chains/:identity/head', async (req) => {
    const identity = checkIdentity(req.params.identity);
    const head = await store.head(identity);
    if (!head) throw new ApiError(404, 'no_chain', `no chain ${identity} here`);
    return { identity: head.identity, seq: head.seq, hash: head.hash, fork: head.fork };
  });

  app.get<{ Params: { identity: string } }>('/v1/chains/:identity/forks', async (req, reply) => {
    const identity = checkIdentity(req.params.identity);
    if (!(await store.head(identity))) throw new ApiError(404, 'no_chain', `no chain ${identity} here`);
    return reply.type(NDJSON).send(toBundle(await store.forks(identity)));
  });

  app.post<{ Params: { identity: string } }>('/v1/chains/:identity/events', async (req, reply) => {
    const identity = checkIdentity(req.params.identity);
    checkJsonContentType(req.headers['content-type']);
    if (!Buffer.isBuffer(req.body)) throw new ApiError(400, 'malformed', 'an event is required');
    try {
      const out = await appender.append(identity, utf8Decode(req.body));
      metrics.appends.inc({ result: out.status === 201 ? 'accepted' : 'idempotent', code: '' });
      req.log.info({ identity, seq: out.seq, hash: out.hash, status: out.status }, 'append');
      return reply.code(out.status).send({ seq: out.seq, hash: out.hash });
    } catch (err) {
      const apiErr = toApiError(err);
      metrics.appends.inc({ result: apiErr.code === 'fork' ? 'fork' : 'rejected', code: apiErr.code });
      throw apiErr.statusCode >= 500 ? err : apiErr;
    }
  });

  return app;
}

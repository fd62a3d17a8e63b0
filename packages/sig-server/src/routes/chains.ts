import { utf8Decode } from '@kez/core';
import type { FastifyInstance } from 'fastify';
import type { Appender } from '../appender.js';
import { BundleBodies } from '../bundle-bodies.js';
import { ApiError, toApiError } from '../errors.js';
import {
  checkIdentity,
  checkJsonContentType,
  etagMatches,
  etagOf,
  forkCursorOf,
  page,
  parseForkCursor,
  parseSince,
  toBundle,
} from '../http-helpers.js';
import { LIMITS } from '../limits.js';
import type { Metrics } from '../metrics.js';
import type { ChainStore } from '../storage/types.js';

const NDJSON = 'application/x-ndjson';

const noChain = (identity: string) => new ApiError(404, 'no_chain', `no chain ${identity} here`);

/** The v1 chain API: read (bundle, head, forks) and append. */
export function chainRoutes(
  app: FastifyInstance,
  deps: {
    store: ChainStore;
    appender: Appender;
    metrics: Metrics;
    maxEventsPerResponse: number;
  },
): void {
  const { store, appender, metrics, maxEventsPerResponse } = deps;
  const bodies = new BundleBodies();
  /** The path's identity, checked, and its chain's head; 404 when the chain is unknown. */
  const storedHead = async (raw: string) => {
    const identity = checkIdentity(raw);
    const head = await store.head(identity);
    if (!head) throw noChain(identity);
    return { identity, head };
  };

  app.get<{ Params: { identity: string }; Querystring: { since?: string } }>(
    '/v1/chains/:identity',
    async (req, reply) => {
      const since = parseSince(req.query.since);
      const { identity, head } = await storedHead(req.params.identity);
      reply.header('cache-control', 'no-cache');
      if (head.fork) reply.header('kez-fork', 'true');
      if (etagMatches(req.headers['if-none-match'], head.hash)) {
        return reply.code(304).header('etag', etagOf(head.hash)).send();
      }
      const known = since === 0 ? bodies.get(identity, head.hash) : undefined;
      if (known !== undefined)
        return reply.header('etag', etagOf(head.hash)).type(NDJSON).send(known);
      const { rows, last, more } = page(
        await store.events(identity, since, maxEventsPerResponse + 1),
        maxEventsPerResponse,
      );
      const body = toBundle(rows);
      if (more && last) reply.header('kez-next-since', String(last.seq + 1));
      else {
        // Events are append-only: the last row of an untruncated read is the head at read time.
        const end = last ? last.hash : head.hash;
        reply.header('etag', etagOf(end));
        if (since === 0 && end === head.hash) bodies.set(identity, end, body);
      }
      return reply.type(NDJSON).send(body);
    },
  );

  app.get<{ Params: { identity: string } }>('/v1/chains/:identity/head', async (req) => {
    const { head } = await storedHead(req.params.identity);
    return { identity: head.identity, seq: head.seq, hash: head.hash, fork: head.fork };
  });

  app.get<{ Params: { identity: string }; Querystring: { cursor?: string } }>(
    '/v1/chains/:identity/forks',
    async (req, reply) => {
      const after = parseForkCursor(req.query.cursor);
      const { identity, head } = await storedHead(req.params.identity);
      const { rows, last, more } = page(
        await store.forks(identity, after, LIMITS.forksPage + 1),
        LIMITS.forksPage,
      );
      if (more && last) reply.header('kez-next-cursor', forkCursorOf(last));
      reply.header('kez-forks-stored', String(head.forksStored));
      reply.header('kez-forks-dropped', String(head.forksDropped));
      return reply.type(NDJSON).send(toBundle(rows));
    },
  );

  app.post<{ Params: { identity: string } }>('/v1/chains/:identity/events', async (req, reply) => {
    const identity = checkIdentity(req.params.identity);
    checkJsonContentType(req.headers['content-type']);
    if (!Buffer.isBuffer(req.body)) throw new ApiError(400, 'malformed', 'an event is required');
    try {
      const out = await appender.append(identity, utf8Decode(req.body));
      metrics.appends.inc({ result: out.status === 201 ? 'accepted' : 'idempotent', code: '' });
      req.log.info({ identity, seq: out.seq, hash: out.hash, status: out.status }, 'append');
      const superseded = 'superseded' in out ? { superseded: out.superseded } : {};
      return reply.code(out.status).send({ seq: out.seq, hash: out.hash, ...superseded });
    } catch (err) {
      const apiErr = toApiError(err);
      metrics.appends.inc({
        result: apiErr.code === 'fork' ? 'fork' : 'rejected',
        code: apiErr.code,
      });
      throw apiErr.statusCode >= 500 ? err : apiErr;
    }
  });
}

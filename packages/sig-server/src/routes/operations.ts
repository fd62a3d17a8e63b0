import type { FastifyInstance } from 'fastify';
import { ApiError, toApiError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { openApiDocument } from '../openapi.js';
import type { ChainStore } from '../storage/types.js';

/**
 * Health and readiness (not rate-limited: probes poll them, and they cost no table read),
 * metrics (rate-limited like the API: a scrape every 15 s is 4 of the default 600 a minute)
 * and the API description.
 */
export function operationRoutes(
  app: FastifyInstance,
  deps: { store: ChainStore; metrics: Metrics },
): void {
  const { store, metrics } = deps;
  const unlimited = { config: { rateLimit: false } } as const;

  app.get('/healthz', unlimited, async () => ({ status: 'ok' }));
  app.get('/readyz', unlimited, async () => {
    try {
      await store.ping();
    } catch (err) {
      const known = toApiError(err);
      throw known.statusCode === 503
        ? known
        : new ApiError(503, 'unavailable', 'the database is not reachable', {}, { cause: err });
    }
    return { status: 'ok', db: store.kind };
  });
  app.get('/metrics', async (_req, reply) => {
    reply.type('text/plain; version=0.0.4; charset=utf-8');
    return metrics.render(await store.stats());
  });
  app.get('/v1/openapi.json', async () => openApiDocument);
}

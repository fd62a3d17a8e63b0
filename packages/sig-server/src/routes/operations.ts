import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { openApiDocument } from '../openapi.js';
import type { ChainStore } from '../storage/types.js';

/** Health, readiness, metrics (not rate-limited: probes and scrapers poll them) and the API description. */
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
}

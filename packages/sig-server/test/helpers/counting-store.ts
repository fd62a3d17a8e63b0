// The real store behind the app, counting the events its callers read back: the cost of a
// chain replay, measured as work rather than time.
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { DEFAULTS } from '../../src/config.js';
import type { ChainStore } from '../../src/storage/types.js';

export interface CountedApp {
  app: FastifyInstance;
  url: string;
  /** Events read through `store.events` since this app started. */
  rows(): number;
}

/** An app on 127.0.0.1:0 over `store` (shared with other apps: replicas), counting reads. */
export async function countedApp(store: ChainStore): Promise<CountedApp> {
  let rows = 0;
  const wrapped = new Proxy(store, {
    get(target, key) {
      if (key === 'events')
        return async (identity: string, from: number, limit: number) => {
          const out = await target.events(identity, from, limit);
          rows += out.length;
          return out;
        };
      const v = Reflect.get(target, key);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const app = await buildApp({ ...DEFAULTS, rateLimitMax: 0 }, wrapped, { logger: false });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url, rows: () => rows };
}

import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from './app.js';
import type { ServerConfig } from './config.js';
import { openStore } from './storage/open.js';
import { LIMITS } from './limits.js';
import type { ChainStore } from './storage/types.js';

export interface RunningServer {
  app: FastifyInstance;
  store: ChainStore;
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  /**
   * Stops accepting, lets in-flight requests finish for `graceMs`, then cuts the remaining
   * connections and closes the database without waiting for requests still stuck on it.
   */
  close(graceMs?: number): Promise<void>;
}

const within = (p: Promise<unknown>, ms: number): Promise<unknown> =>
  Promise.race([p, new Promise((r) => setTimeout(r, ms).unref())]);

/** Opens the configured store, builds the app and listens. */
export async function startServer(
  config: ServerConfig,
  opts: AppOptions = {},
): Promise<RunningServer> {
  const store = await openStore({
    dataDir: config.dataDir,
    ...(config.db ? { db: config.db } : {}),
  });
  let app: FastifyInstance;
  try {
    app = await buildApp(config, store, opts);
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await store.close();
    throw err;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    app,
    store,
    url: `http://${host}:${port}`,
    async close(graceMs = LIMITS.shutdownGraceMs) {
      const cut = setTimeout(() => app.server.closeAllConnections(), graceMs);
      try {
        await within(app.close(), graceMs + 1000);
      } finally {
        clearTimeout(cut);
      }
      await within(store.close(), 1000);
    },
  };
}

// The real sig-server (@kez/sig-server, SQLite in a temp dir) on a free loopback port, rate
// limit off: the tests and the demo publish many chains from one address. With `web`, it
// also serves the kez-web profile page (and, if asked, its fetch relay).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULTS, startServer, type WebOptions } from '@kez/sig-server';

export interface RunningSigServer {
  url: string;
  close(): Promise<void>;
}

export async function startSigServer(opts: { web?: WebOptions } = {}): Promise<RunningSigServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'kez-sig-'));
  const server = await startServer(
    { ...DEFAULTS, host: '127.0.0.1', port: 0, dataDir, rateLimitMax: 0, logLevel: 'silent' },
    { logger: false, ...(opts.web ? { web: opts.web } : {}) },
  );
  return {
    url: server.url,
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

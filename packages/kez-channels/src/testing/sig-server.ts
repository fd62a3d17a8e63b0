// The real sig-server (@kez/sig-server, SQLite in a temp dir) on a free loopback port.
// Loaded at run time so this package does not depend on the server package to build.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunningSigServer {
  url: string;
  close(): Promise<void>;
}

interface SigServerModule {
  DEFAULTS: Record<string, unknown>;
  startServer(
    config: Record<string, unknown>,
    opts?: { logger?: unknown },
  ): Promise<{ url: string; close(): Promise<void> }>;
}

export async function startSigServer(): Promise<RunningSigServer> {
  const moduleName = '@kez/sig-server';
  const mod = (await import(moduleName)) as SigServerModule;
  const dataDir = await mkdtemp(join(tmpdir(), 'kez-sig-'));
  const server = await mod.startServer(
    { ...mod.DEFAULTS, host: '127.0.0.1', port: 0, dataDir, rateLimitMax: 0, logLevel: 'silent' },
    { logger: false },
  );
  return {
    url: server.url,
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

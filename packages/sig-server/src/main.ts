#!/usr/bin/env node
// The kez-sig-server command. OpenSSL/libsecp256k1 primitives make verification several
// times faster than the pure-JS defaults; @kez/core's policy checks still run first.
import '@kez/accel';
import { loadConfig, USAGE } from './config.js';
import { startServer } from './server.js';
import { webOptionsFromEnv } from './web/env.js';

async function main(): Promise<void> {
  let config;
  let web;
  try {
    config = loadConfig(process.argv.slice(2), process.env);
    web = webOptionsFromEnv(process.env);
  } catch (err) {
    process.stderr.write(`kez-sig-server: ${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (config === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const server = await startServer(config, web ? { web } : {});
  server.app.log.info({ url: server.url, db: server.store.kind }, 'kez sig-server listening');
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    server.app.log.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`kez-sig-server: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});

#!/usr/bin/env node
// kez-chat-server: configuration from the environment (see ENV_HELP), logs on stderr.
import '@kez/accel';
import { ENV_HELP, loadConfig } from './config.js';
import { createLogger } from './log.js';
import { startChatServer } from './service.js';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(ENV_HELP + '\n');
  process.exit(0);
}

let cfg;
try {
  cfg = loadConfig(process.env);
} catch (e) {
  process.stderr.write(`kez-chat-server: ${(e as Error).message}\n\n${ENV_HELP}\n`);
  process.exit(2);
}
const log = createLogger({ level: cfg.logLevel, base: { service: 'kez-chat-server' } });
try {
  const server = await startChatServer(cfg, log);
  const stop = () => {
    server.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (e) {
  log.error('chat-server failed to start', { error: (e as Error).message });
  process.exit(1);
}

#!/usr/bin/env node
// kez-chat-server: configuration from the environment (see ENV_HELP), logs on stderr.
import '@kez/accel';
import { ENV_HELP, loadConfig } from './config.js';
import { generateKeys } from './keygen.js';
import { createLogger } from './log.js';
import { startChatServer } from './service.js';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(
    ENV_HELP +
      '\n  kez-chat-server gen-keys DIR   writes issuer.seed and xkey.seed, prints their public keys\n',
  );
  process.exit(0);
}

if (process.argv[2] === 'gen-keys') {
  const dir = process.argv[3];
  if (!dir) {
    process.stderr.write('usage: kez-chat-server gen-keys DIR\n');
    process.exit(2);
  }
  try {
    const k = generateKeys(dir);
    process.stdout.write(
      `wrote ${k.files.join(', ')} (0600; keep them secret)\n` +
        `auth_callout.issuer: ${k.issuer}\nauth_callout.xkey:   ${k.xkey}\n`,
    );
    process.exit(0);
  } catch (e) {
    process.stderr.write(`kez-chat-server: ${(e as Error).message}\n`);
    process.exit(1);
  }
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
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (e) {
  log.error('chat-server failed to start', { error: (e as Error).message });
  process.exit(1);
}

// Builds chat-server, sig-server and kez-cli (and @kez/core through project references), then starts
// the real peers for the run on loopback: a nats-server with auth callout (xkey on) and a
// sig-server (SQLite in a temp dir). chat-server itself runs in-process in each test file.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
// @ts-expect-error plain .mjs support module shared with the bench
import { startDevNats } from './support/nats-dev.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    natsUrl: string;
    natsSecrets: {
      issuerSeed: string;
      issuerPublic: string;
      xkeySeed?: string;
      xkeyPublic?: string;
      calloutPass: string;
      appPass: string;
      plainPass: string;
    };
    sigUrl: string;
    natsMonitorUrl: string;
  }
}

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(pkgDir, '..', '..');

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  execFileSync(
    'npx',
    [
      'tsc',
      '-b',
      join(pkgDir, 'tsconfig.json'),
      join(root, 'packages/chat-client/tsconfig.json'),
      join(root, 'packages/sig-server/tsconfig.json'),
      join(root, 'packages/kez-cli/tsconfig.json'),
    ],
    { stdio: 'inherit', cwd: root },
  );
  const { startServer, DEFAULTS } = await import('@kez/sig-server');
  const dataDir = mkdtempSync(join(tmpdir(), 'kez-chat-sig-'));
  const sig = await startServer({
    ...DEFAULTS,
    host: '127.0.0.1',
    port: 0,
    dataDir,
    rateLimitMax: 0,
    logLevel: 'warn',
  });
  const nats = await startDevNats({ xkey: true, monitor: true });
  project.provide('natsUrl', nats.url);
  project.provide('natsSecrets', nats.secrets);
  project.provide('sigUrl', sig.url);
  project.provide('natsMonitorUrl', nats.monitorUrl);
  return async () => {
    await nats.stop();
    await sig.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
}

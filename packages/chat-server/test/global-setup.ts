// Builds chat-server, sig-server and kez-cli (and @kez/core through project references), then starts
// the real peers for the run on loopback: a nats-server with auth callout (xkey on) and a
// sig-server (@kez/test-kit: SQLite in a temp dir). chat-server itself runs in-process in
// each test file.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { type NatsSecrets, startDevNats } from '@kez/test-kit/nats-server';

declare module 'vitest' {
  export interface ProvidedContext {
    natsUrl: string;
    natsSecrets: NatsSecrets;
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
  // Imported after the build above: the test kit loads the sig-server's dist.
  const { startSigServer } = await import('@kez/test-kit/sig-server');
  const sig = await startSigServer();
  const nats = await startDevNats({ xkey: true, monitor: true });
  project.provide('natsUrl', nats.url);
  project.provide('natsSecrets', nats.secrets);
  project.provide('sigUrl', sig.url);
  project.provide('natsMonitorUrl', nats.monitorUrl ?? '');
  return async () => {
    await nats.stop();
    await sig.close();
  };
}

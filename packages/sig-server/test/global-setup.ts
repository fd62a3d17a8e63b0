// Builds the package (and @kez/core, through project references) so tests import the same
// dist the `kez-sig-server` binary runs, then starts one PostgreSQL cluster for the run.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { startPgCluster } from '@kez/test-kit/postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
  }
}

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');

export default async function setup(project: TestProject): Promise<() => void> {
  execFileSync('npx', ['tsc', '-b', join(pkgDir, 'tsconfig.json')], {
    stdio: 'inherit',
    cwd: join(pkgDir, '..', '..'),
  });
  const pg = await startPgCluster();
  project.provide('pgUrl', pg.url);
  return () => pg.stop();
}

import type { TestProject } from 'vitest/node';
import { startNsd } from '@kez/test-kit';
import { dnsWorld } from './dns-world.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dnsServer: string;
  }
}

export default async function setup(project: TestProject) {
  const nsd = await startNsd((await dnsWorld()).records);
  project.provide('dnsServer', nsd.server);
  return () => nsd.stop();
}

// The page's switches for the kez-sig-server command, from the environment:
// KEZ_SIG_WEB=0 turns the page off (on by default when @kez/web's site is installed),
// KEZ_SIG_WEB_SETTINGS=FILE serves that JSON as /kez-web.json, KEZ_SIG_RELAY=1 turns the
// fetch relay on.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WebOptions } from './routes.js';
import { defaultSiteDir } from './site.js';

export function webOptionsFromEnv(env: NodeJS.ProcessEnv): WebOptions | undefined {
  if (env.KEZ_SIG_WEB === '0') return undefined;
  let siteDir: string;
  try {
    siteDir = defaultSiteDir();
  } catch {
    if (env.KEZ_SIG_WEB === '1') throw new Error('KEZ_SIG_WEB=1 but @kez/web is not installed');
    return undefined;
  }
  if (!existsSync(join(siteDir, 'index.html'))) {
    if (env.KEZ_SIG_WEB === '1') throw new Error(`KEZ_SIG_WEB=1 but ${siteDir} is not built`);
    return undefined;
  }
  const file = env.KEZ_SIG_WEB_SETTINGS;
  const pageSettings = file
    ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)
    : undefined;
  return {
    siteDir,
    ...(pageSettings ? { pageSettings } : {}),
    ...(env.KEZ_SIG_RELAY === '1' ? { relay: {} } : {}),
  };
}

// Debian's Chromium for the browser tests (kez-core's bundle test, kez-web's profile page),
// driven by playwright-core — never playwright's own browser download. Installed by
// packages/kez-core/scripts/setup.sh.
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.KEZ_CHROMIUM ?? '/usr/bin/chromium';

/** Headless, no sandbox (root in CI), and no background traffic of Chromium's own. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why a browser test cannot run here (printed, and the suite's skip name), or undefined. */
export function chromiumMissing(what: string): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const why = `${CHROMIUM} is absent (Debian's chromium; packages/kez-core/scripts/setup.sh installs it): ${what} SKIPPED`;
  console.warn(why);
  return why;
}

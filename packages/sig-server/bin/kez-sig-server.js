#!/usr/bin/env node
// `kez-sig-server` as npm links it. This file is tracked (dist/ is not), so npm makes the link at install
// time, before the first build; until then it says what to run instead of a module-not-found trace.
import { existsSync } from 'node:fs';

if (!existsSync(new URL('../dist/main.js', import.meta.url))) {
  console.error('kez-sig-server: not built yet: run `npm run build` at the repository root');
  process.exit(1);
}
await import('../dist/main.js');

#!/usr/bin/env node
// `kez` as npm links it. This file is tracked (the build output is not), so npm makes the link
// at install time, before the first build; until then it says what to run instead of a
// module-not-found trace. It runs the bundle `npm run build` makes (scripts/bundle.mjs), which
// starts faster than the tsc output in dist/.
import { existsSync } from 'node:fs';

if (!existsSync(new URL('../bundle/kez.js', import.meta.url))) {
  console.error('kez: not built yet: run `npm run build` at the repository root');
  process.exit(1);
}
await import('../bundle/kez.js');

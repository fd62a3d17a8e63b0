#!/usr/bin/env node
// The package-boundary gate of `npm test` (rules: ARCHITECTURE.md). Needs the build
// (@kez/test-kit's dist); exits 1 listing every problem.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkBoundaries } from '@kez/test-kit/boundaries';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const problems = checkBoundaries(root);
for (const p of problems) console.error(`${p.file}: ${p.message}`);
if (problems.length > 0) {
  console.error(`package boundaries: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log('package boundaries: ok');

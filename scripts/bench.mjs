#!/usr/bin/env node
// `npm run bench`: runs every package's benchmarks (packages/*/bench/*.mjs) and the Rust
// one, one after another so they don't compete for the two cores. Each bench prints its own
// table and ends with one JSON line; this collects those lines into bench-results.json.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const only = process.argv.slice(2);

function benches() {
  const list = [];
  for (const pkg of readdirSync(join(root, 'packages')).sort()) {
    const dir = join(root, 'packages', pkg, 'bench');
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) {
      if (f.endsWith('.mjs')) list.push({ name: `${pkg}/${f.replace(/\.mjs$/, '')}`, cmd: ['node', join(dir, f)] });
    }
  }
  const rust = join(root, 'rust', 'bench.sh');
  if (existsSync(rust)) list.push({ name: 'rust/bench', cmd: ['bash', rust] });
  return list.filter((b) => only.length === 0 || only.some((o) => b.name.includes(o)));
}

function lastJsonLine(text) {
  const lines = text.trim().split('\n').reverse();
  for (const line of lines) {
    try {
      return JSON.parse(line);
    } catch {
      /* not the summary line */
    }
  }
  return null;
}

const results = {};
let failed = 0;
for (const b of benches()) {
  console.log(`\n=== ${b.name} (${relative(root, b.cmd[1])})`);
  const r = spawnSync(b.cmd[0], b.cmd.slice(1), { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 300_000 });
  process.stdout.write(r.stdout ?? '');
  if (r.status !== 0) {
    failed++;
    console.log(`!!! ${b.name} exited with ${r.status ?? r.signal}`);
    continue;
  }
  results[b.name] = lastJsonLine(r.stdout ?? '');
}
writeFileSync(join(root, 'bench-results.json'), JSON.stringify({ at: new Date().toISOString(), results }, null, 2) + '\n');
console.log(`\nWrote bench-results.json (${Object.keys(results).length} benches, ${failed} failed)`);
process.exit(failed ? 1 : 0);

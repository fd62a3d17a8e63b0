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
      if (f.endsWith('.mjs'))
        list.push({ name: `${pkg}/${f.replace(/\.mjs$/, '')}`, cmd: ['node', join(dir, f)] });
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
  const r = spawnSync(b.cmd[0], b.cmd.slice(1), {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 300_000,
  });
  process.stdout.write(r.stdout ?? '');
  if (r.status !== 0) {
    failed++;
    console.log(`!!! ${b.name} exited with ${r.status ?? r.signal}`);
    continue;
  }
  results[b.name] = lastJsonLine(r.stdout ?? '');
}
// TypeScript next to Rust, from the benches just run on the same machine (TS figures from
// kez-core/core and, for the signature pool, kez-accel/pool).
const ts = {
  ...results['kez-core/core']?.results,
  ...results['kez-accel/pool']?.results,
};
const rs = results['rust/bench']?.results;
// Each bench may list targets ({ name, value, goal, better }); the TS-vs-Rust ones are made here.
const targets = Object.values(results).flatMap((r) => r?.targets ?? []);
if (rs) {
  const pairs = [
    [
      'claims verified/s, Ed25519 (decode + JCS + hash + verify)',
      'claims verified e2e ed25519 accel',
      'claims verified e2e ed25519',
    ],
    [
      'claims verified/s, BIP-340 (decode + JCS + hash + verify)',
      'claims verified e2e bip340 accel',
      'claims verified e2e bip340',
    ],
    [
      'sigchain of 10,000 events, events/s',
      'sigchain 10000 events/s accel',
      'sigchain 10000 events/s',
    ],
    [
      'sigchain of 10,000 events, signature pool (warm), events/s',
      'sigchain 10000 events/s accel pool',
      'sigchain 10000 events/s',
    ],
    [
      'sigchain of 10,000 events, signature pool (cold), events/s',
      'sigchain 10000 events/s accel pool cold',
      'sigchain 10000 events/s',
    ],
  ];
  console.log('\n=== TypeScript (@kez/core + @kez/accel) vs Rust (kez-core), same run');
  console.log(
    `${'measure'.padEnd(58)} ${'TypeScript'.padStart(10)} ${'Rust'.padStart(10)}  TS/Rust`,
  );
  for (const [label, tk, rk] of pairs) {
    const a = ts[tk];
    const b = rs[rk];
    if (typeof a !== 'number' || typeof b !== 'number') continue;
    console.log(
      `${label.padEnd(58)} ${a.toLocaleString('en-US').padStart(10)} ${b.toLocaleString('en-US').padStart(10)}  ${(a / b).toFixed(2)}×`,
    );
    targets.push({ name: `${label}: TypeScript / Rust`, value: +(a / b).toFixed(3), goal: 0.5 });
  }
}
if (targets.length) {
  console.log('\n=== Targets (ratios from this run)');
  for (const t of targets) {
    const lower = t.better === 'lower';
    const met = typeof t.value === 'number' && (lower ? t.value <= t.goal : t.value >= t.goal);
    console.log(
      `${met ? 'met    ' : 'NOT MET'}  ${t.name.padEnd(72)} ${String(t.value).padStart(6)}  goal ${lower ? '≤' : '≥'} ${t.goal}`,
    );
  }
}
writeFileSync(
  join(root, 'bench-results.json'),
  `${JSON.stringify({ at: new Date().toISOString(), results }, null, 2)}\n`,
);
console.log(
  `\nWrote bench-results.json (${Object.keys(results).length} benches, ${failed} failed)`,
);
process.exit(failed ? 1 : 0);

#!/usr/bin/env node
// Process wall time of the `kez` binary: `kez --version` (startup alone) and
// `kez claim verify FILE` for a Markdown and a compact claim (startup + core + accel + decode +
// verify), next to `node -e 0` measured in the same run, interleaved so load drifts hit all
// alike, and next to the floor under the CLI: core + accel alone, bundled into one file the
// same way, decoding and verifying the same Markdown claim (what any `claim verify` loads and
// runs). Medians of N runs; N is bounded by a time budget. Prints a table, then one JSON line.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const BIN = fileURLToPath(new URL('../bin/kez.js', import.meta.url));
const RUNS = Number(process.env.KEZ_BENCH_RUNS ?? 21);
const BUDGET_MS = Number(process.env.KEZ_BENCH_BUDGET_MS ?? 40_000);

const dir = mkdtempSync(join(tmpdir(), 'kez-cli-bench-'));
const env = { ...process.env, KEZ_HOME: join(dir, 'home'), NO_COLOR: '1' };

function kez(args) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kez ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** core + accel alone: decode a claim file and verify it, as one minified ESM file. */
async function buildFloor() {
  // Under node_modules so the native addons it leaves external resolve as the bundle's do.
  const outfile = fileURLToPath(
    new URL('../node_modules/.cache/kez-bench/floor.js', import.meta.url),
  );
  await build({
    stdin: {
      contents: [
        "import '@kez/accel';",
        "import { decode, verifyClaim } from '@kez/core';",
        "import { readFileSync } from 'node:fs';",
        "const v = verifyClaim(decode(readFileSync(process.argv[2], 'utf8')).object, { now: Math.floor(Date.now() / 1000) });",
        "if (v.status !== 'valid') process.exit(1);",
        "process.stdout.write(v.status + '\\n');",
      ].join('\n'),
      resolveDir: fileURLToPath(new URL('..', import.meta.url)),
      sourcefile: 'floor.mjs',
    },
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['sodium-native', 'bcrypto', 'zstd-napi', '@bokuweb/zstd-wasm', 'tr46'],
    banner: {
      js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);",
    },
    minify: true,
    logLevel: 'warning',
  });
  return outfile;
}

try {
  const floor = await buildFloor();
  kez(['key', 'gen']);
  kez(['sigchain', 'init']);
  const md = join(dir, 'claim.md');
  const compact = join(dir, 'claim.txt');
  kez(['claim', 'github:bench', '--out', md]);
  kez(['claim', 'github:bench2', '--format', 'compact', '--out', compact]);

  const cases = [
    { name: 'node -e 0', argv: ['-e', '0'] },
    { name: 'floor: core+accel verify (md)', argv: [floor, md] },
    { name: 'kez --version', argv: [BIN, '--version'] },
    { name: 'kez claim verify (md)', argv: [BIN, 'claim', 'verify', md] },
    { name: 'kez claim verify (compact)', argv: [BIN, 'claim', 'verify', compact] },
  ];
  const times = cases.map(() => []);
  const start = performance.now();
  let runs = 0;
  while (runs < RUNS && performance.now() - start < BUDGET_MS) {
    cases.forEach((c, i) => {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, c.argv, { env, stdio: 'ignore' });
      const ms = performance.now() - t0;
      if (r.status !== 0) throw new Error(`${c.name} exited ${r.status}`);
      times[i].push(ms);
    });
    runs++;
  }

  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  };
  const base = median(times[0]);
  const rows = cases.map((c, i) => ({
    name: c.name,
    median_ms: +median(times[i]).toFixed(1),
    min_ms: +Math.min(...times[i]).toFixed(1),
    ratio_vs_node: +(median(times[i]) / base).toFixed(2),
    overhead_ms: +(median(times[i]) - base).toFixed(1),
  }));

  console.log(`kez CLI process wall time, ${runs} interleaved runs each (Node ${process.version})`);
  console.log(
    `${'case'.padEnd(31)}${'median ms'.padStart(11)}${'min ms'.padStart(9)}${'× node'.padStart(9)}${'+ms'.padStart(8)}`,
  );
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(31)}${r.median_ms.toFixed(1).padStart(11)}${r.min_ms.toFixed(1).padStart(9)}${r.ratio_vs_node.toFixed(2).padStart(9)}${r.overhead_ms.toFixed(1).padStart(8)}`,
    );
  }
  const goals = {
    'kez --version': 1.3,
    'kez claim verify (md)': 1.8,
    'kez claim verify (compact)': 1.8,
  };
  const targets = rows
    .filter((r) => goals[r.name])
    .map((r) => ({
      name: `${r.name} / node -e 0 (median wall)`,
      value: r.ratio_vs_node,
      goal: goals[r.name],
      better: 'lower',
    }));
  console.log(
    JSON.stringify({ bench: 'kez-cli', runs, node: process.version, results: rows, targets }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}

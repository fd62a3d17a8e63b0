#!/usr/bin/env node
// @kez/accel signature pool benchmark (built dist): chain verify with the signatures on worker
// threads next to the serial verify of the same bundle, same run, 128 … 100,000 events.
import { availableParallelism, loadavg } from 'node:os';
import * as k from '@kez/core';
import { POOL_MIN_EVENTS, SignaturePool } from '../dist/index.js';
import { benchChain, growChain } from '@kez/test-kit/bench-chain';

const NOW = 1_750_000_000;
const results = {};
const ratios = {};
const rows = [];
const row = (name, value, unit, note = '') => {
  results[name] = Math.round(value);
  rows.push([name, Math.round(value).toLocaleString('en-US'), unit, note]);
};
const longChain = growChain(benchChain(10_000, NOW), 100_000, NOW);

// Both cores (issue 15 item 3): verifyChain with the signatures checked on @kez/accel's worker
// pool while this thread folds, next to the serial verifyChain on the same bundle, same run.
// "cold" starts the pool's workers for that chain (a CLI's one verify); "warm" reuses them
// (a long-lived process).
// `checked ahead` is the share of events whose signatures a worker had checked when the fold
// reached them (the fold checks the rest itself).
function pooled(p, text) {
  const task = p.check(text);
  let ahead = 0;
  const counted = {
    at(i) {
      const r = task.at(i);
      if (r && !seen.has(i)) ahead++;
      seen.add(i);
      return r;
    },
  };
  const seen = new Set();
  const t0 = performance.now();
  const r = k.verifyChain(text, { now: NOW, signatures: counted });
  const ms = performance.now() - t0;
  task.cancel();
  if (r.status !== 'valid') throw new Error(`pool chain: ${r.status} ${r.reason}`);
  return { ms, ahead: ahead / seen.size };
}
function serialMs(text) {
  const t0 = performance.now();
  const r = k.verifyChain(text, { now: NOW });
  if (r.status !== 'valid') throw new Error(`chain: ${r.status} ${r.reason}`);
  return performance.now() - t0;
}
const cores = availableParallelism();
const load = loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');
for (const n of [128, 2_048, POOL_MIN_EVENTS, 10_000, 100_000]) {
  const text = k.exportBundle(longChain.slice(0, n));
  const reps = n <= 2_048 ? 3 : 1; // small chains: the best of 3 (one run is a few ms)
  let serial = Infinity;
  let cold = { ms: Infinity };
  let warm = { ms: Infinity };
  for (let i = 0; i < reps; i++) {
    serial = Math.min(serial, serialMs(text));
    const p = new SignaturePool();
    // At 100,000 events the start-up is lost in the run: measured warm only (bench time).
    const c = n < 100_000 ? pooled(p, text) : { ms: Infinity, ahead: 0 };
    const w = pooled(p, text);
    await p.close();
    if (c.ms < cold.ms) cold = c;
    if (w.ms < warm.ms) warm = w;
  }
  const perSec = (ms) => Math.round(n / (ms / 1000));
  row(
    `sigchain ${n} events verify serial accel`,
    serial,
    'ms',
    `${perSec(serial).toLocaleString('en-US')} events/s`,
  );
  for (const [label, m] of [
    ['cold', cold],
    ['warm', warm],
  ]) {
    if (m.ms === Infinity) continue;
    row(
      `sigchain ${n} events verify pool ${label}`,
      m.ms,
      'ms',
      `${perSec(m.ms).toLocaleString('en-US')} events/s = ${(serial / m.ms).toFixed(2)}× serial, ${(100 * m.ahead).toFixed(0)} % checked ahead`,
    );
    ratios[`sigchain ${n} pool ${label} / serial`] = +(serial / m.ms).toFixed(3);
  }
  results[`sigchain ${n} events/s accel serial`] = perSec(serial);
  results[`sigchain ${n} events/s accel pool`] = perSec(warm.ms);
  if (cold.ms !== Infinity) results[`sigchain ${n} events/s accel pool cold`] = perSec(cold.ms);
}
rows.push([
  'sigchain pool: cores, load average at the end',
  '',
  '',
  `${cores} cores, load ${load}`,
]);

const w = [Math.max(...rows.map((r) => r[0].length)), Math.max(...rows.map((r) => r[1].length))];
console.log(`@kez/accel signature pool bench (Node ${process.version}, ${cores} cores)`);
for (const [n, v, u, note] of rows)
  console.log(`${n.padEnd(w[0])}  ${v.padStart(w[1])} ${u.padEnd(8)} ${note}`);
console.log(
  JSON.stringify({ bench: '@kez/accel pool', node: process.version, cores, load, results, ratios }),
);

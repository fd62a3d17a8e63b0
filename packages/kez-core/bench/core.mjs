#!/usr/bin/env node
// @kez/core benchmark (built dist). Every rate is measured in this run, ~2 s each; ratios
// compare end-to-end claim verification with the raw primitive underneath it.
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { ed25519 as nobleEd } from '@noble/curves/ed25519.js';
import { schnorr } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { createRequire } from 'node:module';
import * as secp from 'tiny-secp256k1';
import * as k from '../dist/index.js';
import { fastPrimitives } from '@kez/accel';
import { benchChain, growChain } from '@kez/test-kit/bench-chain';

const require = createRequire(import.meta.url);
const sodium = require('sodium-native');
const nativeSchnorr = require('bcrypto/lib/native/schnorr-libsecp256k1');
const buf = (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

const SECONDS = Number(process.env.KEZ_BENCH_SECONDS ?? 1.5);
const POOL = 64;
const NOW = 1_750_000_000;

/** Calls fn(i) until SECONDS have passed; returns ops/s. */
function rate(fn) {
  for (let i = 0; i < 50; i++) fn(i); // warm-up
  const end = performance.now() + SECONDS * 1000;
  let n = 0;
  const t0 = performance.now();
  while (performance.now() < end) {
    for (let j = 0; j < 20; j++) fn(n++);
  }
  return n / ((performance.now() - t0) / 1000);
}
/**
 * Measures several functions in interleaved 100 ms slices (SECONDS each in total), so a
 * machine whose load changes during the run affects all of them alike and ratios stay fair.
 */
function interleaved(fns) {
  // Warm-up by time, not by count: the first e2e row would otherwise measure the JIT tiering
  // up through core's code (and accel's first OpenSSL verifications), which the raw
  // primitive it is compared with never has to.
  for (const fn of fns) {
    const end = performance.now() + 300;
    for (let i = 0; performance.now() < end; i++) fn(i);
  }
  const counts = fns.map(() => 0);
  const times = fns.map(() => 0);
  const slices = Math.max(1, Math.round(SECONDS * 10));
  for (let s = 0; s < slices; s++) {
    fns.forEach((fn, f) => {
      const t0 = performance.now();
      const end = t0 + 100;
      let n = counts[f];
      while (performance.now() < end) fn(n++);
      times[f] += performance.now() - t0;
      counts[f] = n;
    });
  }
  return counts.map((n, f) => n / (times[f] / 1000));
}
async function rateAsync(fn) {
  for (let i = 0; i < 5; i++) await fn(i);
  const end = performance.now() + SECONDS * 1000;
  let n = 0;
  const t0 = performance.now();
  while (performance.now() < end) await fn(n++);
  return n / ((performance.now() - t0) / 1000);
}

// A pool of claims by distinct keys (so key caches see a realistic mix).
const identity = `kez:id:${'ab'.repeat(32)}`;
const pool = { ed25519: [], bip340: [] };
for (const suite of ['ed25519', 'bip340']) {
  for (let i = 0; i < POOL; i++) {
    const secret = sha256(new TextEncoder().encode(`${suite}-${i}`));
    const s = k.signerFromSecret(suite, secret);
    const claim = k.createClaim(
      { identity, seq: 1 + i, subject: `github:user${i}`, created_at: NOW - 100 },
      s,
    );
    const si = k.signingInput(claim);
    pool[suite].push({
      claim,
      compact: await k.encodeCompact(claim),
      pub: k.parseKeyId(claim.key).publicKey,
      si,
      sig: k.fromHex(claim.sig),
      digest: sha256(si),
      buf: {
        pub: buf(k.parseKeyId(claim.key).publicKey),
        sig: buf(k.fromHex(claim.sig)),
        digest: buf(sha256(si)),
      },
    });
  }
}

const results = {};
const rows = [];
const row = (name, value, unit = 'ops/s', note = '') => {
  results[name] = Math.round(value);
  rows.push([name, Math.round(value).toLocaleString('en-US'), unit, note]);
};

// Raw primitives.
const keyObjects = pool.ed25519.map((c) =>
  createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(c.pub).toString('base64url') },
    format: 'jwk',
  }),
);
// The primitives @kez/accel uses (libsodium, native libsecp256k1) next to the ones it used
// before (OpenSSL through node:crypto, libsecp256k1 as WASM) and the pure-JS fallbacks.
const raw = {
  'raw libsodium ed25519 verify': rate((i) => {
    const c = pool.ed25519[i % POOL];
    if (!sodium.crypto_sign_verify_detached(c.sig, c.si, c.pub)) throw new Error('x');
  }),
  'raw libsecp256k1 native schnorr verify': rate((i) => {
    const c = pool.bip340[i % POOL].buf;
    if (!nativeSchnorr.verify(c.digest, c.sig, c.pub)) throw new Error('x');
  }),
  'raw node:crypto ed25519 verify': rate((i) => {
    const c = pool.ed25519[i % POOL];
    if (!nodeVerify(null, c.si, keyObjects[i % POOL], c.sig)) throw new Error('x');
  }),
  'raw noble ed25519 verify (cofactored)': rate((i) => {
    const c = pool.ed25519[i % POOL];
    if (!nobleEd.verify(c.sig, c.si, c.pub)) throw new Error('x');
  }),
  'raw kez pure ed25519 verify (cofactorless)': rate((i) => {
    const c = pool.ed25519[i % POOL];
    if (!k.purePrimitives.ed25519Verify(c.pub, c.si, c.sig)) throw new Error('x');
  }),
  'raw tiny-secp256k1 schnorr verify': rate((i) => {
    const c = pool.bip340[i % POOL];
    if (!secp.verifySchnorr(c.digest, c.pub, c.sig)) throw new Error('x');
  }),
  'raw noble schnorr verify': rate((i) => {
    const c = pool.bip340[i % POOL];
    if (!schnorr.verify(c.sig, c.digest, c.pub)) throw new Error('x');
  }),
};
for (const [n, v] of Object.entries(raw)) row(n, v);

// End to end: decode compact + JCS + hash + policy + verify, each measured interleaved with
// the raw primitive it rests on.
const ratios = {};
const e2eOnce = (suite) => (i) => {
  const v = k.verifyObject(pool[suite][i % POOL].compact, { now: NOW });
  if (v.status !== 'valid') throw new Error(v.reason);
};
const rawFn = {
  'ed25519 accel': (i) => {
    const c = pool.ed25519[i % POOL];
    sodium.crypto_sign_verify_detached(c.sig, c.si, c.pub);
  },
  'ed25519 pure': (i) => {
    const c = pool.ed25519[i % POOL];
    k.purePrimitives.ed25519Verify(c.pub, c.si, c.sig);
  },
  'bip340 accel': (i) => {
    const c = pool.bip340[i % POOL].buf;
    nativeSchnorr.verify(c.digest, c.sig, c.pub);
  },
  'bip340 pure': (i) => {
    const c = pool.bip340[i % POOL];
    schnorr.verify(c.sig, c.digest, c.pub);
  },
};
// Both suites' e2e paths run before any row is measured, so the first row does not pay alone
// for what any first use costs (code tiering up, accel's first OpenSSL verifications, the
// collection of the garbage the rows above left): measured first, ed25519 read ~0.5x where it
// reads ~0.8x second.
k.setPrimitives(fastPrimitives);
for (const suite of ['ed25519', 'bip340']) {
  const end = performance.now() + 500;
  for (let i = 0; performance.now() < end; i++) e2eOnce(suite)(i);
}
for (const [backend, prims] of [
  ['accel', fastPrimitives],
  ['pure', k.purePrimitives],
]) {
  for (const suite of ['ed25519', 'bip340']) {
    const e2e = e2eOnce(suite);
    const [v, base] = interleaved([
      (i) => {
        k.setPrimitives(prims);
        e2e(i);
      },
      rawFn[`${suite} ${backend}`],
    ]);
    const name = `claims verified e2e ${suite} ${backend}`;
    ratios[name] = +(v / base).toFixed(3);
    row(
      name,
      v,
      'claims/s',
      `${(v / base).toFixed(2)}× raw primitive (${Math.round(base).toLocaleString('en-US')}/s, same slices)`,
    );
  }
}
k.setPrimitives(fastPrimitives);

// Compact encode/decode.
row('compact encode', await rateAsync((i) => k.encodeCompact(pool.ed25519[i % POOL].claim)));
row(
  'compact decode',
  rate((i) => k.decodeCompact(pool.bip340[i % POOL].compact)),
);

// A 10,000-event sigchain (built with OpenSSL signers: @kez/test-kit/bench-chain).
const tBuild = performance.now();
const chain = benchChain(10_000, NOW);
const buildMs = performance.now() - tBuild;
const bundle = k.exportBundle(chain);
// Extended to 100,000 events for the folding rows below (the first 10,000 are `chain`).
const longChain = growChain(chain, 100_000, NOW);
for (const [backend, prims, n] of [
  ['accel', fastPrimitives, 10_000],
  ['pure', k.purePrimitives, 200],
]) {
  k.setPrimitives(prims);
  const text = n === chain.length ? bundle : k.exportBundle(chain.slice(0, n));
  const t0 = performance.now();
  const r = k.verifyChain(text, { now: NOW });
  const ms = performance.now() - t0;
  if (r.status !== 'valid' || r.state.head.seq !== n - 1)
    throw new Error(`chain: ${r.status} ${r.reason}`);
  row(
    `sigchain ${n} events verify ${backend}`,
    ms,
    'ms',
    `${Math.round(n / (ms / 1000)).toLocaleString('en-US')} events/s`,
  );
  results[`sigchain ${n} events/s ${backend}`] = Math.round(n / (ms / 1000));
}
row('sigchain 10000 events build+sign', buildMs, 'ms');

// How cost grows: verifyChain and the in-place folder (one check and one in-place apply per
// event, used by verifyChain, the sig-server's replay and the relay chain reader) at 10² … 10⁵
// events; per-event time should stay flat. applyEvent copies the state on every call
// (quadratic), so it is measured at 1,000 only, as the reference for what folding replaced.
k.setPrimitives(fastPrimitives);
const perEvent = (ms, n) => `${((ms * 1000) / n).toFixed(1)} µs/event`;
const targets = [];
const growth = {};
for (const n of [100, 1_000, 10_000, 100_000]) {
  const events = longChain.slice(0, n);
  let t0 = performance.now();
  const folder = k.createFolder();
  for (const e of events) folder.apply(e, NOW);
  const foldMs = performance.now() - t0;
  if (folder.state.head.seq !== n - 1) throw new Error('fold stopped early');
  row(`sigchain ${n} events fold accel`, foldMs, 'ms', perEvent(foldMs, n));
  t0 = performance.now();
  const r = k.verifyChain(events, { now: NOW });
  const verifyMs = performance.now() - t0;
  if (r.status !== 'valid') throw new Error(`chain: ${r.status} ${r.reason}`);
  row(`sigchain ${n} events verifyChain accel`, verifyMs, 'ms', perEvent(verifyMs, n));
  results[`sigchain ${n} events verifyChain events/s accel`] = Math.round(n / (verifyMs / 1000));
  growth[n] = { fold: foldMs / n, verify: verifyMs / n };
  if (n === 100_000)
    targets.push({
      name: 'fold of 100,000 events / verifyChain of the same events (time)',
      value: +(foldMs / verifyMs).toFixed(3),
      goal: 1.2,
      better: 'lower',
    });
  if (n === 1_000) {
    t0 = performance.now();
    let st = null;
    for (const e of events) st = k.applyEvent(st, e, { now: NOW });
    const applyMs = performance.now() - t0;
    row(`sigchain ${n} events applyEvent loop accel`, applyMs, 'ms', perEvent(applyMs, n));
  }
}
// Per-event time at each size over the 100-event run's, same run (flat = linear).
for (const n of [1_000, 10_000, 100_000]) {
  const f = growth[n].fold / growth[100].fold;
  const v = growth[n].verify / growth[100].verify;
  rows.push([
    `sigchain ${n} per-event time vs 100 events`,
    '',
    '',
    `fold ${f.toFixed(2)}×, verifyChain ${v.toFixed(2)}×`,
  ]);
  ratios[`sigchain ${n} per-event fold vs 100`] = +f.toFixed(3);
  ratios[`sigchain ${n} per-event verifyChain vs 100`] = +v.toFixed(3);
}
for (const suite of ['ed25519', 'bip340'])
  targets.push({
    name: `claims verified e2e ${suite} / raw primitive in use (same slices)`,
    value: ratios[`claims verified e2e ${suite} accel`],
    goal: 0.85,
    better: 'higher',
  });

const w = [Math.max(...rows.map((r) => r[0].length)), Math.max(...rows.map((r) => r[1].length))];
console.log(
  `@kez/core bench (Node ${process.version}, ${SECONDS}s per measurement, pool of ${POOL} keys per suite)`,
);
for (const [n, v, u, note] of rows)
  console.log(`${n.padEnd(w[0])}  ${v.padStart(w[1])} ${u.padEnd(8)} ${note}`);
console.log(
  JSON.stringify({
    bench: '@kez/core',
    node: process.version,
    seconds_per_measurement: SECONDS,
    results,
    ratios,
    targets,
  }),
);

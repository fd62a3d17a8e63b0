// sig-server on loopback, each figure next to a baseline measured in the same run (issue 15):
// - appends/s with 1, 16 and 64 concurrent clients on SQLite (synchronous=FULL) and PostgreSQL,
//   against the in-process verify/2 rate (an append verifies two signatures: the event's and
//   its claim's), which is what a server whose storage cost nothing would reach on one core;
// - chain reads/s against a bare Fastify serving the same bundle bytes (lib/hello-server.mjs);
// - read latency with 1,000 and with 100,000 stored chains (it should not grow).
// Servers run as child processes, so the load generator does not share their event loop. Each
// client is one keep-alive connection that sends its next request when the last is answered.
// Prints a table, then one JSON line. KEZ_BENCH_SECONDS sets the seconds per run (default 5);
// KEZ_BENCH_SERVER_FLAGS gives the sig-server processes node flags (e.g. to profile them:
// "--cpu-prof --cpu-prof-dir=/tmp/prof").
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import '@kez/accel';
import {
  addClaim,
  createFolder,
  createGenesis,
  ed25519,
  encodeJson,
  getPrimitives,
  signingInput,
} from '@kez/core';
import { startPgCluster } from '@kez/test-kit/postgres';

const here = dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.KEZ_BENCH_SECONDS ?? 5);
const CONCURRENCY = [1, 16, 64];
/** Events prepared per append run: more than the fastest run can store in SECONDS. */
const POOL_EVENTS = Number(process.env.KEZ_BENCH_APPENDS ?? 24_000);
/** Events per prepared chain (genesis + adds): short, so a client walks through many chains. */
const CHAIN_LEN = 16;
const READ_CLIENTS = 16;
const now = Math.floor(Date.now() / 1000);

/** OpenSSL-backed Ed25519 signer so preparing events is not what the bench measures. */
function nodeSigner() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url'));
  return {
    keyId: ed25519.keyId(raw),
    suite: ed25519,
    publicKey: raw,
    sign: (m) => new Uint8Array(sign(null, m, privateKey)),
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const { port } = s.address();
        s.close(() => resolve(port));
      });
  });
}

const stop = (child) =>
  new Promise((r) => {
    if (child.exitCode !== null) return r();
    child.once('exit', r);
    child.kill('SIGTERM');
  });

async function waitReady(url, child) {
  for (let i = 0; i < 400; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      /* starting */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('sig-server did not start');
}

/** A sig-server process on `store` (`{ dataDir }` or `{ db }`), rate limit off. */
async function spawnSigServer(store) {
  const port = await freePort();
  const where = store.db ? ['--db', store.db] : ['--data', store.dataDir];
  const child = spawn(
    process.execPath,
    [
      ...(process.env.KEZ_BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean),
      join(here, '..', 'dist', 'main.js'),
      ...where,
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      '--rate-limit',
      '0',
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url, child);
  return { child, url, port };
}

function spawnHello(bundleFile) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(here, 'lib', 'hello-server.mjs'), bundleFile], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.once('error', reject);
    child.stdout.once('data', (d) => resolve({ child, port: Number(String(d).trim()) }));
  });
}

/** In-process Ed25519 verifications per second through core's primitive (one core). */
function verifyRate(seconds = 1) {
  const s = nodeSigner();
  const msg = signingInput({
    kez: '0.2',
    type: 'event',
    seq: 0,
    op: 'init',
    body: {},
    created_at: now,
    key: s.keyId,
  });
  const sig = s.sign(msg);
  let n = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++)
      if (!ed25519.verify(s.publicKey, msg, sig)) throw new Error('verify failed');
    n += 50;
  }
  return n / seconds;
}

/** A chain of `len` events (genesis first), each as its JSON text. */
function prepareChain(len, tag) {
  const signer = nodeSigner();
  const genesis = createGenesis({ created_at: now }, signer);
  const folder = createFolder();
  let state = folder.apply(genesis, now);
  const events = [encodeJson(genesis)];
  for (let i = 1; i < len; i++) {
    const { event } = addClaim(
      state,
      { subject: `dns:c${tag}e${i}.bench.example`, created_at: now },
      signer,
    );
    state = folder.apply(event, now);
    events.push(encodeJson(event));
  }
  return { identity: state.identity, events };
}

// ---- a minimal HTTP client: one keep-alive socket per client, one request at a time ----------
function client(port) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  return {
    request(method, path, body) {
      return new Promise((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            method,
            path,
            agent,
            headers: body
              ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
              : {},
          },
          (res) => {
            res.on('data', () => {});
            res.on('end', () => resolve(res.statusCode));
          },
        );
        req.once('error', reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN;
}

/**
 * `clients` loops for SECONDS; `next(i)` gives client i's next [method, path, body] or null when
 * it has nothing left. Counts answers with `okStatus`; returns rate and latency.
 */
async function load(port, clients, next, okStatus) {
  const end = performance.now() + SECONDS * 1000;
  const lat = [];
  let ok = 0;
  let other = 0;
  let ranOut = false;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, i) => {
      const c = client(port);
      try {
        while (performance.now() < end) {
          const r = next(i);
          if (!r) {
            ranOut = true;
            break;
          }
          const t = performance.now();
          const status = await c.request(...r);
          lat.push(performance.now() - t);
          if (status === okStatus) ok++;
          else other++;
        }
      } finally {
        c.close();
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  lat.sort((a, b) => a - b);
  return {
    rate: ok / elapsed,
    ok,
    other,
    ranOut,
    p50: percentile(lat, 0.5),
    p99: percentile(lat, 0.99),
  };
}

// ---- stores -----------------------------------------------------------------------------------
const tmpDirs = [];
let pgCluster;
let pgDbs = 0;
async function freshStore(kind) {
  if (kind === 'sqlite') {
    const dataDir = mkdtempSync(join(tmpdir(), 'kez-sig-bench-'));
    tmpDirs.push(dataDir);
    return { dataDir };
  }
  pgCluster ??= await startPgCluster();
  const admin = new pg.Client({ connectionString: pgCluster.url });
  await admin.connect();
  const name = `kez_bench_${++pgDbs}`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(pgCluster.url);
  url.pathname = `/${name}`;
  return { db: url.href };
}

/**
 * `n` filler chains of one event each, written straight into the store's tables (the server
 * made the schema): they grow the tables and indexes a read goes through; they are never read.
 */
async function addFiller(store, n) {
  const rows = Array.from({ length: n }, () => `kez:id:${randomBytes(32).toString('hex')}`);
  const jcs = '{"filler":true}';
  if (store.dataDir) {
    const db = new Database(join(store.dataDir, 'kez-sig.sqlite3'));
    const chain = db.prepare('INSERT INTO chains (identity, head_seq, head_hash) VALUES (?, 0, ?)');
    const ev = db.prepare('INSERT INTO events (identity, seq, hash, jcs) VALUES (?, 0, ?, ?)');
    db.transaction(() => {
      for (const id of rows) {
        chain.run(id, id.slice(7));
        ev.run(id, id.slice(7), jcs);
      }
    })();
    db.close();
    return;
  }
  const c = new pg.Client({ connectionString: store.db });
  await c.connect();
  for (let i = 0; i < rows.length; i += 5000) {
    const ids = rows.slice(i, i + 5000);
    await c.query(
      `INSERT INTO kez_chains (identity, head_seq, head_hash) SELECT id, 0, substr(id, 8) FROM unnest($1::text[]) AS id`,
      [ids],
    );
    await c.query(
      `INSERT INTO kez_events (identity, seq, hash, jcs) SELECT id, 0, substr(id, 8), $2 FROM unnest($1::text[]) AS id`,
      [ids, jcs],
    );
  }
  await c.query('ANALYZE');
  await c.end();
}

// ---- runs -------------------------------------------------------------------------------------
const verifyPerSec = verifyRate();
const verifyHalf = verifyPerSec / 2;
const t = performance.now();
const pool = Array.from({ length: Math.ceil(POOL_EVENTS / CHAIN_LEN) }, (_, i) =>
  prepareChain(CHAIN_LEN, i),
);
const prepSeconds = (performance.now() - t) / 1000;
const readChains = Array.from({ length: 64 }, (_, i) => prepareChain(21, `r${i}`));

/** Client i of `clients` appends the pool's chains i, i + clients, … in order. */
async function appendRun(kind, clients) {
  const store = await freshStore(kind);
  const srv = await spawnSigServer(store);
  try {
    const cursor = Array.from({ length: clients }, (_, i) => ({ chain: i, ev: 0 }));
    return await load(
      srv.port,
      clients,
      (i) => {
        const c = cursor[i];
        if (c.ev >= CHAIN_LEN) {
          c.chain += clients;
          c.ev = 0;
        }
        const chain = pool[c.chain];
        if (!chain) return null;
        return ['POST', `/v1/chains/${chain.identity}/events`, chain.events[c.ev++]];
      },
      201,
    );
  } finally {
    await stop(srv.child);
  }
}

/** Reads of the 64 read chains (21 events each) in turn, with `filler` other chains stored. */
async function readRun(kind, filler) {
  const store = await freshStore(kind);
  let srv = await spawnSigServer(store);
  for (const c of readChains)
    for (const ev of c.events)
      if (
        (
          await fetch(`${srv.url}/v1/chains/${c.identity}/events`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: ev,
          })
        ).status !== 201
      )
        throw new Error('seeding the read chains failed');
  await stop(srv.child);
  await addFiller(store, filler);
  srv = await spawnSigServer(store);
  try {
    let n = 0;
    const next = () => ['GET', `/v1/chains/${readChains[n++ % readChains.length].identity}`];
    await load(srv.port, READ_CLIENTS, next, 200); // warm-up: caches, JIT
    return await load(srv.port, READ_CLIENTS, next, 200);
  } finally {
    await stop(srv.child);
  }
}

async function helloRun() {
  const file = join(mkdtempSync(join(tmpdir(), 'kez-sig-bench-')), 'bundle.ndjson');
  tmpDirs.push(dirname(file));
  writeFileSync(file, `${readChains[0].events.join('\n')}\n`);
  const hello = await spawnHello(file);
  try {
    const next = () => ['GET', '/'];
    await load(hello.port, READ_CLIENTS, next, 200);
    return await load(hello.port, READ_CLIENTS, next, 200);
  } finally {
    await stop(hello.child);
  }
}

const results = { appends: {}, reads: {} };
try {
  // The baseline before and after the sig-server reads: a change of machine load shows as a spread.
  const helloBefore = await helloRun();
  for (const kind of ['sqlite', 'postgres']) {
    results.reads[kind] = {};
    for (const filler of [1_000, 100_000])
      results.reads[kind][filler] = await readRun(kind, filler - readChains.length);
  }
  const helloAfter = await helloRun();
  for (const kind of ['sqlite', 'postgres']) {
    results.appends[kind] = {};
    for (const c of CONCURRENCY) results.appends[kind][c] = await appendRun(kind, c);
  }
  results.hello = {
    before: helloBefore,
    after: helloAfter,
    rate: (helloBefore.rate + helloAfter.rate) / 2,
  };
} finally {
  pgCluster?.stop();
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
}

const r0 = (x) => Math.round(x);
const ms = (x) => x.toFixed(2);
const hello = results.hello;
console.log(
  'sig-server bench (loopback, %d s per run; events prepared in %s s)',
  SECONDS,
  prepSeconds.toFixed(1),
);
console.log(
  '| what | per second | ratio | p50 ms | p99 ms | notes |\n|---|---:|---:|---:|---:|---|',
);
console.log(
  `| Ed25519 verify in-process (core + accel), /2 | ${r0(verifyHalf)} | 1.000 | | | one append verifies two signatures |`,
);
for (const [kind, byC] of Object.entries(results.appends))
  for (const [c, a] of Object.entries(byC))
    console.log(
      `| append ${kind}, ${c} client${c === '1' ? '' : 's'} | ${r0(a.rate)} | ${(a.rate / verifyHalf).toFixed(3)} of verify/2 | ${ms(a.p50)} | ${ms(a.p99)} | ${a.ok} stored, ${a.other} other${a.ranOut ? ', prepared events ran out' : ''} |`,
    );
console.log(
  `| bare Fastify, same bundle bytes (baseline, mean) | ${r0(hello.rate)} | 1.000 | ${ms(hello.before.p50)} | ${ms(hello.before.p99)} | before ${r0(hello.before.rate)}, after ${r0(hello.after.rate)} |`,
);
for (const [kind, byN] of Object.entries(results.reads))
  for (const [n, r] of Object.entries(byN))
    console.log(
      `| GET chain (21 events) ${kind}, ${Number(n).toLocaleString('en-US')} chains stored | ${r0(r.rate)} | ${(r.rate / hello.rate).toFixed(3)} of Fastify | ${ms(r.p50)} | ${ms(r.p99)} | ${READ_CLIENTS} clients, ${r.other} non-200 |`,
    );
const summary = {
  bench: 'sig-server',
  seconds: SECONDS,
  primitives: getPrimitives().name,
  ed25519_verify_per_s: r0(verifyPerSec),
  fastify_same_bytes_rps: r0(hello.rate),
};
for (const [kind, byC] of Object.entries(results.appends))
  for (const [c, a] of Object.entries(byC)) {
    summary[`append_${kind}_${c}_per_s`] = r0(a.rate);
    summary[`append_${kind}_${c}_to_verify_half`] = +(a.rate / verifyHalf).toFixed(4);
  }
for (const [kind, byN] of Object.entries(results.reads))
  for (const [n, r] of Object.entries(byN)) {
    summary[`read_${kind}_${n}_chains_rps`] = r0(r.rate);
    summary[`read_${kind}_${n}_chains_to_fastify`] = +(r.rate / hello.rate).toFixed(4);
    summary[`read_${kind}_${n}_chains_p50_ms`] = +r.p50.toFixed(3);
  }
// Issue 15's targets: appends at 64 concurrent on SQLite against verify/2, chain reads against
// bare Fastify (each backend, 1,000 chains stored).
summary.targets = [
  {
    name: 'sig-server: appends/s, SQLite, 64 concurrent / in-process verify/2',
    value: summary.append_sqlite_64_to_verify_half,
    goal: 0.5,
    better: 'higher',
  },
  ...['sqlite', 'postgres'].map((kind) => ({
    name: `sig-server: chain reads/s, ${kind}, 1,000 chains / bare Fastify`,
    value: summary[`read_${kind}_1000_chains_to_fastify`],
    goal: 0.5,
    better: 'higher',
  })),
];
console.log(JSON.stringify(summary));

// sig-server throughput on loopback (autocannon, ~5 s per run), each figure next to a bare
// Fastify hello-world measured in the same run and to the raw Ed25519 verify rate of the
// core primitive (every append verifies two signatures: the event's and its claim's).
// Both servers run as child processes, so the load generator does not share their event loop.
// Prints a table, then one JSON line.
import { spawn } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import '@kez/accel';
import { addClaim, applyEvent, createGenesis, ed25519, encodeJson, getPrimitives, signingInput } from '@kez/core';

const here = dirname(fileURLToPath(import.meta.url));
const DURATION = Number(process.env.KEZ_BENCH_SECONDS ?? 5);
const CONNECTIONS = 16;
const CHAINS = 64;
const APPEND_EVENTS = Number(process.env.KEZ_BENCH_APPENDS ?? 1600);
const now = Math.floor(Date.now() / 1000);

/** OpenSSL-backed Ed25519 signer so preparing events is not what the bench measures. */
function nodeSigner() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url'));
  return { keyId: ed25519.keyId(raw), suite: ed25519, publicKey: raw, sign: (m) => new Uint8Array(sign(null, m, privateKey)) };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function spawnHello() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(here, 'lib', 'hello-server.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.once('error', reject);
    child.stdout.once('data', (d) => resolve({ child, url: `http://127.0.0.1:${String(d).trim()}` }));
  });
}

async function spawnSigServer(dataDir) {
  const port = await freePort();
  const child = spawn(process.execPath, [join(here, '..', 'dist', 'main.js'), '--data', dataDir, '--port', String(port),
    '--host', '127.0.0.1', '--rate-limit', '0', '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try { if ((await fetch(`${url}/readyz`)).ok) return { child, url }; } catch { /* starting */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('sig-server did not start');
}

const stop = (child) => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); });

function run(opts) {
  return new Promise((resolve, reject) => {
    autocannon({ connections: CONNECTIONS, duration: DURATION, ...opts }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}
const okPerSecond = (res) => res['2xx'] / (res.duration || DURATION);

function verifyRate(seconds = 1) {
  const s = nodeSigner();
  const msg = signingInput({ kez: '0.2', type: 'event', seq: 0, op: 'init', body: {}, created_at: now, key: s.keyId });
  const sig = s.sign(msg);
  let n = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) if (!ed25519.verify(s.publicKey, msg, sig)) throw new Error('verify failed');
    n += 50;
  }
  return n / seconds;
}

/** CHAINS chains (genesis only) and, per chain, the next events in order. */
function prepareChains(perChain) {
  return Array.from({ length: CHAINS }, (_, c) => {
    const signer = nodeSigner();
    const genesis = createGenesis({ created_at: now }, signer);
    let state = applyEvent(null, genesis, { now });
    const events = [];
    for (let i = 0; i < perChain; i++) {
      const { event } = addClaim(state, { subject: `dns:c${c}e${i}.bench.example`, created_at: now }, signer);
      state = applyEvent(state, event, { now });
      events.push(encodeJson(event));
    }
    return { identity: state.identity, genesis: encodeJson(genesis), events };
  });
}

const post = (url, identity, body) => fetch(`${url}/v1/chains/${encodeURIComponent(identity)}/events`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body,
});

const verifyPerSec = verifyRate();
const chains = prepareChains(Math.ceil(APPEND_EVENTS / CHAINS) + 1);

const hello = await spawnHello();
const helloRes = await run({ url: hello.url });
await stop(hello.child);

const dataDir = mkdtempSync(join(tmpdir(), 'kez-sig-bench-'));
const sig = await spawnSigServer(dataDir);
let readsRes, appendRes;
try {
  for (const c of chains) if ((await post(sig.url, c.identity, c.genesis)).status !== 201) throw new Error('seed failed');
  // Reads: a 21-event chain (seed it with the first 20 events of chain 0's plan).
  const readChain = chains[0];
  for (const ev of readChain.events.splice(0, 20)) if ((await post(sig.url, readChain.identity, ev)).status !== 201) throw new Error('seed failed');
  readsRes = await run({ url: `${sig.url}/v1/chains/${encodeURIComponent(readChain.identity)}` });

  // Appends: request i goes to chain i % CHAINS, so a chain's next event is only sent after
  // CHAINS - 1 others (with CONNECTIONS < CHAINS, its predecessor has been answered).
  const order = [];
  const depth = Math.min(...chains.map((c) => c.events.length));
  for (let i = 0; i < depth; i++) for (const c of chains) order.push({ path: `/v1/chains/${encodeURIComponent(c.identity)}/events`, body: c.events[i] });
  let next = 0;
  appendRes = await run({
    url: sig.url, method: 'POST', headers: { 'content-type': 'application/json' }, amount: order.length,
    connections: 8,
    requests: [{ setupRequest: (req) => { const o = order[next++ % order.length]; return { ...req, path: o.path, body: o.body }; } }],
  });
} finally {
  await stop(sig.child);
  rmSync(dataDir, { recursive: true, force: true });
}

const helloRps = helloRes.requests.average;
const readRps = readsRes.requests.average;
const appendRps = okPerSecond(appendRes);
const rows = [
  ['fastify hello-world (baseline)', helloRps, '1.00', ''],
  ['GET chain (21 events, 1 ETag)', readRps, (readRps / helloRps).toFixed(3), ''],
  ['POST append (SQLite, fsync)', appendRps, (appendRps / helloRps).toFixed(3),
    `${(appendRps / (verifyPerSec / 2)).toFixed(3)} of verify/2; ${appendRes['2xx']} ok, ${appendRes.non2xx} non-2xx, ${appendRes.errors} errors`],
  ['ed25519 verify (core, accel)', verifyPerSec, '', 'in-process, one core'],
];
console.log('sig-server bench (loopback, %d s per run, %d connections)', DURATION, CONNECTIONS);
console.log('| what | per second | ratio to hello | notes |\n|---|---:|---:|---|');
for (const [what, v, ratio, note] of rows) console.log(`| ${what} | ${Math.round(v)} | ${ratio} | ${note} |`);
console.log(JSON.stringify({
  bench: 'sig-server', seconds: DURATION, primitives: getPrimitives().name,
  hello_rps: Math.round(helloRps), chain_read_rps: Math.round(readRps), append_rps: Math.round(appendRps),
  ed25519_verify_per_s: Math.round(verifyPerSec),
  read_to_hello: +(readRps / helloRps).toFixed(4), append_to_hello: +(appendRps / helloRps).toFixed(4),
  append_to_verify_half: +(appendRps / (verifyPerSec / 2)).toFixed(4),
  append_ok: appendRes['2xx'], append_non2xx: appendRes.non2xx,
}));

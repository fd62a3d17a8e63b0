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
import {
  addClaim,
  applyEvent,
  createGenesis,
  ed25519,
  encodeJson,
  getPrimitives,
  signingInput,
} from '@kez/core';

const here = dirname(fileURLToPath(import.meta.url));
const DURATION = Number(process.env.KEZ_BENCH_SECONDS ?? 5);
const CONNECTIONS = 16; // reads; appends use 8 (fewer than CHAINS)
const CHAINS = 64;
const APPEND_EVENTS = Number(process.env.KEZ_BENCH_APPENDS ?? 1600);
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

function spawnHello() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(here, 'lib', 'hello-server.mjs')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.once('error', reject);
    child.stdout.once('data', (d) =>
      resolve({ child, url: `http://127.0.0.1:${String(d).trim()}` }),
    );
  });
}

async function spawnSigServer(dataDir) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      join(here, '..', 'dist', 'main.js'),
      '--data',
      dataDir,
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
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) return { child, url };
    } catch {
      /* starting */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('sig-server did not start');
}

const stop = (child) =>
  new Promise((r) => {
    child.once('exit', r);
    child.kill('SIGTERM');
  });

function run(opts) {
  return new Promise((resolve, reject) => {
    autocannon({ connections: CONNECTIONS, duration: DURATION, ...opts }, (err, res) =>
      err ? reject(err) : resolve(res),
    );
  });
}

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

/** `count` chains (genesis) and, per chain, its next `perChain` events in order. */
function prepareChains(count, perChain) {
  return Array.from({ length: count }, (_, c) => {
    const signer = nodeSigner();
    const genesis = createGenesis({ created_at: now }, signer);
    let state = applyEvent(null, genesis, { now });
    const events = [];
    for (let i = 0; i < perChain; i++) {
      const { event } = addClaim(
        state,
        { subject: `dns:c${c}e${i}.bench.example`, created_at: now },
        signer,
      );
      state = applyEvent(state, event, { now });
      events.push(encodeJson(event));
    }
    return { identity: state.identity, genesis: encodeJson(genesis), events };
  });
}

const post = (url, identity, body) =>
  fetch(`${url}/v1/chains/${encodeURIComponent(identity)}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });

const verifyPerSec = verifyRate();
const chains = prepareChains(CHAINS, Math.ceil(APPEND_EVENTS / CHAINS));
const [readChain] = prepareChains(1, 20);

// The baseline runs before and after the sig-server runs; its mean is the reference, so a
// change in machine load during the bench shows up as a spread, not as a wrong ratio.
async function helloRun() {
  const hello = await spawnHello();
  try {
    return (await run({ url: hello.url })).requests.average;
  } finally {
    await stop(hello.child);
  }
}
const helloBefore = await helloRun();

const dataDir = mkdtempSync(join(tmpdir(), 'kez-sig-bench-'));
const sig = await spawnSigServer(dataDir);
let readsRes;
let created = 0;
let appendSeconds = DURATION;
let exhausted = false;
try {
  for (const c of [...chains, readChain])
    if ((await post(sig.url, c.identity, c.genesis)).status !== 201) throw new Error('seed failed');
  for (const ev of readChain.events)
    if ((await post(sig.url, readChain.identity, ev)).status !== 201)
      throw new Error('seed failed');
  readsRes = await run({ url: `${sig.url}/v1/chains/${encodeURIComponent(readChain.identity)}` });

  // Appends: request i goes to chain i % CHAINS, so a chain's next event is only sent after
  // CHAINS - 1 others (with fewer connections than chains, its predecessor has been answered).
  // Only 201s count; if the prepared events run out, repeats answer 200 and are not counted.
  const order = [];
  for (let i = 0; i < chains[0].events.length; i++)
    for (const c of chains)
      order.push({
        path: `/v1/chains/${encodeURIComponent(c.identity)}/events`,
        body: c.events[i],
      });
  let next = 0;
  const res = await run({
    url: sig.url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    connections: 8,
    requests: [
      {
        setupRequest: (req) => {
          if (next >= order.length) exhausted = true;
          const o = order[next++ % order.length];
          return { ...req, path: o.path, body: o.body };
        },
        onResponse: (status) => {
          if (status === 201) created++;
        },
      },
    ],
  });
  appendSeconds = res.duration || DURATION;
} finally {
  await stop(sig.child);
  rmSync(dataDir, { recursive: true, force: true });
}
const helloAfter = await helloRun();

const helloRps = (helloBefore + helloAfter) / 2;
const readRps = readsRes.requests.average;
const appendRps = created / appendSeconds;
const rows = [
  [
    'fastify hello-world (baseline, mean)',
    helloRps,
    '1.000',
    `before ${Math.round(helloBefore)}, after ${Math.round(helloAfter)}`,
  ],
  [
    'GET chain (21 events)',
    readRps,
    (readRps / helloRps).toFixed(3),
    `${readsRes['2xx']} ok, ${readsRes.non2xx} non-2xx`,
  ],
  [
    'POST append (SQLite, synchronous=FULL)',
    appendRps,
    (appendRps / helloRps).toFixed(3),
    `${(appendRps / (verifyPerSec / 2)).toFixed(3)} of verify/2; ${created} created${exhausted ? ' (prepared events ran out)' : ''}`,
  ],
  ['Ed25519 verify (core + accel)', verifyPerSec, '', 'in-process, one core'],
];
console.log('sig-server bench (loopback, %d s per run)', DURATION);
console.log('| what | per second | ratio to hello | notes |\n|---|---:|---:|---|');
for (const [what, v, ratio, note] of rows)
  console.log(`| ${what} | ${Math.round(v)} | ${ratio} | ${note} |`);
console.log(
  JSON.stringify({
    bench: 'sig-server',
    seconds: DURATION,
    primitives: getPrimitives().name,
    hello_rps: Math.round(helloRps),
    hello_rps_before: Math.round(helloBefore),
    hello_rps_after: Math.round(helloAfter),
    chain_read_rps: Math.round(readRps),
    append_rps: Math.round(appendRps),
    ed25519_verify_per_s: Math.round(verifyPerSec),
    read_to_hello: +(readRps / helloRps).toFixed(4),
    append_to_hello: +(appendRps / helloRps).toFixed(4),
    append_to_verify_half: +(appendRps / (verifyPerSec / 2)).toFixed(4),
    appends_created: created,
    appends_exhausted: exhausted,
  }),
);

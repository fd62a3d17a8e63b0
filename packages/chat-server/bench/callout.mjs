// Logins per second through the KEZ auth callout, and the connect latency it adds over a plain
// user/password connection to the same nats-server, measured in one run (~20 s): with 16
// identities logging in again and again (each login after the first a conditional read, 304,
// and the token's signature check), then with 1,000 distinct identities, first cold (each
// chain read and verified once) and then warm. Each figure at 1 and at 16 concurrent, with the
// plain connect of the same run as its baseline and the ratio to it.
// Real parts: nats-server (auth callout + xkey), sig-server (SQLite), chat-server in-process.
// The clients sign their login tokens with OpenSSL (node:crypto), so their own signing (pure
// JS in @kez/core, ~1 ms) does not take the cores the servers are measured on.
// Run after `npm run build`: node packages/chat-server/bench/callout.mjs
import { spawn } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@kez/accel';
import { canonicalize, createGenesis, ed25519, objectHash } from '@kez/core';
import { connect } from '@nats-io/transport-node';
import { buildLoginToken } from '@kez/chat-client';
import { freePort } from '@kez/test-kit';
import { startDevNats } from '@kez/test-kit/nats-server';

const AUDIENCE = 'chat.bench.local';
const IDENTITIES = 16;
const MANY = 1_000;
const SEQUENTIAL = 80;
const CONCURRENCY = 16;
const THROUGHPUT_MS = 2_000;

const now = () => Math.floor(Date.now() / 1000);
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const r2 = (x) => Math.round(x * 100) / 100;

const pkgs = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Starts a service process; resolves once `ready(line)` matches a line of its stderr. */
function service(script, args, env, ready) {
  // KEZ_BENCH_CPU_PROF=DIR: the service writes a V8 CPU profile there when it exits (what bounds
  // a login: open it in Chrome DevTools, or sum self time per function).
  const prof = process.env.KEZ_BENCH_CPU_PROF;
  const profFlags = prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [];
  const entry = script.startsWith('-') ? script : join(pkgs, script);
  const child = spawn(process.execPath, [...profFlags, entry, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const lines = [];
  // Admissions and refusals over the whole run (`lines` keeps the last 1,000 lines only).
  const counts = { admitted: 0, refused: 0 };
  let buf = '';
  return new Promise((res, rej) => {
    const timer = setTimeout(
      () => rej(new Error(`${script} did not start:\n${lines.join('\n')}`)),
      15_000,
    );
    child.stderr.on('data', (d) => {
      buf += d;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(line);
        if (line.includes('"login admitted"')) counts.admitted++;
        if (line.includes('"login refused')) counts.refused++;
        if (lines.length > 1000) lines.shift();
        if (ready?.(line)) {
          clearTimeout(timer);
          ready = null;
          res({ child, lines, counts });
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`${script} exited ${code}:\n${lines.join('\n')}`));
    });
  });
}

// Each service in its own process, as deployed; this process only runs the clients.
const dataDir = mkdtempSync(join(tmpdir(), 'kez-bench-sig-'));
const sigPort = await freePort();
const sigUrl = `http://127.0.0.1:${sigPort}`;
const sig = {
  child: spawn(
    process.execPath,
    [
      join(pkgs, 'sig-server/dist/main.js'),
      '--port',
      String(sigPort),
      '--data',
      dataDir,
      '--rate-limit',
      '0',
      '--log-level',
      'warn',
    ],
    { stdio: 'ignore' },
  ),
};
for (let i = 0; ; i++) {
  if (
    await fetch(`${sigUrl}/healthz`).then(
      (r) => r.ok,
      () => false,
    )
  )
    break;
  if (i > 300 || sig.child.exitCode !== null) throw new Error('sig-server did not start');
  await new Promise((r) => setTimeout(r, 50));
}
const nats = await startDevNats({ xkey: true });
const s = nats.secrets;
const chat = await service(
  'chat-server/dist/main.js',
  [],
  {
    NATS_URL: nats.url,
    KEZ_CHAT_AUDIENCE: AUDIENCE,
    SIG_SERVER_URL: sigUrl,
    KEZ_CHAT_SIG_ALLOW_LOOPBACK: '1',
    KEZ_CHAT_ISSUER_SEED: s.issuerSeed,
    KEZ_CHAT_XKEY_SEED: s.xkeySeed,
    KEZ_CHAT_CALLOUT_PASS: s.calloutPass,
    KEZ_CHAT_APP_PASS: s.appPass,
    KEZ_CHAT_LOG_LEVEL: 'info',
    // The dev broker's JetStream store is 256 MB; the 1 GiB default would not fit.
    KEZ_CHAT_HISTORY_MAX_BYTES: String(64 << 20),
  },
  (l) => l.includes('chat-server ready'),
);

/** An Ed25519 KEZ signer whose key lives in OpenSSL. */
function opensslSigner() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');
  return {
    keyId: ed25519.keyId(pub),
    suite: ed25519,
    sign: (msg) => new Uint8Array(sign(null, msg, privateKey)),
  };
}

// Identities with a one-event chain on the sig-server (MANY; the first IDENTITIES for the
// repeated-login runs).
const ids = [];
for (let i = 0; i < MANY; i++) {
  const signer = opensslSigner();
  const g = createGenesis({ created_at: now() - 10 }, signer);
  const identity = `kez:id:${objectHash(g)}`;
  const res = await fetch(`${sigUrl}/v1/chains/${encodeURIComponent(identity)}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: canonicalize(g),
  });
  if (res.status !== 201) throw new Error(`sig-server refused a genesis: ${res.status}`);
  ids.push({ signer, identity });
}

const plainOpts = () => ({ servers: nats.url, user: 'plain', pass: s.plainPass, reconnect: false });
const kezOpts = (i, population = IDENTITIES) => ({
  servers: nats.url,
  token: buildLoginToken(ids[i % population].signer, ids[i % population].identity, AUDIENCE),
  reconnect: false,
});

async function timedConnect(opts) {
  const t0 = performance.now();
  const nc = await connect(opts);
  const ms = performance.now() - t0;
  await nc.close();
  return ms;
}

// Warm-up (JIT, sig-server statements, chat-server's first verifications).
for (let i = 0; i < 10; i++) {
  await timedConnect(plainOpts());
  await timedConnect(kezOpts(i));
}

// Sequential connect latency, interleaved so both see the same machine state.
const plain = [];
const kez = [];
const seqFrom = chat.lines.length;
for (let i = 0; i < SEQUENTIAL; i++) {
  plain.push(await timedConnect(plainOpts()));
  kez.push(await timedConnect(kezOpts(i)));
}
/** chat-server's own time per admitted login (its log's `ms`) over log lines from `from`. */
const handlingMs = (lines) =>
  lines.filter((l) => l.includes('"login admitted"')).map((l) => JSON.parse(l).ms);
const seqServerMs = handlingMs(chat.lines.slice(seqFrom));
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

// Throughput: CONCURRENCY clients connecting (and closing) back to back for THROUGHPUT_MS each.
// A failed connect (e.g. a refusal when the sig-server read times out under load) is counted,
// never retried or hidden.
// With `count`, it stops after that many connects instead (each index once).
async function throughput(makeOpts, count = Number.POSITIVE_INFINITY) {
  let ok = 0;
  let failed = 0;
  const ms = [];
  const end = performance.now() + THROUGHPUT_MS;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      for (
        let i = w;
        i < count && (count < Number.POSITIVE_INFINITY || performance.now() < end);
        i += CONCURRENCY
      ) {
        try {
          ms.push(await timedConnect(makeOpts(i)));
          ok++;
        } catch {
          failed++;
        }
      }
    }),
  );
  return { rate: ok / ((performance.now() - t0) / 1000), failed, p50: pct(ms, 50) };
}
// CPU time per connect of each process (Linux /proc: utime + stime, 10 ms ticks), over each
// throughput run: where a login's cost goes when the cores are what bounds the rate.
const cpuMs = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};
/** The nats-server this process started (its child). */
const natsPid = existsSync('/proc')
  ? readdirSync('/proc').find((d) => {
      try {
        const st = readFileSync(`/proc/${d}/stat`, 'utf8');
        return st.includes('(nats-server)') && st.split(') ')[1].split(' ')[1] === `${process.pid}`;
      } catch {
        return false;
      }
    })
  : undefined;
const pids = {
  clients: process.pid,
  'nats-server': natsPid,
  'chat-server': chat.child.pid,
  'sig-server': sig.child.pid,
};
async function withCpu(run) {
  if (!natsPid) return { ...(await run()), cpu: undefined };
  const before = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, cpuMs(p)]));
  const t0 = performance.now();
  const r = await run();
  const n = (r.rate * (performance.now() - t0)) / 1000;
  const cpu = Object.fromEntries(
    Object.entries(pids).map(([k, p]) => [k, r2((cpuMs(p) - before[k]) / n)]),
  );
  return { ...r, cpu };
}
const {
  rate: plainRate,
  failed: plainFailed,
  cpu: plainCpu,
  p50: plainP50c,
} = await withCpu(() => throughput(() => plainOpts()));
const {
  rate: kezRate,
  failed: kezFailed,
  cpu: kezCpu,
  p50: kezP50c,
} = await withCpu(() => throughput((i) => kezOpts(i)));
// 1,000 distinct identities at 16 concurrent: each one's first login (a full read and a chain
// verification, then cached), then each one's second (a conditional read).
const manyCold = await throughput((i) => kezOpts(i, MANY), MANY);
const manyWarm = await throughput((i) => kezOpts(i, MANY), MANY);

const serverMs = handlingMs(chat.lines);
const { admitted, refused } = chat.counts;
const stopAll = (procs) =>
  Promise.race([
    Promise.all(
      procs.map((p) => {
        p.removeAllListeners('exit');
        const gone = new Promise((r) => p.once('exit', r));
        p.kill('SIGTERM');
        return gone;
      }),
    ),
    new Promise((r) => setTimeout(r, 10_000)),
  ]);
await stopAll([chat.child]);

// The floor: the same broker and xkey with a callout that admits every connect without any KEZ
// check (open and verify the request, sign a user JWT and the response, seal), on chat-server's
// own NATS crypto. What it costs over a plain connect is the broker's callout machinery and the
// extra hops, which no callout service can remove.
const floorCode = `
const { connect } = await import(${JSON.stringify(import.meta.resolve('@nats-io/transport-node'))});
const c = await import(${JSON.stringify(new URL('../dist/nkey-crypto.js', import.meta.url).href)});
const issuer = c.fastSigningKey(process.env.SEED);
const xkey = new c.XKeyBox(process.env.XSEED);
const jwts = new c.JwtVerifier();
const te = new TextEncoder();
const td = new TextDecoder();
const nc = await connect({ servers: process.env.URL, user: 'auth', pass: process.env.PASS, noAsyncTraces: true });
nc.subscribe('$SYS.REQ.USER.AUTH', { callback: (err, msg) => {
  const peer = msg.headers.get('Nats-Server-Xkey');
  const { user_nkey: u, server_id: server } = jwts.decode(td.decode(xkey.open(msg.data, peer))).nats;
  const user = c.encodeUserJwt('floor', u, issuer, { sub: { allow: ['_INBOX.>'] } }, { aud: 'APP', exp: Math.floor(Date.now() / 1000) + 60 });
  msg.respond(xkey.seal(te.encode(c.encodeAuthorizationResponseJwt(u, server.id, issuer, { jwt: user })), peer));
} });
await nc.flush();
console.error('floor callout ready');
`;
const floor = await service(
  '--input-type=module',
  ['-e', floorCode],
  { URL: nats.url, PASS: s.calloutPass, SEED: s.issuerSeed, XSEED: s.xkeySeed },
  (l) => l.includes('floor callout ready'),
);
delete pids['chat-server'];
pids['floor callout'] = floor.child.pid;
const floorOpts = () => ({ servers: nats.url, token: 'floor', reconnect: false });
for (let i = 0; i < 10; i++) await timedConnect(floorOpts());
const plainF = [];
const floorSeq = [];
for (let i = 0; i < SEQUENTIAL; i++) {
  plainF.push(await timedConnect(plainOpts()));
  floorSeq.push(await timedConnect(floorOpts()));
}
const plainF16 = await withCpu(() => throughput(() => plainOpts()));
const floor16 = await withCpu(() => throughput(() => floorOpts()));
await stopAll([floor.child, sig.child]);
await nats.stop();
rmSync(dataDir, { recursive: true, force: true });

const rows = [
  ['plain user/password connect', r2(pct(plain, 50)), r2(pct(plain, 95)), Math.round(plainRate)],
  ['KEZ login via auth callout', r2(pct(kez, 50)), r2(pct(kez, 95)), Math.round(kezRate)],
  [
    `KEZ login, ${MANY} identities, first login each (cold)`,
    r2(manyCold.p50),
    '',
    Math.round(manyCold.rate),
  ],
  [
    `KEZ login, ${MANY} identities, second login each (warm)`,
    r2(manyWarm.p50),
    '',
    Math.round(manyWarm.rate),
  ],
];
console.log('| connection | p50 ms | p95 ms | connects/s (16 concurrent) |');
console.log('|---|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
// 1 concurrent: one client connecting again and again (the sequential runs above).
const plainRate1 = 1000 / mean(plain);
const kezRate1 = 1000 / mean(kez);
console.log(
  `1 concurrent: plain ${Math.round(plainRate1)} connects/s, KEZ ${Math.round(kezRate1)} logins/s (ratio ${r2(kezRate1 / plainRate1)}); chat-server time per login p50 ${pct(seqServerMs, 50)} ms`,
);
console.log(
  `16 concurrent: p50 plain ${r2(plainP50c)} ms, KEZ ${r2(kezP50c)} ms (added ${r2((kezP50c - plainP50c) / plainP50c)}× the plain connect); logins/s ratio KEZ/plain ${r2(kezRate / plainRate)}`,
);
console.log(
  `${MANY} identities, 16 concurrent, logins/s ratio to plain connects/s: cold ${r2(manyCold.rate / plainRate)}, warm ${r2(manyWarm.rate / plainRate)}`,
);
const floorAdded = (pct(floorSeq, 50) - pct(plainF, 50)) / pct(plainF, 50);
console.log(
  `floor (a callout admitting every connect unchecked, same broker and xkey): p50 ${r2(pct(floorSeq, 50))} ms vs plain ${r2(pct(plainF, 50))} ms (added ${r2(floorAdded)}× the plain connect); 16 concurrent ${Math.round(floor16.rate)} vs plain ${Math.round(plainF16.rate)} connects/s (ratio ${r2(floor16.rate / plainF16.rate)})`,
);
if (plainF16.cpu && floor16.cpu)
  console.log(
    `CPU ms per connect, floor, 16 concurrent (plain / floor callout): ${Object.keys(floor16.cpu)
      .map((k) => `${k} ${plainF16.cpu[k]} / ${floor16.cpu[k]}`)
      .join(', ')}`,
  );
console.log(
  `chat-server time per admitted login, from its log's last 1,000 lines (all phases, incl. queueing at 16 concurrent): p50 ${pct(serverMs, 50)} ms, p95 ${pct(serverMs, 95)} ms`,
);
console.log(
  `added latency p50: ${r2(pct(kez, 50) - pct(plain, 50))} ms = ${r2((pct(kez, 50) - pct(plain, 50)) / pct(plain, 50))}× the plain connect (login ×${r2(pct(kez, 50) / pct(plain, 50))}); ` +
    `throughput ratio KEZ/plain: ${r2(kezRate / plainRate)}; admitted ${admitted}, refused ${refused}, failed connects plain ${plainFailed} / KEZ ${kezFailed} / 1,000 identities ${manyCold.failed} cold, ${manyWarm.failed} warm`,
);
if (plainCpu && kezCpu)
  console.log(
    `CPU ms per connect, 16 concurrent (plain / KEZ): ${Object.keys(kezCpu)
      .map((k) => `${k} ${plainCpu[k]} / ${kezCpu[k]}`)
      .join(', ')}`,
  );
console.log(
  JSON.stringify({
    bench: 'chat-server/callout',
    nats_server: 'v2.12.15',
    xkey: true,
    identities: IDENTITIES,
    sequential: SEQUENTIAL,
    concurrency: CONCURRENCY,
    plain_p50_ms: r2(pct(plain, 50)),
    plain_p95_ms: r2(pct(plain, 95)),
    kez_p50_ms: r2(pct(kez, 50)),
    kez_p95_ms: r2(pct(kez, 95)),
    added_p50_ms: r2(pct(kez, 50) - pct(plain, 50)),
    added_to_plain_p50: r2((pct(kez, 50) - pct(plain, 50)) / pct(plain, 50)),
    latency_ratio_p50: r2(pct(kez, 50) / pct(plain, 50)),
    plain_connects_per_s: Math.round(plainRate),
    kez_logins_per_s: Math.round(kezRate),
    throughput_ratio: r2(kezRate / plainRate),
    many_identities: MANY,
    many_cold_logins_per_s: Math.round(manyCold.rate),
    many_cold_p50_ms: r2(manyCold.p50),
    many_cold_failed: manyCold.failed,
    many_warm_logins_per_s: Math.round(manyWarm.rate),
    many_warm_p50_ms: r2(manyWarm.p50),
    many_warm_failed: manyWarm.failed,
    many_warm_to_plain: r2(manyWarm.rate / plainRate),
    many_cold_to_plain: r2(manyCold.rate / plainRate),
    plain_connects_per_s_1: Math.round(plainRate1),
    kez_logins_per_s_1: Math.round(kezRate1),
    throughput_ratio_1: r2(kezRate1 / plainRate1),
    plain_p50_ms_16: r2(plainP50c),
    kez_p50_ms_16: r2(kezP50c),
    added_to_plain_p50_16: r2((kezP50c - plainP50c) / plainP50c),
    callout_handling_p50_ms_1: pct(seqServerMs, 50),
    floor_plain_p50_ms: r2(pct(plainF, 50)),
    floor_p50_ms: r2(pct(floorSeq, 50)),
    floor_added_to_plain_p50: r2(floorAdded),
    floor_plain_connects_per_s: Math.round(plainF16.rate),
    floor_connects_per_s: Math.round(floor16.rate),
    floor_throughput_ratio: r2(floor16.rate / plainF16.rate),
    cpu_ms_per_floor_plain_connect: plainF16.cpu,
    cpu_ms_per_floor_connect: floor16.cpu,
    callout_handling_p50_ms: pct(serverMs, 50),
    callout_handling_p95_ms: pct(serverMs, 95),
    admitted,
    refused,
    plain_failed: plainFailed,
    kez_failed: kezFailed,
    cpu_ms_per_plain_connect: plainCpu,
    cpu_ms_per_kez_login: kezCpu,
    targets: [
      {
        name: 'chat: KEZ login added latency p50 / plain connect p50',
        value: r2((pct(kez, 50) - pct(plain, 50)) / pct(plain, 50)),
        goal: 2,
        better: 'lower',
      },
      {
        name: 'chat: KEZ logins/s / plain connects/s, 16 concurrent',
        value: r2(kezRate / plainRate),
        goal: 0.5,
        better: 'higher',
      },
    ],
  }),
);

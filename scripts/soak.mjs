#!/usr/bin/env node
// `npm run soak [-- --duration 180 --appenders 8 --logins 4]`: sustained mixed load against real
// servers on 127.0.0.1, with faults injected, then an audit. Not a test: it prints figures.
//
// Runs: a PostgreSQL cluster and a sig-server process on it; a sig-server process on SQLite in a
// small tmpfs; a nats-server (.cache/bin/nats-server, auth callout) and a chat-server process
// reading members' chains from the SQLite sig-server. Load: appenders per backend (each its own
// chain, retrying an unanswered event as is), and KEZ logins at a steady rate. Faults, at fixed
// fractions of the run: PostgreSQL `pg_ctl stop -m fast` (then back), the tmpfs filled (then
// freed), chat-server SIGKILLed (then restarted), PostgreSQL's postmaster SIGKILLed (then back).
// At the end every acknowledged append must be present; the figures are printed, and one JSON
// line last. Needs root (tmpfs mount) and `npm run build` first. The sig-servers run with the
// rate limit off (all load comes from one loopback address) and a small state-cache budget.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import '@kez/accel';
import { connectChat } from '@kez/chat-client';
import { encodeJson, objectHash, parseBundle } from '@kez/core';
import { freePort } from '@kez/test-kit';
import { TestChain, newSigner } from '@kez/test-kit/chain-builder';
import { startDevNats } from '@kez/test-kit/nats-server';
import { startPgCluster } from '@kez/test-kit/postgres';

const root = new URL('..', import.meta.url).pathname;
const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '180' },
    appenders: { type: 'string', default: '8' },
    logins: { type: 'string', default: '4' },
    members: { type: 'string', default: '6' },
    'chain-length': { type: 'string', default: '300' },
    // Small on purpose: the cache fills within minutes, so a plateau of RSS is visible (the
    // default budget, 50 000 claims, would still be filling at the end of a short run).
    'cache-claims': { type: 'string', default: '4000' },
    // The earliest tenth of the run that may count as warmed up (V8's young generation grows
    // to its maximum within the first tenths); a sig-server is warm once its state cache also
    // holds 90 % of its claim budget.
    'warm-up': { type: 'string', default: '3' },
    // A directory: each sig-server writes a heap snapshot at every memory sample (large, slow).
    'heap-snapshots': { type: 'string' },
  },
});
/**
 * Flat RSS: post-GC RSS at the end at most this times post-GC RSS after the warm-up. What grows
 * before that and is bounded (measured, scripts/soak-gc.mjs breakdown): V8's young generation
 * from 16 to its 32 MiB maximum, the head-state cache to its claim budget (~1.5 KiB of heap
 * per claim measured in-process, plus the state before the head), SQLite's page cache to its 16 MB (better-sqlite3's
 * SQLITE_DEFAULT_CACHE_SIZE); V8 keeps old-space pages a burst of live data grew for a while.
 */
const FLAT_RSS_FACTOR = 1.1;
/**
 * Heap snapshots at each sample (--heap-snapshots DIR): the retained heap measured exactly.
 * Without them, heapUsed after a forced collection still counts objects V8 has not swept yet
 * (seen here: 37–88 MiB where a snapshot of the same process finds 9 MiB live), so only RSS
 * is judged.
 */
const SNAPSHOTS = Boolean(flags['heap-snapshots']);
const WARM_UP_TENTH = Number(flags['warm-up']);
/** An appender starts a new chain after this many events: a steady population of chains. */
const CHAIN_LENGTH = Number(flags['chain-length']);
const DURATION_MS = Number(flags.duration) * 1000;
const APPENDERS = Number(flags.appenders);
const LOGINS_PER_S = Number(flags.logins);
const MEMBERS = Number(flags.members);
if (
  ![DURATION_MS, APPENDERS, LOGINS_PER_S, MEMBERS, CHAIN_LENGTH].every(
    (n) => Number.isFinite(n) && n > 0,
  )
)
  throw new Error(
    '--duration, --appenders, --logins, --members, --chain-length take positive numbers',
  );
const AUDIENCE = 'soak.kez.test';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let t0 = Date.now();
const log = (msg) => process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}\n`);

for (const f of ['packages/sig-server/dist/main.js', 'packages/chat-server/dist/main.js'])
  if (!existsSync(join(root, f))) throw new Error(`${f} is missing: run npm run build first`);

// ---- processes --------------------------------------------------------------------------------
const children = new Set();
function spawnNode(name, args, env = {}) {
  const child = spawn(process.execPath, ['--expose-gc', '--import', GC_PRELOAD, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  // Drained; only the tail is kept, to say why a process ended on its own. A `soak-mem` line
  // (scripts/soak-gc.mjs, answering SIGUSR2) is the memory after a forced full GC.
  let tail = '';
  let partial = '';
  child.mem = [];
  child.stderr.on('data', (d) => {
    tail = (tail + d.toString()).slice(-400);
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^soak-mem (\{.*\})$/.exec(line);
      if (m) child.mem.push(JSON.parse(m[1]));
    }
  });
  child.expected = false;
  child.on('exit', (code, signal) => {
    children.delete(child);
    if (!child.expected)
      crashes.push(`${name} exited (${code ?? signal}): ${JSON.stringify(tail)}`);
  });
  children.add(child);
  return child;
}
const crashes = [];
const GC_PRELOAD = join(root, 'scripts/soak-gc.mjs');

/** The child's memory after a forced full GC (SIGUSR2, scripts/soak-gc.mjs), in MiB; null when
 *  it did not answer within 3 s. */
async function afterGc(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return null;
  const before = child.mem.length;
  child.kill('SIGUSR2');
  for (let i = 0; i < (flags['heap-snapshots'] ? 1200 : 500) && child.mem.length === before; i++)
    await sleep(50);
  const m = child.mem[before];
  if (!m) return null;
  const mib = (n) => Math.round(n / 1048576);
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, mib(v)]));
}
const fmtGc = (m) =>
  m
    ? `${m.rss} (brk ${m.brk} anon ${m.anon} file ${m.file}) heap ${m.heapUsed}/${m.heapTotal} (young ${m.young} old ${m.old}) ext ${m.external} ab ${m.arrayBuffers}`
    : 'n/a';

function rssKiB(pid) {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

async function waitReady(url, child) {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      /* not listening yet */
    }
    await sleep(50);
  }
  throw new Error(`${url} did not become ready`);
}

async function startSigServer(name, args) {
  const port = await freePort();
  const child = spawnNode(
    name,
    [
      join(root, 'packages/sig-server/dist/main.js'),
      ...args,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--rate-limit',
      '0',
      '--cache-claims',
      flags['cache-claims'],
      '--log-level',
      'warn',
    ],
    flags['heap-snapshots'] ? { SOAK_HEAP_SNAPSHOTS: flags['heap-snapshots'] } : {},
  );
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url, child);
  return { name, url, child };
}

// ---- HTTP with a deadline ---------------------------------------------------------------------
async function post(url, identity, ev) {
  const res = await fetch(`${url}/v1/chains/${identity}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: encodeJson(ev),
    signal: AbortSignal.timeout(10_000),
  });
  await res.arrayBuffer();
  return res.status;
}

function percentile(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
const summary = (ms) => {
  const s = [...ms].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99) };
};

// ---- load -------------------------------------------------------------------------------------
/**
 * Memory is sampled with the load paused: a sample taken under load catches in-flight requests
 * (post-GC heap swung 50–150 MiB between samples), which is work, not retention. Each load loop
 * waits at the gate before its next request and counts itself busy while one is in flight.
 */
const gate = {
  open: Promise.resolve(),
  release: () => {},
  busy: 0,
  close() {
    this.open = new Promise((r) => {
      this.release = r;
    });
  },
  async idle(limitMs) {
    for (const until = Date.now() + limitMs; this.busy > 0 && Date.now() < until; ) await sleep(20);
  },
};
async function throughGate(work) {
  await gate.open;
  gate.busy++;
  try {
    return await work();
  } finally {
    gate.busy--;
  }
}

async function appender(server, stats, endAt) {
  let chain = new TestChain(newSigner());
  let ev = chain.events[0]; // the genesis first; it is already in `chain`
  for (let i = 0; i < 1_000_000 && Date.now() < endAt; i++) {
    await gate.open;
    const t = performance.now();
    let status = 0;
    try {
      status = await throughGate(() => post(server.url, chain.identity, ev));
    } catch {
      status = 0; // no answer (connection refused, reset, deadline)
    }
    stats.status[status] = (stats.status[status] ?? 0) + 1;
    if (status === 201 || status === 200) {
      stats.latency.push(performance.now() - t);
      stats.acked.set(objectHash(ev), chain.identity);
      if (ev.seq > 0) chain.push(ev);
      if (chain.events.length >= CHAIN_LENGTH) {
        chain = new TestChain(newSigner());
        ev = chain.events[0];
      } else ev = chain.addEvent();
    } else await sleep(100);
  }
}

/** Fault windows in epoch ms, extended by the broker's auth timeout plus a reconnect. */
const faultWindows = [];
async function fault(name, run) {
  const w = { name, from: Date.now(), to: 0 };
  faultWindows.push(w);
  log(`fault: ${name}`);
  await run();
  w.to = Date.now() + 5000;
}

async function login(natsUrl, member, stats) {
  const started = Date.now();
  const t = performance.now();
  try {
    const nc = await Promise.race([
      connectChat({
        servers: natsUrl,
        signer: member.primary,
        identity: member.identity,
        audience: AUDIENCE,
      }),
      sleep(8_000).then(() => {
        throw new Error('no answer in 8 s');
      }),
    ]);
    stats.latency.push(performance.now() - t);
    stats.admitted++;
    await nc.close();
  } catch (err) {
    stats.refused++;
    // Which fault (if any) was under way when the attempt started: refusals outside every
    // fault window would be members locked out.
    // An attempt in flight when a fault began counts too (a login 0.2 s before the
    // chat-server was killed is refused by the kill): the attempt's span overlaps the window.
    const ended = Date.now();
    const during = faultWindows.find((w) => ended >= w.from && (w.to === 0 || started <= w.to));
    const reason = String(err?.message ?? err).slice(0, 120);
    const why = `${during?.name ?? 'no fault'}: ${reason.slice(0, 60)}`;
    stats.reasons[why] = (stats.reasons[why] ?? 0) + 1;
    // Each refusal with its time (run-relative), member and reason: one outside every fault
    // window is a member locked out, and its line says why.
    const at = ((started - t0) / 1000).toFixed(1);
    stats.refusals.push({
      at_s: Number(at),
      member: member.identity.slice(0, 12),
      during: during?.name ?? null,
      reason,
    });
    if (!stats.quiet) log(`login refused at ${at}s (${during?.name ?? 'NO FAULT'}): ${reason}`);
  }
}

/** Retries a login of `member` until one is admitted (at most 60 s). */
async function untilAdmitted(natsUrl, member) {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(200)) {
    const probe = { admitted: 0, refused: 0, reasons: {}, refusals: [], latency: [], quiet: true };
    await login(natsUrl, member, probe);
    if (probe.admitted) return;
  }
}

async function logins(natsUrl, members, stats, endAt) {
  const inflight = new Set();
  for (let i = 0; i < 1_000_000 && Date.now() < endAt; i++) {
    await gate.open;
    const p = throughGate(() => login(natsUrl, members[i % members.length], stats)).finally(() =>
      inflight.delete(p),
    );
    inflight.add(p);
    await sleep(1000 / LOGINS_PER_S);
  }
  await Promise.all(inflight);
}

// ---- faults -----------------------------------------------------------------------------------
function fillDisk(dir) {
  const filler = join(dir, 'filler');
  try {
    writeFileSync(filler, Buffer.alloc(256 * 1024 * 1024));
  } catch {
    /* ENOSPC: full, as intended */
  }
  return () => rmSync(filler, { force: true });
}

// ---- main -------------------------------------------------------------------------------------
const mnt = mkdtempSync(join(tmpdir(), 'kez-soak-tmpfs-'));
execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=32m', 'tmpfs', mnt]);
const pg = await startPgCluster();
let nats;
const cleanup = async () => {
  for (const c of children) {
    c.expected = true;
    c.kill('SIGKILL');
  }
  await nats?.stop().catch(() => {});
  pg.stop();
  try {
    execFileSync('umount', ['-l', mnt]);
  } catch {
    /* already gone */
  }
  rmSync(mnt, { recursive: true, force: true });
};
process.on('SIGINT', () => cleanup().then(() => process.exit(130)));

try {
  const sqlite = await startSigServer('sig-server (SQLite)', ['--data', join(mnt, 'data')]);
  const postgres = await startSigServer('sig-server (PostgreSQL)', ['--db', pg.url]);
  nats = await startDevNats({ xkey: true });
  const s = nats.secrets;
  const chatEnv = {
    NATS_URL: nats.url,
    KEZ_CHAT_AUDIENCE: AUDIENCE,
    SIG_SERVER_URL: sqlite.url,
    KEZ_CHAT_SIG_ALLOW_LOOPBACK: '1',
    KEZ_CHAT_ISSUER_SEED: s.issuerSeed,
    KEZ_CHAT_XKEY_SEED: s.xkeySeed,
    KEZ_CHAT_CALLOUT_PASS: s.calloutPass,
    KEZ_CHAT_APP_PASS: s.appPass,
    KEZ_CHAT_LOG_LEVEL: 'error',
    // The dev broker's JetStream has 256 MB; chat-server reserves its history budget up front.
    KEZ_CHAT_HISTORY_MAX_BYTES: String(64 * 1024 * 1024),
    ...(SNAPSHOTS ? { SOAK_HEAP_SNAPSHOTS: flags['heap-snapshots'] } : {}),
  };
  const startChat = () =>
    spawnNode('chat-server', [join(root, 'packages/chat-server/dist/main.js')], chatEnv);
  let chat = startChat();

  const members = Array.from({ length: MEMBERS }, () => new TestChain(newSigner()));
  for (const m of members) {
    m.add();
    for (const ev of m.events) await post(sqlite.url, m.identity, ev);
  }
  await sleep(1000); // chat-server connects to NATS

  const servers = [sqlite, postgres];
  const stats = Object.fromEntries(
    servers.map((srv) => [srv.name, { status: {}, latency: [], acked: new Map() }]),
  );
  const loginStats = { admitted: 0, refused: 0, reasons: {}, refusals: [], latency: [] };
  const rssStart = {
    [sqlite.name]: rssKiB(sqlite.child.pid),
    [postgres.name]: rssKiB(postgres.child.pid),
    'chat-server': rssKiB(chat.pid),
  };
  // Post-GC memory (rss/heapUsed/heapTotal/external MiB) per process: at start, each tenth, at the end.
  const procs = () => ({
    [sqlite.name]: sqlite.child,
    [postgres.name]: postgres.child,
    'chat-server': chat,
  });
  const gcSamples = { [sqlite.name]: [], [postgres.name]: [], 'chat-server': [] };
  const sampleGc = async (label) => {
    const line = [];
    for (const [k, child] of Object.entries(procs())) {
      const m = await afterGc(child);
      gcSamples[k].push(m);
      line.push(`${k} ${fmtGc(m)}`);
    }
    log(`post-GC MiB (${label}): ${line.join('; ')}`);
  };
  await sampleGc('start');

  t0 = Date.now();
  const endAt = t0 + DURATION_MS;
  log(
    `load for ${DURATION_MS / 1000} s: ${APPENDERS} appenders per backend, ${LOGINS_PER_S} logins/s`,
  );
  const load = [
    ...servers.flatMap((srv) =>
      Array.from({ length: APPENDERS }, () => appender(srv, stats[srv.name], endAt)),
    ),
    logins(nats.url, members, loginStats, endAt),
  ];
  const at = (f) => sleep(Math.max(0, t0 + f * DURATION_MS - Date.now()));
  // RSS (and, from /metrics, V8 heap and claims held by the state cache) every tenth of the run,
  // to tell a plateau from a climb, and a climb of the bounded cache from a leak.
  const rssSamples = { [sqlite.name]: [], [postgres.name]: [], 'chat-server': [] };
  const cacheSamples = { [sqlite.name]: [], [postgres.name]: [] };
  /** Claims held by each sig-server's head-state cache, each tenth (index 0 is 1/10). */
  const cacheClaims = { [sqlite.name]: [], [postgres.name]: [] };
  const scrape = async (srv) => {
    try {
      const text = await (
        await fetch(`${srv.url}/metrics`, { signal: AbortSignal.timeout(2000) })
      ).text();
      const num = (name) =>
        Number(text.match(new RegExp(`^${name} (\\d+)$`, 'm'))?.[1] ?? Number.NaN);
      const mib = (name) => Math.round(num(name) / 1048576);
      cacheClaims[srv.name].push(num('kez_sig_cached_head_claims'));
      return `${mib('nodejs_heap_used_bytes')}/${mib('nodejs_heap_total_bytes')}/${mib('nodejs_external_memory_bytes')}MiB/${num('kez_sig_cached_head_claims')}/${num('kez_sig_cached_histories')}:${num('kez_sig_cached_history_claims')}`;
    } catch {
      return 'n/a';
    }
  };
  const sampling = (async () => {
    for (let i = 1; i <= 10; i++) {
      await at(i / 10 - 0.001);
      // Paused: no request in flight, a second for the servers' own queued work to settle.
      gate.close();
      await gate.idle(10_000);
      await sleep(1000);
      rssSamples[sqlite.name].push(rssKiB(sqlite.child.pid));
      rssSamples[postgres.name].push(rssKiB(postgres.child.pid));
      rssSamples['chat-server'].push(rssKiB(chat.pid));
      for (const srv of servers) cacheSamples[srv.name].push(await scrape(srv));
      await sampleGc(`${i}/10`);
      gate.release();
    }
  })();
  const faults = (async () => {
    await at(0.2);
    await fault('PostgreSQL pg_ctl stop -m fast, 3 s', async () => {
      pg.halt('fast');
      await sleep(3000);
      pg.resume();
    });
    await at(0.4);
    await fault('tmpfs under SQLite full, 4 s', async () => {
      const free = fillDisk(mnt);
      await sleep(4000);
      free();
    });
    await at(0.6);
    await fault('chat-server SIGKILL, restarted after 2 s', async () => {
      chat.expected = true;
      chat.kill('SIGKILL');
      await sleep(2000);
      chat = startChat();
      // The fault lasts until the new process serves logins again (its start-up takes seconds
      // on a loaded machine): a probe login admitted ends the window.
      await untilAdmitted(nats.url, members[0]);
    });
    await at(0.75);
    await fault('PostgreSQL postmaster SIGKILL, 3 s', async () => {
      pg.halt('kill');
      await sleep(3000);
      pg.resume();
    });
  })();
  await Promise.all([...load, faults, sampling]);
  log('load stopped; auditing');
  await sampleGc('end');

  const rssEnd = {
    [sqlite.name]: rssKiB(sqlite.child.pid),
    [postgres.name]: rssKiB(postgres.child.pid),
    'chat-server': rssKiB(chat.pid),
  };
  const report = { duration_s: DURATION_MS / 1000, backends: {}, logins: {}, rss_kib: {}, crashes };
  for (const srv of servers) {
    const st = stats[srv.name];
    const present = new Set();
    for (const identity of new Set(st.acked.values())) {
      const res = await fetch(`${srv.url}/v1/chains/${identity}`);
      for (const ev of parseBundle(await res.text())) present.add(objectHash(ev));
    }
    const missing = [...st.acked.keys()].filter((h) => !present.has(h)).length;
    report.backends[srv.name] = {
      acknowledged: st.acked.size,
      present_of_acknowledged: st.acked.size - missing,
      missing,
      answers: st.status,
      append_ms: summary(st.latency),
    };
  }
  report.logins = {
    admitted: loginStats.admitted,
    refused: loginStats.refused,
    refusal_reasons: loginStats.reasons,
    refusals: loginStats.refusals,
    outside_fault_windows: loginStats.refusals.filter((r) => !r.during).length,
    login_ms: summary(loginStats.latency),
  };
  for (const k of Object.keys(rssStart))
    report.rss_kib[k] = { start: rssStart[k], end: rssEnd[k], every_tenth: rssSamples[k] };
  report.heap_and_cached_claims_every_tenth = cacheSamples;
  report.post_gc_mib = gcSamples;

  for (const [name, b] of Object.entries(report.backends))
    log(
      `${name}: ${b.acknowledged} acknowledged, ${b.present_of_acknowledged} present, ${b.missing} missing; ` +
        `answers ${JSON.stringify(b.answers)}; append p50 ${b.append_ms.p50?.toFixed(1)} ms p99 ${b.append_ms.p99?.toFixed(1)} ms`,
    );
  const l = report.logins;
  log(
    `logins: ${l.admitted} admitted, ${l.refused} refused ${JSON.stringify(l.refusal_reasons)}; ` +
      `p50 ${l.login_ms.p50?.toFixed(1)} ms p99 ${l.login_ms.p99?.toFixed(1)} ms`,
  );
  for (const [k, v] of Object.entries(report.rss_kib))
    log(
      `RSS ${k}: ${v.start} KiB at start, ${v.end} KiB at end; each tenth: ${v.every_tenth.join(' ')}`,
    );
  for (const [k, v] of Object.entries(cacheSamples))
    log(
      `heap used/total/external, cached head-state claims/histories:history claims ${k}, each tenth: ${v.join(' ')}`,
    );
  // gcSamples[k][0] is the start, [i] the i-th tenth, the last the end (after the load stopped).
  report.rss_flat = {};
  for (const [k, v] of Object.entries(gcSamples)) {
    const rss = v.map((m) => m?.rss ?? 'n/a');
    const heap = v.map((m) => m?.heapUsed ?? 'n/a');
    // The first tenth from WARM_UP_TENTH on at which a sig-server's cache is 90 % full.
    const budget = Number(flags['cache-claims']);
    const filled = cacheClaims[k]
      ? cacheClaims[k].findIndex((n, i) => i + 1 >= WARM_UP_TENTH && n >= 0.9 * budget) + 1
      : WARM_UP_TENTH;
    const warmTenth = filled > 0 && filled < 10 ? filled : null;
    // With heap snapshots, heapUsed (read after the snapshot's own complete collection) is the
    // live heap and is what is judged: writing a snapshot grows the malloc arena, so RSS is not.
    const measure = SNAPSHOTS ? 'live heap' : 'RSS';
    const of = (m) => (SNAPSHOTS ? m?.heapUsed : m?.rss);
    const warm = warmTenth === null ? null : of(v[warmTenth]);
    const end = of(v.at(-1));
    const flat = warm != null && end != null && end <= warm * FLAT_RSS_FACTOR;
    report.rss_flat[k] = {
      measure,
      warm_up_tenth: warmTenth,
      warm_up_mib: warm,
      end_mib: end,
      flat,
    };
    log(
      `post-GC ${k}: ${measure} MiB start ${of(v[0])}, ` +
        (warmTenth === null
          ? 'never warm (its state cache did not fill before 9/10: run longer) -> NOT JUDGED'
          : `after warm-up (${warmTenth}/10) ${warm}, end ${end} -> ${flat ? 'flat' : 'NOT FLAT'} (end <= warm-up x ${FLAT_RSS_FACTOR})`) +
        `; RSS: ${rss.join(' ')}; heap used MiB ${heap.join(' ')}`,
    );
  }
  log(crashes.length ? `CRASHES: ${crashes.join('; ')}` : 'no process exited on its own');
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exitCode =
    crashes.length ||
    Object.values(report.backends).some((b) => b.missing) ||
    report.logins.outside_fault_windows ||
    Object.values(report.rss_flat).some((f) => !f.flat)
      ? 1
      : 0;
} finally {
  await cleanup();
}

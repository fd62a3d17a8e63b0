#!/usr/bin/env node
// verify id of graphs of 1, 10 and 100 accounts (GitHub, Mastodon and DNS in turn) with 100 ms
// added to every service round trip (delays in the stand-ins, delaying proxies in front of nsd
// and the sig-server). For each size: wall time next to the critical path — the longest chain
// of dependent round trips (root proof → chain → slowest account, each step's depth measured
// from the intervals of its round trips) — and next to the concurrency bound (accounts fetched
// CONCURRENCY at a time), and, as the baseline measured in the same run, the same verification
// with concurrency 1. Wall ≈ max(critical path, concurrency bound), not the sum of all round
// trips, shows the fetches run concurrently and cost grows with waves, not accounts.
import '@kez/accel';
import * as ch from '@kez/channels';
import { parseSubject } from '@kez/core';
import * as t from '@kez/test-kit';
import { TestChain } from '@kez/test-kit/chain-builder';
import { startSigServer } from '@kez/test-kit/sig-server';

const LATENCY = Number(process.env.KEZ_BENCH_LATENCY_MS ?? 100);
const RUNS = 5;

const gh = await t.startGithubStandin({ latencyMs: LATENCY });
// The stand-in keeps GitHub's 60 requests/hour without a token, which a 100-account graph run
// several times exceeds: the bench reads with a token (5,000/hour), as operators are told to.
const GITHUB_TOKEN = 'bench-reader-token';
gh.addToken(GITHUB_TOKEN, 'bench-reader');
const masto = await t.startMastodonStandin({ host: 'social.example', latencyMs: LATENCY });
const sig = await startSigServer();
const sigPort = Number(new URL(sig.url).port);
const sigProxy = await t.startTcpDelayProxy({ host: '127.0.0.1', port: sigPort }, LATENCY);
const sigUrl = `http://127.0.0.1:${sigProxy.port}`;

const SIZES = (process.env.KEZ_BENCH_ACCOUNTS ?? '1,10,100').split(',').map(Number);
const CONCURRENCY = 8;
const CHANNELS = ['github', 'ap', 'dns'];

/** An identity claiming `n` accounts, with each proof placed where its channel serves it. */
async function makeGraph(n, records) {
  const id = TestChain.create();
  const subjects = [];
  for (let i = 0; i < n; i++) {
    const name = `ann-${n}-${i}`;
    const channel = CHANNELS[i % CHANNELS.length];
    const s =
      channel === 'github'
        ? `github:${name}`
        : channel === 'ap'
          ? `ap:@${name.replaceAll('-', '_')}@social.example`
          : `dns:${name}.example`;
    subjects.push(s);
    const claim = id.add(s, { locators: [sigUrl] });
    if (channel === 'github') {
      gh.addUser(name);
      gh.addGist(name, { 'kez.md': TestChain.markdown(claim) });
    }
    // In the note (500 characters): a profile field holds 255, less than a compact claim.
    if (channel === 'ap')
      masto.addAccount(name.replaceAll('-', '_'), { summary: await TestChain.compact(claim) });
    if (channel === 'dns')
      records.push({ name: `_kez.${name}.example`, strings: await TestChain.txtStrings(claim) });
  }
  return { id, subjects };
}
const records = [];
const graphs = [];
for (const n of SIZES) graphs.push(await makeGraph(n, records));
const nsd = await t.startNsd(records);
const dnsProxy = await t.startDnsDelayProxy({ host: '127.0.0.1', port: nsd.port }, LATENCY);

function makeEnv(concurrency, log) {
  const env = ch.createChannelEnv(
    ch.channelsConfig({
      allowLoopback: true,
      allowHttp: true,
      concurrency,
      hostMap: { ...gh.hostMap, ...masto.hostMap },
      dnsServers: [`127.0.0.1:${dnsProxy.port}`],
      sigServers: [],
    }),
    { credentials: { github: GITHUB_TOKEN } },
  );
  if (!log) return env;
  // Each fetch / TXT query is one service round trip; its interval is recorded.
  const timed =
    (fn) =>
    async (...a) => {
      const start = performance.now();
      try {
        return await fn(...a);
      } finally {
        log.push([start, performance.now()]);
      }
    };
  return { ...env, fetch: timed(env.fetch), resolveTxt: timed(env.resolveTxt), close: env.close };
}

/** Longest chain of round trips where each starts after the previous ended: the dependent ones. */
function dependentDepth(intervals) {
  const sorted = [...intervals].sort((a, b) => a[1] - b[1]);
  const depth = sorted.map(() => 1);
  sorted.forEach(([start], i) => {
    for (let j = 0; j < i; j++)
      if (sorted[j][1] <= start) depth[i] = Math.max(depth[i], depth[j] + 1);
  });
  return Math.max(0, ...depth);
}

const registry = ch.defaultRegistry();
// Each step alone, on an instrumented env: round trips made, and how many of them depend on each other.
async function step(fn) {
  const log = [];
  const env = makeEnv(CONCURRENCY, log);
  const t0 = performance.now();
  await fn(env);
  const ms = performance.now() - t0;
  await env.close();
  return { calls: log.length, depth: dependentDepth(log), ms };
}

async function measure({ id, subjects }) {
  // Publish the chain (through the delaying proxy: it is the server verifiers talk to).
  {
    const env = makeEnv(CONCURRENCY);
    await ch.sigServerTransport.publishEvents(sigUrl, id.identity, id.events, env);
    await env.close();
  }
  const perSubject = {};
  for (const s of subjects)
    perSubject[s] = await step((env) =>
      registry.plugin(parseSubject(s).channel).locate(parseSubject(s), env),
    );
  const chainStep = await step((env) =>
    ch.obtainChain(id.identity, [sigUrl], registry, env, id.now),
  );
  const root = subjects[0];
  const others = subjects.filter((s) => s !== root).map((s) => perSubject[s]);
  const slowest = Math.max(0, ...others.map((o) => o.depth));
  const slowestMs = Math.max(0, ...others.map((o) => o.ms));
  // The same path in measured time (each step alone): latency plus the services' own work.
  const criticalMs = perSubject[root].ms + chainStep.ms + slowestMs;
  const criticalRts = perSubject[root].depth + chainStep.depth + slowest;
  const sumRts = perSubject[root].calls + chainStep.calls + others.reduce((a, o) => a + o.calls, 0);
  // With CONCURRENCY accounts in flight, the others take at least this many waves.
  const waves = Math.ceil(others.length / CONCURRENCY);
  const boundRts = perSubject[root].depth + chainStep.depth + waves * slowest;

  async function run(concurrency, runs) {
    const times = [];
    let status;
    for (let i = 0; i < runs; i++) {
      const env = makeEnv(concurrency);
      const t0 = performance.now();
      const r = await ch.verifyIdentity(root, {
        now: id.now,
        env,
        registry,
        cache: ch.memoryHeadCache(),
        sigServers: [],
      });
      times.push(performance.now() - t0);
      await env.close();
      status = `${r.status}, ${r.edges.filter((e) => e.status === 'valid').length}/${r.edges.length} edges valid`;
      if (r.status !== 'valid' || r.edges.some((e) => e.status !== 'valid'))
        throw new Error(
          `unexpected result: ${JSON.stringify(r.edges.map((e) => [e.subject, e.status, e.code]))}`,
        );
    }
    times.sort((a, b) => a - b);
    return { median: times[Math.floor(times.length / 2)], min: times[0], status, runs };
  }
  await run(CONCURRENCY, 1); // warm-up: the first run compiles the code paths
  const concurrent = await run(CONCURRENCY, RUNS);
  // One account at a time costs ~n × the per-account time: fewer runs for the large graph.
  const sequential = await run(1, subjects.length >= 100 ? 1 : RUNS);

  const row = (a, b, c, d) => `${a.padEnd(40)}${b.padStart(12)}${c.padStart(14)}  ${d}`;
  console.log(
    `\nverify id ${root}: ${subjects.length} account(s), +${LATENCY} ms per service round trip, median of ${RUNS}`,
  );
  console.log(row('', 'round trips', 'latency ms', ''));
  console.log(
    row(
      'critical path (dependent RTs)',
      String(criticalRts),
      String(criticalRts * LATENCY),
      `root ${perSubject[root].depth} + chain ${chainStep.depth} + slowest account ${slowest}`,
    ),
  );
  console.log(
    row(
      'critical path, steps timed alone',
      '',
      criticalMs.toFixed(0),
      `root ${perSubject[root].ms.toFixed(0)} + chain ${chainStep.ms.toFixed(0)} + slowest account ${slowestMs.toFixed(0)}`,
    ),
  );
  console.log(
    row(
      `concurrency bound (${CONCURRENCY} in flight)`,
      String(boundRts),
      String(boundRts * LATENCY),
      `${waves} wave(s) of accounts`,
    ),
  );
  console.log(
    row('all round trips, one after another', String(sumRts), String(sumRts * LATENCY), ''),
  );
  console.log(
    row(`wall, concurrency ${CONCURRENCY}`, '', concurrent.median.toFixed(0), concurrent.status),
  );
  console.log(
    row(
      `wall, one account at a time (baseline, ${sequential.runs} run(s))`,
      '',
      sequential.median.toFixed(0),
      sequential.status,
    ),
  );
  console.log(
    `wall / critical path latency = ${(concurrent.median / (criticalRts * LATENCY)).toFixed(2)}; wall / concurrency bound = ${(concurrent.median / (boundRts * LATENCY)).toFixed(2)}; baseline / concurrent = ${(sequential.median / concurrent.median).toFixed(2)}x`,
  );
  return {
    accounts: subjects.length,
    critical_path_round_trips: criticalRts,
    critical_path_ms: criticalRts * LATENCY,
    critical_path_timed_ms: Math.round(criticalMs),
    concurrency_bound_ms: boundRts * LATENCY,
    total_round_trips: sumRts,
    wall_ms: Math.round(concurrent.median),
    wall_sequential_ms: Math.round(sequential.median),
    wall_over_critical_path: Number((concurrent.median / (criticalRts * LATENCY)).toFixed(3)),
    wall_over_concurrency_bound: Number((concurrent.median / (boundRts * LATENCY)).toFixed(3)),
    speedup_vs_sequential: Number((sequential.median / concurrent.median).toFixed(3)),
  };
}

const results = [];
for (const g of graphs) results.push(await measure(g));

await Promise.all([gh.close(), masto.close(), sigProxy.close(), dnsProxy.close()]);
await Promise.all([sig.close(), nsd.stop()]);

console.log(
  JSON.stringify({
    bench: 'kez-channels/verify-id',
    latency_ms: LATENCY,
    runs: RUNS,
    concurrency: CONCURRENCY,
    results,
  }),
);

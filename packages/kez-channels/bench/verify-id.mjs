#!/usr/bin/env node
// verify id of a 6-account graph (2 GitHub, 2 Mastodon, 2 DNS) with 100 ms added to every
// service round trip (delays in the stand-ins, delaying proxies in front of nsd and the
// sig-server). Reports wall time next to the critical path — the longest chain of dependent
// round trips — and, as the baseline measured in the same run, the same verification with
// concurrency 1. Wall ≈ critical path (not ≈ the sum) shows the fetches run concurrently.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = dirname(dirname(fileURLToPath(import.meta.url)));
await import('@kez/accel');
const { parseSubject } = await import('@kez/core');
const ch = await import(join(pkg, 'dist/index.js'));
const t = await import(join(pkg, 'dist/testing/index.js'));

const LATENCY = Number(process.env.KEZ_BENCH_LATENCY_MS ?? 100);
const RUNS = 5;

const gh = await t.startGithubStandin({ latencyMs: LATENCY });
const masto = await t.startMastodonStandin({ host: 'social.example', latencyMs: LATENCY });
const sig = await t.startSigServer();
const sigPort = Number(new URL(sig.url).port);
const sigProxy = await t.startTcpDelayProxy({ host: '127.0.0.1', port: sigPort }, LATENCY);
const sigUrl = `http://127.0.0.1:${sigProxy.port}`;

const id = t.TestIdentity.create();
const subjects = ['github:ann', 'github:ann-work', 'ap:@ann@social.example', 'ap:@annie@social.example', 'dns:ann.example', 'dns:ann-work.example'];
const records = [];
for (const s of subjects) {
  const claim = id.add(s, { locators: [sigUrl] });
  const { channel, id: name } = parseSubject(s);
  if (channel === 'github') { gh.addUser(name); gh.addGist(name, { 'kez.md': t.TestIdentity.markdown(claim) }); }
  if (channel === 'ap') masto.addAccount(name.split('@')[1], { fields: [{ name: 'KEZ', value: await t.TestIdentity.compact(claim) }] });
  if (channel === 'dns') records.push({ name: `_kez.${name}`, strings: await t.TestIdentity.txtStrings(claim) });
}
const nsd = await t.startNsd(records);
const dnsProxy = await t.startDnsDelayProxy({ host: '127.0.0.1', port: nsd.port }, LATENCY);

function makeEnv(concurrency, counter) {
  const env = ch.createChannelEnv(ch.channelsConfig({
    allowLoopback: true, allowHttp: true, concurrency,
    hostMap: { ...gh.hostMap, ...masto.hostMap }, dnsServers: [`127.0.0.1:${dnsProxy.port}`], sigServers: [],
  }));
  if (!counter) return env;
  const { fetch, resolveTxt } = env;
  return { ...env, fetch: (...a) => (counter.n++, fetch(...a)), resolveTxt: (...a) => (counter.n++, resolveTxt(...a)), close: env.close };
}

// Publish the chain (through the delaying proxy: it is the server verifiers talk to).
{
  const env = makeEnv(8);
  await ch.sigServerTransport.publishEvents(sigUrl, id.identity, id.events, env);
  await env.close();
}

// Round trips per step, counted on an instrumented env (each fetch / TXT query = one round trip).
const registry = ch.defaultRegistry();
async function roundTrips(fn) {
  const counter = { n: 0 };
  const env = makeEnv(8, counter);
  await fn(env);
  await env.close();
  return counter.n;
}
const perSubject = {};
for (const s of subjects) perSubject[s] = await roundTrips((env) => registry.plugin(parseSubject(s).channel).locate(parseSubject(s), env));
const chainRts = await roundTrips((env) => ch.obtainChain(id.identity, [sigUrl], registry, env, id.now));
const root = subjects[0];
const others = subjects.filter((s) => s !== root).map((s) => perSubject[s]);
const criticalRts = perSubject[root] + chainRts + Math.max(...others);
const sumRts = perSubject[root] + chainRts + others.reduce((a, b) => a + b, 0);

async function run(concurrency) {
  const times = [];
  let status;
  for (let i = 0; i < RUNS; i++) {
    const env = makeEnv(concurrency);
    const t0 = performance.now();
    const r = await ch.verifyIdentity(root, { now: id.now, env, registry, cache: ch.memoryHeadCache(), sigServers: [] });
    times.push(performance.now() - t0);
    await env.close();
    status = `${r.status}, ${r.edges.filter((e) => e.status === 'valid').length}/${r.edges.length} edges valid`;
    if (r.status !== 'valid' || r.edges.some((e) => e.status !== 'valid')) throw new Error(`unexpected result: ${JSON.stringify(r.edges.map((e) => [e.subject, e.status, e.code]))}`);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], min: times[0], status };
}

const concurrent = await run(8);
const sequential = await run(1);

await Promise.all([gh.close(), masto.close(), sigProxy.close(), dnsProxy.close()]);
await Promise.all([sig.close(), nsd.stop()]);

const row = (a, b, c, d) => `${a.padEnd(34)}${b.padStart(12)}${c.padStart(14)}  ${d}`;
console.log(`verify id ${root}: 6 accounts, +${LATENCY} ms per service round trip, median of ${RUNS}`);
console.log(row('', 'round trips', 'latency ms', ''));
console.log(row('critical path (dependent RTs)', String(criticalRts), String(criticalRts * LATENCY), `root ${perSubject[root]} + chain ${chainRts} + slowest account ${Math.max(...others)}`));
console.log(row('all round trips, one after another', String(sumRts), String(sumRts * LATENCY), ''));
console.log(row('wall, concurrency 8', '', concurrent.median.toFixed(0), concurrent.status));
console.log(row('wall, concurrency 1 (baseline)', '', sequential.median.toFixed(0), sequential.status));
console.log(`wall / critical path = ${(concurrent.median / (criticalRts * LATENCY)).toFixed(2)}; baseline / concurrent = ${(sequential.median / concurrent.median).toFixed(2)}x`);
console.log(JSON.stringify({
  bench: 'kez-channels/verify-id', accounts: 6, latency_ms: LATENCY, runs: RUNS,
  critical_path_round_trips: criticalRts, critical_path_ms: criticalRts * LATENCY, total_round_trips: sumRts,
  wall_ms: Math.round(concurrent.median), wall_sequential_ms: Math.round(sequential.median),
  wall_over_critical_path: Number((concurrent.median / (criticalRts * LATENCY)).toFixed(3)),
  speedup_vs_sequential: Number((sequential.median / concurrent.median).toFixed(3)),
}));

#!/usr/bin/env node
// The cost of one `verify id` of an ActivityPub account whose profile summary holds N valid
// proofs for one identity, each naming 8 distinct locators on a hostile sig-server that streams
// just under 16 MiB of junk lines (60 KiB each, under the bundle line limit) per chain read.
// The stand-ins run here; each verification runs in a fresh child process, so its peak RSS
// (getrusage maxRSS) is the verifier's alone. Prints wall time, fetches sent (counted at the
// safe fetcher) and requests the hostile server saw. Not a test: figures for the issue-11 note.
//   node bench/hostile-profile.mjs
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import '@kez/accel';
import * as ch from '@kez/channels';
import * as core from '@kez/core';
import * as t from '@kez/test-kit';
import { TestChain } from '@kez/test-kit/chain-builder';

const self = fileURLToPath(import.meta.url);
const SUBJECT = 'ap:@victim@social.example';

if (process.argv[2] === '--verify') {
  // The child: one verification, one JSON line.
  const { hostMap, now } = JSON.parse(process.argv[3]);
  let fetches = 0;
  const env = ch.createChannelEnv(
    ch.channelsConfig({ allowLoopback: true, allowHttp: true, hostMap }),
  );
  const counted = {
    ...env,
    fetch: (url, p) => {
      fetches++;
      return env.fetch(url, p);
    },
  };
  const start = performance.now();
  const r = await ch.verifyIdentity(SUBJECT, {
    now,
    env: counted,
    registry: ch.defaultRegistry(),
    cache: ch.memoryHeadCache(),
    sigServers: [],
  });
  const wall_ms = Math.round(performance.now() - start);
  await env.close();
  const max_rss_mib = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(JSON.stringify({ status: r.status, code: r.code, wall_ms, fetches, max_rss_mib }));
  process.exit(0);
}

const CHUNK = Buffer.alloc(60 << 10, 0x78);
CHUNK[CHUNK.length - 1] = 0x0a;
const hostile = await t.startHttp((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/jsonl' });
  let left = (16 << 20) - 1;
  const more = () => {
    while (left > 0) {
      const c = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
      left -= c.length;
      if (!res.write(c)) return void res.once('drain', more);
    }
    res.end();
  };
  res.on('error', () => {});
  more();
});

async function profile(n) {
  // The attacker's own server: no Mastodon would keep a note of 1,000 proofs.
  const masto = await t.startMastodonStandin({ host: 'social.example', flavour: t.ownServer });
  const id = TestChain.create({ seed: 5 });
  const compacts = [];
  for (let i = 0; i < n; i++) {
    const signer = core.signerFromSecret('ed25519', new Uint8Array(32).fill((i % 250) + 1));
    const claim = core.createClaim(
      {
        identity: id.identity,
        seq: 1,
        subject: SUBJECT,
        created_at: id.now - n + i,
        locators: Array.from({ length: 8 }, (_, j) => `${hostile.url}/p${i}/l${j}`),
      },
      signer,
    );
    compacts.push(await core.encodeCompact(claim));
  }
  masto.addAccount('victim', { summary: compacts.join('\n') });
  return { masto, now: id.now };
}

// A child that loads the same modules and verifies nothing: the baseline RSS.
const idle = await promisify(execFile)(process.execPath, [
  '--input-type=module',
  '-e',
  `await import('@kez/accel'); await import('@kez/channels');
   console.log(Math.round(process.resourceUsage().maxRSS / 1024));`,
]);
console.log(`baseline (modules loaded, nothing verified): ${idle.stdout.trim()} MiB peak RSS`);
console.log('proofs  wall      fetches  hostile requests  peak RSS   result');
for (const n of [1, 24, 1000]) {
  const { masto, now } = await profile(n);
  const before = hostile.requests.length;
  const arg = JSON.stringify({ hostMap: masto.hostMap, now });
  const { stdout } = await promisify(execFile)(process.execPath, [self, '--verify', arg]);
  const r = JSON.parse(stdout.trim().split('\n').pop());
  console.log(
    `${String(n).padStart(6)}  ${`${r.wall_ms} ms`.padEnd(9)} ${String(r.fetches).padStart(7)}  ${String(hostile.requests.length - before).padStart(16)}  ${`${r.max_rss_mib} MiB`.padEnd(9)}  ${r.status}/${r.code}`,
  );
  await masto.close();
}
await hostile.close();

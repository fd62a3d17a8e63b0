// Several identities' proofs at one place (SPEC §10): a live identity and one its owner
// abandoned (its chain published nowhere). The subject's result is the live identity's own,
// the abandoned one is reported beside it, and nothing depends on the order the server lists
// the proofs in: a real nsd with round-robin on rotates the records in every answer, and a
// real PDS lists a leftover record beside the live one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatShortProof } from '@kez/core';
import { startNsd, type RunningNsd } from '@kez/test-kit';
import { TestChain as TestIdentity } from '@kez/test-kit/chain-builder';
import { startPds, type RunningPds } from '@kez/test-kit/pds';
import { startSigServer, type RunningSigServer } from '@kez/test-kit/sig-server';
import { PROOF_COLLECTION } from '../src/channels/bluesky.js';
import {
  defaultRegistry,
  memoryHeadCache,
  sigServerTransport,
  verifyIdentity,
  type OwnedChannelEnv,
} from '../src/index.js';
import { loopbackEnv } from './helpers.js';

const RUNS = 8;
const registry = defaultRegistry();

// Two deterministic identities; the abandoned one is the one with the smaller id, so a rule
// that ties short proofs by id (or lists them first) would pick it.
const [x, y] = [TestIdentity.create({ seed: 21 }), TestIdentity.create({ seed: 22 })];
const [abandoned, live] = x.identity < y.identity ? [x, y] : [y, x];

let sig: RunningSigServer;
let nsd: RunningNsd;
let env: OwnedChannelEnv;

async function verify(subject: string, e: OwnedChannelEnv = env) {
  return verifyIdentity(subject, {
    now: live.now,
    env: e,
    registry,
    cache: memoryHeadCache(),
    sigServers: [sig.url],
    deadlineMs: 20_000,
  });
}

/** The one-line outcome a run is compared by: status, code, identity, the others. */
function outcome(r: Awaited<ReturnType<typeof verify>>) {
  return JSON.stringify([r.status, r.code ?? null, r.identity, r.other_identities]);
}

beforeAll(async () => {
  live.add('dns:rr.example');
  abandoned.add('dns:rr.example');
  // The abandoned identity's signed claim is newer than anything of the live one's.
  const newer = TestIdentity.create({ seed: 23, createdAt: 1_760_000_005 });
  const signedNewer = newer.add('dns:rr2.example');
  live.add('dns:rr2.example');
  sig = await startSigServer();
  nsd = await startNsd(
    [
      { name: '_kez.rr.example', strings: [formatShortProof(live.identity)] },
      { name: '_kez.rr.example', strings: [formatShortProof(abandoned.identity)] },
      { name: '_kez.rr.example', strings: ['v=spf1 -all'] },
      { name: '_kez.rr2.example', strings: [formatShortProof(live.identity)] },
      { name: '_kez.rr2.example', strings: await TestIdentity.txtStrings(signedNewer) },
    ],
    { roundRobin: true },
  );
  env = loopbackEnv({ dnsServers: [nsd.server], sigServers: [sig.url] });
  await sigServerTransport.publishEvents!(sig.url, live.identity, live.events, env);
});
afterAll(async () => {
  await env?.close();
  await Promise.all([nsd?.stop(), sig?.close()]);
});

describe('several identities at one DNS name (real nsd, round-robin)', () => {
  it('the server really rotates the records', async () => {
    const orders = new Set<string>();
    for (let i = 0; i < RUNS; i++)
      orders.add(JSON.stringify(await env.resolveTxt('_kez.rr.example')));
    expect(orders.size).toBeGreaterThanOrEqual(2);
  });

  it.each(['dns:rr.example', 'dns:rr2.example'])(
    '%s: the live identity is valid in every one of 8 runs; the abandoned one is reported, not mixed in',
    async (subject) => {
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await verify(subject));
      expect(new Set(runs.map(outcome)).size).toBe(1);
      const r = runs[0]!;
      expect(r).toMatchObject({ status: 'valid', identity: live.identity });
      expect(r.edges.find((e) => e.subject === subject)?.status).toBe('valid');
      expect(r.identities.map((i) => [i.identity, i.status, i.code ?? null])).toEqual([
        [live.identity, 'valid', null],
        [r.other_identities[0], 'not_found', 'no_chain'],
      ]);
      expect(r.other_identities).toHaveLength(1);
      expect(r.other_identities[0]).not.toBe(live.identity);
    },
  );

  it('with no chain for either identity, nothing is valid, whatever the order', async () => {
    const bare = await startSigServer();
    try {
      const runs = [];
      for (let i = 0; i < RUNS; i++)
        runs.push(
          await verifyIdentity('dns:rr.example', {
            now: live.now,
            env,
            registry,
            cache: memoryHeadCache(),
            sigServers: [bare.url],
            deadlineMs: 20_000,
          }),
        );
      expect(new Set(runs.map(outcome)).size).toBe(1);
      expect(runs[0]).toMatchObject({ status: 'not_found', code: 'no_chain' });
      expect(runs[0]!.identities.every((i) => i.status === 'not_found')).toBe(true);
    } finally {
      await bare.close();
    }
  });
});

describe('a PDS with a leftover record of an abandoned identity (real PDS + PLC)', () => {
  let pds: RunningPds;
  let bsky: OwnedChannelEnv;
  beforeAll(async () => {
    pds = await startPds();
    const zed = await pds.createAccount('zed');
    live.add('bluesky:zed.test');
    abandoned.add('bluesky:zed.test');
    await sigServerTransport.publishEvents!(sig.url, live.identity, live.events, env);
    // record key = the identity's 64 hex (SPEC §10); the leftover was never removed.
    for (const who of [abandoned, live])
      await pds.putRecord(
        zed,
        PROOF_COLLECTION,
        {
          $type: PROOF_COLLECTION,
          proof: formatShortProof(who.identity),
          createdAt: new Date().toISOString(),
        },
        who.identity.slice('kez:id:'.length),
      );
    bsky = loopbackEnv({
      plcDirectory: pds.plcUrl,
      dnsServers: [nsd.server],
      sigServers: [sig.url],
      hostMap: { 'zed.test': new URL(pds.pdsUrl).origin },
    });
  }, 60_000);
  afterAll(async () => {
    await bsky?.close();
    await pds?.stop();
  });

  it('the live identity is valid; the leftover is reported beside it', async () => {
    const runs = [];
    for (let i = 0; i < 2; i++) runs.push(await verify('bluesky:zed.test', bsky));
    expect(new Set(runs.map(outcome)).size).toBe(1);
    expect(runs[0]).toMatchObject({ status: 'valid', identity: live.identity });
    expect(runs[0]!.other_identities).toEqual([abandoned.identity]);
    expect(runs[0]!.identities.map((i) => i.status)).toEqual(['valid', 'not_found']);
  });
});

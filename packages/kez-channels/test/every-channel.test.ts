// One identity with an account on every registered channel, each at its own real server or
// stand-in (the contract worlds: real nsd, relay, PDS, GnuPG/WKD sites, …), and the real CLI's
// `kez verify id` from one of them: the chain on a real sig-server claims them all, each place
// holds only the short proof, and every account comes out valid — while an account the chain
// also claims on each channel but that does not exist there does not. A plugin registered without a
// world fails here as it does in the contract test.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSubject } from '@kez/core';
import { runKez } from '@kez/test-kit/kez-bin';
import { startSigServer, type RunningSigServer } from '@kez/test-kit/sig-server';
import { defaultRegistry, sigServerTransport, type IdentityResult } from '../src/index.js';
import type { ChannelsConfigInput } from '../src/config.js';
import { contractIdentity, contractWorlds, type ContractWorld } from './contract-worlds.js';
import { loopbackEnv } from './helpers.js';

const channels = defaultRegistry()
  .allPlugins()
  .map((p) => p.name);
const worlds: ContractWorld[] = [];
const subjects = new Map<string, string>();
/** Per channel, an account the chain claims too but that does not exist at the place. */
const absent = new Map<string, string>();
let sig: RunningSigServer;
let home: string;

/** The worlds' settings as one: host maps joined, server lists concatenated (each nsd answers
 *  REFUSED outside its zones, so the resolver asks the next), the longest deadlines kept. */
function mergeConfigs(configs: ChannelsConfigInput[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of configs)
    for (const [k, v] of Object.entries(c)) {
      const had = out[k];
      if (Array.isArray(v)) out[k] = [...new Set([...((had as unknown[]) ?? []), ...v])];
      else if (k === 'timeouts' && had)
        out[k] = Object.fromEntries(
          Object.entries(v as Record<string, number>).map(([t, ms]) => [
            t,
            Math.max(ms, (had as Record<string, number>)[t] ?? 0),
          ]),
        );
      else if (v && typeof v === 'object') out[k] = { ...(had as object), ...v };
      else if (had !== undefined && had !== v)
        throw new Error(`worlds disagree on ${k}: ${String(had)} vs ${String(v)}`);
      else out[k] = v;
    }
  return out;
}

beforeAll(async () => {
  sig = await startSigServer();
  for (const name of channels) {
    const make = contractWorlds[name];
    if (!make) throw new Error(`channel ${name} has no contract world`);
    const world = await make();
    worlds.push(world);
    // Worlds may give an input form (matrix's `@name:host`); claims and edges are canonical.
    const subject = parseSubject(await world.honest()).text;
    subjects.set(name, subject);
    contractIdentity.add(subject);
    absent.set(name, parseSubject(world.missing()).text);
    contractIdentity.add(absent.get(name)!);
  }
  const env = loopbackEnv();
  try {
    await sigServerTransport.publishEvents!(
      sig.url,
      contractIdentity.identity,
      contractIdentity.events,
      env,
    );
  } finally {
    await env.close();
  }
  home = await mkdtemp(join(tmpdir(), 'kez-every-'));
  await writeFile(
    join(home, 'channels.json'),
    JSON.stringify({
      ...mergeConfigs(worlds.map((w) => w.config)),
      sigServers: [sig.url],
      allowLoopback: true,
      allowHttp: true,
    }),
  );
}, 180_000);

afterAll(async () => {
  await Promise.all([...worlds.map((w) => w.close()), sig?.close()]);
  if (home) await rm(home, { recursive: true, force: true });
});

describe('kez verify id over every registered channel', () => {
  it('finds the account on every channel valid, from one short proof each', async () => {
    expect(channels.length).toBeGreaterThanOrEqual(18);
    const start = subjects.get('github')!;
    const r = await runKez(home, [
      '--json',
      '--now',
      String(contractIdentity.now),
      'verify',
      'id',
      start,
    ]);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out) as IdentityResult;
    expect(doc).toMatchObject({ status: 'valid', identity: contractIdentity.identity });
    for (const [channel, subject] of subjects) {
      const edge = doc.edges.find((e) => e.subject === subject);
      expect(edge, `${channel}: ${subject} missing from the graph`).toBeDefined();
      expect(edge, `${channel}: ${subject}`).toMatchObject({ status: 'valid' });
      const gone = doc.edges.find((e) => e.subject === absent.get(channel));
      expect(gone, `${channel}: ${absent.get(channel)}`).toMatchObject({ status: 'not_found' });
    }
  }, 120_000);
});

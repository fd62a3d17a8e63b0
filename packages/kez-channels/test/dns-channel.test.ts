import { afterAll, describe, expect, inject, it } from 'vitest';
import { parseSubject } from '@kez/core';
import { best, dnsPlugin, evaluateCandidate } from '../src/index.js';
import { dnsWorld } from './dns-world.js';
import { loopbackEnv } from './helpers.js';

const env = loopbackEnv({ dnsServers: [inject('dnsServer')] });
afterAll(() => env.close());
const world = await dnsWorld();
const now = world.alice.now;

async function proofs(domain: string) {
  const subject = parseSubject(`dns:${domain}`);
  return (await dnsPlugin.locate(subject, env)).map((c) => evaluateCandidate(subject, c, now));
}

describe('dns channel (real nsd)', () => {
  it('re-joins a chunked record, ignores non-KEZ records, and verifies each KEZ record', async () => {
    const raw = await env.resolveTxt('_kez.alice.example');
    expect(raw.some((r) => r.length > 1)).toBe(true); // the chunked record really is split on the wire
    const ps = await proofs('alice.example');
    expect(ps).toHaveLength(2);
    expect(ps.every((p) => p.status === 'valid')).toBe(true);
    expect(new Set(ps.map((p) => p.claim!.identity))).toEqual(
      new Set([world.alice.identity, world.other.identity]),
    );
    expect(ps.find((p) => p.claim!.identity === world.alice.identity)!.claim).toEqual(
      world.aliceClaim,
    );
  });

  it('several records of one identity are all evaluated', async () => {
    const ps = await proofs('carol.example');
    expect(ps.map((p) => p.claim)).toEqual(
      expect.arrayContaining([world.carolOld, world.carolNew]),
    );
  });

  it('a proof for another domain is subject_mismatch', async () => {
    const ps = await proofs('mallory.example');
    expect(ps).toHaveLength(1);
    expect(ps[0]).toMatchObject({ status: 'invalid', code: 'subject_mismatch' });
  });

  it('a broken KEZ record is invalid, no KEZ record is no proof', async () => {
    const broken = await proofs('broken.example');
    expect(broken[0]!.status).toBe('invalid');
    expect(broken[0]!.code).toBe('bad_encoding');
    expect(await proofs('empty.example')).toEqual([]);
    expect(await proofs('nowhere.alice.example')).toEqual([]); // NXDOMAIN
  });

  it('best-of ordering prefers valid over invalid', async () => {
    const mixed = [...(await proofs('mallory.example')), ...(await proofs('alice.example'))];
    expect(best(mixed)!.status).toBe('valid');
  });

  it('an unreachable DNS server is unreachable, not "no proof"', async () => {
    const dead = loopbackEnv({ dnsServers: ['127.0.0.1:9'], timeouts: { dnsMs: 300 } });
    await expect(dnsPlugin.locate(parseSubject('dns:alice.example'), dead)).rejects.toMatchObject({
      status: 'unreachable',
    });
    await dead.close();
  });
});

// Several stateless sig-server instances on one database (the PostgreSQL scale-out recipe;
// for SQLite, two processes' worth of connections on one data directory).
import { exportBundle, objectHash, verifyChain } from '@kez/core';
import { describe, expect, it } from 'vitest';
import { BACKENDS, useReplicaPair } from './helpers/backends.js';
import { TestChain, newSigner, now } from '@kez/test-kit/chain-builder';
import { call, chainPath, postEvent, readForks } from './helpers/http.js';

describe.each(BACKENDS)('two replicas on one %s store', (backend) => {
  const pair = useReplicaPair(backend);

  it('racing appends spread over both replicas: exactly one wins, the rest are fork evidence', async () => {
    const [a, b] = pair();
    const chain = new TestChain(newSigner());
    expect((await postEvent(a.url, chain.identity, chain.events[0]!)).status).toBe(201);
    const rivals = Array.from({ length: 12 }, () => chain.addEvent());
    const answers = await Promise.all(
      rivals.map((ev, i) => postEvent(i % 2 ? b.url : a.url, chain.identity, ev)),
    );
    expect(answers.filter((x) => x.status === 201)).toHaveLength(1);
    expect(answers.filter((x) => x.status === 409 && x.json.error.code === 'fork')).toHaveLength(
      11,
    );
    chain.push(rivals[answers.findIndex((x) => x.status === 201)]!);
    const seen: string[][] = [];
    for (const srv of [a, b]) {
      const read = await call(chainPath(srv.url, chain.identity));
      expect(read.text).toBe(exportBundle(chain.events));
      expect(read.headers.get('kez-fork')).toBe('true');
      expect(verifyChain(read.text, { now: now() }).status).toBe('valid');
      // The bound (3 per position) holds across replicas: the count lives in the database.
      const forks = await readForks(srv.url, chain.identity);
      expect(forks).toMatchObject({ stored: 3, dropped: 8 });
      expect(forks.events).toHaveLength(3);
      seen.push(forks.events.map(objectHash).sort());
      // With the winner, 4 events at seq 1: one valid SPEC §6.5 bundle, a tie, so a fork.
      const whole = exportBundle([...chain.events, ...forks.events]);
      expect(verifyChain(whole, { now: now() }).status).toBe('fork');
    }
    // Both replicas serve the same evidence: the 409s that answered `evidence: stored`.
    expect(seen[1]).toEqual(seen[0]);
    const kept = answers.filter((x) => x.status === 409 && x.json.error.evidence === 'stored');
    expect(kept.map((x) => x.json.error.hash).sort()).toEqual(seen[0]);
  });

  it('each replica extends a head the other one moved (its cached state is not trusted)', async () => {
    const [a, b] = pair();
    const chain = new TestChain(newSigner());
    for (let i = 0; i < 6; i++) {
      const srv = i % 2 ? b : a;
      const ev = i === 0 ? chain.events[0]! : chain.push(chain.addEvent());
      const r = await postEvent(srv.url, chain.identity, ev);
      expect(r.status).toBe(201);
      expect(r.json.hash).toBe(objectHash(ev));
    }
    // A rotation through one replica; the other must refuse the rotated-away key.
    const fresh = newSigner();
    const old = chain.primary;
    const rot = chain.push(chain.rotateEvent(fresh));
    chain.primary = fresh;
    expect((await postEvent(b.url, chain.identity, rot)).status).toBe(201);
    const refused = await postEvent(a.url, chain.identity, chain.addEvent(old));
    expect(refused.status).toBe(422);
    expect(refused.json.error.code).toBe('not_authorized');
    const head = await call(chainPath(a.url, chain.identity, '/head'));
    expect(head.json).toEqual({
      identity: chain.identity,
      seq: chain.head.seq,
      hash: objectHash(chain.head),
      fork: false,
    });
  });
});

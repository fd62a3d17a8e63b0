// The write path's invariants I1–I6 (stated once, in src/appender.ts), one block each, on both
// backends. Each test fails if its invariant is broken; see the comment on each for how.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addClaim,
  canonicalize,
  commitment,
  exportBundle,
  objectHash,
  recoverKey,
  rotateKey,
  type ChainEvent,
  type Signer,
} from '@kez/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../src/limits.js';
import { openStore } from '../src/storage/open.js';
import type { ChainStore, StoredEvent } from '../src/storage/types.js';
import { BACKENDS, freshPgDatabase } from './helpers/backends.js';
import { TestChain, freshSubject, newSigner, now } from '@kez/test-kit/chain-builder';
import { type CountedApp, countedApp } from './helpers/counting-store.js';
import { type Answer, call, chainPath, postEvent, readForks } from './helpers/http.js';

const stored = (ev: Parameters<typeof objectHash>[0] & { seq: number }): StoredEvent => ({
  seq: ev.seq,
  hash: objectHash(ev),
  jcs: canonicalize(ev),
});

describe.each(BACKENDS)('write-path invariants on %s', (backend) => {
  let dataDir: string;
  let opts: { db?: string; dataDir: string };
  /** Two stores on one database (replicas), each behind its own counting app. */
  let stores: ChainStore[] = [];
  let a: CountedApp;
  let b: CountedApp;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'kez-sig-invariants-'));
    opts = backend === 'postgres' ? { db: await freshPgDatabase(), dataDir } : { dataDir };
    stores = [await openStore(opts), await openStore(opts)];
    a = await countedApp(stores[0]!);
    b = await countedApp(stores[1]!);
  });
  afterAll(async () => {
    await a?.app.close();
    await b?.app.close();
    for (const s of stores) await s.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function published(length: number, via = a): Promise<TestChain> {
    const chain = new TestChain(newSigner());
    for (let i = 1; i < length; i++) chain.add();
    for (const ev of chain.events)
      expect((await postEvent(via.url, chain.identity, ev)).status).toBe(201);
    return chain;
  }

  // Broken if the write were not conditional on the validated head: two rivals would land
  // (or the loser would be a 500 from the primary key instead of being judged again).
  it('I1 optimistic loop: of racing rivals over two replicas exactly one lands, each loser is judged again', async () => {
    const chain = await published(2);
    const stranger = newSigner();
    const rivals = Array.from({ length: 8 }, () => chain.addEvent());
    const invalid = chain.addEvent(stranger);
    const answers = await Promise.all(
      [...rivals, invalid].map((ev, i) => postEvent(i % 2 ? b.url : a.url, chain.identity, ev)),
    );
    expect(answers.filter((r) => r.status === 201)).toHaveLength(1);
    expect(
      answers.slice(0, 8).filter((r) => r.status === 409 && r.json.error.code === 'fork'),
    ).toHaveLength(7);
    expect(answers[8]!.status).toBe(422);
    expect(answers[8]!.json.error.code).toBe('not_authorized');
  });

  // Broken if an append to the head a replica cached (judged without reading the head) were
  // not conditional on that head, or its outcome stood once the head had moved: a rival of the
  // event the other replica stored would land as well, and a re-post of that event would not
  // be answered as already stored.
  it('I1 cached head: an event extending a head the other replica moved is judged at the stored head', async () => {
    const chain = await published(3);
    const behind = new TestChain(chain.primary, [...chain.events]);
    const moved = chain.push(chain.addEvent());
    expect((await postEvent(b.url, chain.identity, moved)).status).toBe(201);
    const rival = await postEvent(a.url, chain.identity, behind.addEvent());
    expect(rival.status).toBe(409);
    expect(rival.json.error.code).toBe('fork');
    expect((await postEvent(a.url, chain.identity, moved)).status).toBe(200);
    expect((await postEvent(a.url, chain.identity, chain.push(chain.addEvent()))).status).toBe(201);
  });

  // Broken if the head cache were keyed by seq or trusted when the head moved elsewhere: `a`
  // would judge against its stale state; if it replayed from genesis instead of folding the
  // missing events on top, it would read the whole chain.
  it('I2 head-state cache: a head moved by the other replica is folded on top, never trusted stale', async () => {
    const chain = await published(40);
    const device = newSigner();
    // Through b: a device is added, then revoked; a's cached head is 3 events behind.
    chain.push(chain.addDeviceEvent(device));
    chain.push(chain.revokeDeviceEvent(device));
    chain.add();
    for (const ev of chain.events.slice(-3))
      expect((await postEvent(b.url, chain.identity, ev)).status).toBe(201);
    const before = a.rows();
    const refused = await postEvent(a.url, chain.identity, chain.addEvent(device));
    expect(refused.status).toBe(422);
    expect(refused.json.error.code).toBe('not_authorized');
    expect(a.rows() - before).toBe(3);
    expect((await postEvent(a.url, chain.identity, chain.push(chain.addEvent()))).status).toBe(201);
  });

  // Broken if a replay ran before the checks that need none: a cold replica would read the
  // chain for an event whose own signature or link rules it out.
  it('I3 pre-check: a bad signature or link costs no replay on a cold replica, at head or below', async () => {
    const chain = await published(30);
    const cold = await countedApp(stores[1]!);
    try {
      for (const seq of [30, 12]) {
        const owner = new TestChain(chain.primary, chain.events.slice(0, seq));
        const forged = { ...owner.addEvent(newSigner()), key: chain.primary.keyId };
        const sig = await postEvent(cold.url, chain.identity, forged);
        expect(sig.status).toBe(422);
        expect(sig.json.error.code).toBe('bad_signature');
        const elsewhere = { ...owner.state.head, hash: objectHash(chain.events[1]!) };
        const misLinked = addClaim(
          { ...owner.state, head: elsewhere },
          { subject: freshSubject(), created_at: now() },
          chain.primary,
        ).event;
        const link = await postEvent(cold.url, chain.identity, misLinked);
        expect(link.status).toBe(422);
        expect(link.json.error.code).toBe('bad_link');
      }
      expect(cold.rows()).toBe(0);
    } finally {
      await cold.app.close();
    }
  });

  // Broken if a rival were judged against the head state instead of the state before its
  // position (a device added *by* event 5 signing a rival for 5), stored without judging,
  // or stored without bound.
  it('I4 fork judging: against the state before the position, invalid never stored, evidence bounded', async () => {
    const chain = await published(5);
    const device = newSigner();
    const base = new TestChain(chain.primary, [...chain.events]);
    chain.push(chain.addDeviceEvent(device));
    chain.add();
    for (const ev of chain.events.slice(-2))
      expect((await postEvent(a.url, chain.identity, ev)).status).toBe(201);
    const early = await postEvent(a.url, chain.identity, base.addEvent(device));
    expect(early.status).toBe(422);
    expect(early.json.error.code).toBe('not_authorized');
    expect((await call(chainPath(a.url, chain.identity))).headers.get('kez-fork')).toBeNull();

    const valid = Array.from({ length: LIMITS.forksPerPosition + 2 }, () => base.addEvent());
    for (const ev of valid) expect((await postEvent(b.url, chain.identity, ev)).status).toBe(409);
    const forks = await readForks(a.url, chain.identity);
    expect(forks.events.map((e) => objectHash(e))).toEqual(
      valid
        .slice(0, LIMITS.forksPerPosition)
        .map((e) => objectHash(e))
        .sort(),
    );
    expect(forks.dropped).toBe(2);
    expect((await call(chainPath(a.url, chain.identity))).headers.get('kez-fork')).toBe('true');
  });

  /** An owner whose genesis commits to `next`, and a thief holding its current primary. */
  async function stolen(length: number): Promise<{ owner: TestChain; next: Signer }> {
    const next = newSigner();
    const owner = new TestChain(newSigner(), undefined, { next: commitment(next.keyId) });
    for (let i = 1; i < length; i++) owner.add();
    for (const ev of owner.events)
      expect((await postEvent(a.url, owner.identity, ev)).status).toBe(201);
    return { owner, next };
  }

  /** Thief events `count` on top of `owner`'s chain, signed by `signer`, published through a. */
  async function thieve(owner: TestChain, count: number, signer = owner.primary) {
    const thief = new TestChain(owner.primary, [...owner.events]);
    for (let i = 0; i < count; i++) thief.push(thief.addEvent(signer));
    for (const ev of thief.events.slice(-count))
      expect((await postEvent(a.url, owner.identity, ev)).status).toBe(201);
    return thief.events.slice(-count);
  }

  const reorgsOn = async (via: CountedApp): Promise<number> =>
    Number(
      (await call(`${via.url}/metrics`)).text.match(/^kez_sig_reorgs_total (\d+)$/m)?.[1] ?? 0,
    );

  // Broken if a winning rival (SPEC §6.8) were only kept as evidence: the thief's branch would
  // stay the main line and the owner could never append again (the reproduction: 409 fork).
  it("I6 recovery reorg: the owner's rotation at the thief's first seq wins; the owner appends after it", async () => {
    const { owner, next } = await stolen(3);
    const stolenEvents = await thieve(owner, 3);
    // Both replicas serve (and keep the read body of) the thief's line before the reorg.
    const thiefLine = exportBundle([...owner.events.slice(0, 3), ...stolenEvents]);
    for (const via of [a, b])
      for (let i = 0; i < 2; i++)
        expect((await call(chainPath(via.url, owner.identity))).text).toBe(thiefLine);
    const reorgs = await reorgsOn(b);
    const old = owner.primary;
    // The rotation both keys sign (commitment 2) against the thief's branch without one (0).
    const recovery = owner.rotate(next);
    const won = await postEvent(b.url, owner.identity, recovery);
    expect(won.status).toBe(201);
    expect(won.json).toEqual({
      seq: 3,
      hash: objectHash(recovery),
      superseded: [
        {
          seq: 3,
          winner: objectHash(recovery),
          hash: objectHash(stolenEvents[0]!),
          head: objectHash(stolenEvents[2]!),
        },
      ],
    });
    expect(await reorgsOn(b)).toBe(reorgs + 1);
    expect((await postEvent(b.url, owner.identity, recovery)).status).toBe(200);
    // The replica that served the thief's line (its caches hold it) takes the owner's next.
    expect((await postEvent(a.url, owner.identity, owner.push(owner.addEvent()))).status).toBe(201);
    for (const via of [a, b]) {
      expect((await call(chainPath(via.url, owner.identity))).text).toBe(
        exportBundle(owner.events),
      );
      expect((await readForks(via.url, owner.identity)).events).toEqual(stolenEvents);
    }
    // The thief's line cannot be continued, and the rotated-away key has no authority left.
    const onStolen = new TestChain(old, [...owner.events.slice(0, 3), ...stolenEvents.slice(0, 2)]);
    const continued = await postEvent(a.url, owner.identity, onStolen.addEvent());
    expect([continued.status, continued.json.error.code]).toEqual([422, 'bad_link']);
    const late = await postEvent(a.url, owner.identity, owner.addEvent(old));
    expect([late.status, late.json.error.code]).toEqual([422, 'not_authorized']);
  });

  // Broken if the server reorganized on anything but §6.8's order (commitment, retirement,
  // signer) or broke a tie: a tie stays a fork, the first main event keeps its seq.
  it('I6 recovery reorg happens exactly when SPEC §6.8 says', async () => {
    const device = newSigner();
    const cases: [
      string,
      (o: TestChain, next: Signer) => Promise<ChainEvent[]>,
      (o: TestChain, next: Signer) => ChainEvent,
      boolean,
    ][] = [
      ['primary against primary: a tie', (o) => thieve(o, 2), (o) => o.addEvent(), false],
      ['primary against a device', (o) => thieve(o, 2, device), (o) => o.addEvent(), true],
      [
        'a recovery rotation (the committed key alone) against the stolen primary',
        (o) => thieve(o, 2),
        (o, next) => recoverKey(o.state, { created_at: now() }, next),
        true,
      ],
      ['a device against the primary', (o) => thieve(o, 1), (o) => o.addEvent(device), false],
      [
        'revoking the device that signed the branch',
        (o) => thieve(o, 1, device),
        (o) => o.revokeDeviceEvent(device),
        true,
      ],
      [
        'two ordinary rotations to the committed key: a tie',
        async (o, next) => {
          const first = o.rotateEvent(next);
          expect((await postEvent(a.url, o.identity, first)).status).toBe(201);
          return [first];
        },
        // Another history the committed key signs (a different body: a new commitment).
        (o, next) =>
          rotateKey(
            o.state,
            { newSigner: next, next: commitment(newSigner().keyId), created_at: now() },
            o.primary,
          ),
        false,
      ],
    ];
    for (const [name, branch, rivalOf, wins] of cases) {
      const { owner, next } = await stolen(2);
      owner.push(owner.addDeviceEvent(device));
      expect((await postEvent(a.url, owner.identity, owner.head)).status, name).toBe(201);
      const main = await branch(owner, next);
      const rival = rivalOf(owner, next);
      const r = await postEvent(b.url, owner.identity, rival);
      expect([name, r.status, r.json.error?.code]).toEqual([
        name,
        wins ? 201 : 409,
        wins ? undefined : 'fork',
      ]);
      const line = wins ? [...owner.events, rival] : [...owner.events, ...main];
      expect((await call(chainPath(a.url, owner.identity))).text, name).toBe(exportBundle(line));
      expect((await readForks(a.url, owner.identity)).events, name).toEqual(wins ? main : [rival]);
      // A known limit: a loser's own continuation hangs under evidence, not the main line.
      if (!wins) {
        const onRival = new TestChain(owner.primary, [...owner.events, rival]);
        const more = await postEvent(b.url, owner.identity, onRival.addEvent());
        expect([name, more.status, more.json.error.code]).toEqual([name, 422, 'bad_link']);
      }
    }
  });

  // Broken if a reorg and the thief's appends could interleave: an acknowledged thief event
  // would be neither main nor evidence, or land on top of the superseded branch (two mains);
  // or if a reorg decided on a head that moved were not decided again.
  it('I6 recovery reorg racing appends over two replicas: one main, no acknowledged event lost', async () => {
    /** Runs once, in the replica's reorg, after the decision and before the write. */
    let beforeReorg: (() => Promise<void>) | undefined;
    const hooked = await countedApp(
      new Proxy(stores[1]!, {
        get(target, key) {
          if (key !== 'reorg') return Reflect.get(target, key);
          return async (...args: Parameters<ChainStore['reorg']>) => {
            const hook = beforeReorg;
            beforeReorg = undefined;
            await hook?.();
            return target.reorg(...args);
          };
        },
      }),
    );
    try {
      // after: thief answers awaited before the recovery starts; -1: one slips in, deterministically.
      for (const after of [-1, 0, 2, 4]) {
        const { owner, next } = await stolen(2);
        const stolenEvents = await thieve(owner, 2);
        const thief = new TestChain(owner.primary, [...owner.events, ...stolenEvents]);
        const more = Array.from({ length: 6 }, () => thief.push(thief.addEvent()));
        const recovery = owner.rotate(next);
        const answers: Answer[] = [];
        if (after === -1)
          beforeReorg = async () => {
            answers.push(await postEvent(a.url, owner.identity, more[0]!));
          };
        // The thief posts the rest concurrently (or, after the hook's one, once it is over).
        const rest = async () => {
          for (const ev of more.slice(answers.length))
            answers.push(await postEvent(a.url, owner.identity, ev));
        };
        const thiefRun = after === -1 ? Promise.resolve() : rest();
        while (answers.length < after) await new Promise((r) => setTimeout(r, 1));
        const won = await postEvent(hooked.url, owner.identity, recovery);
        await thiefRun;
        if (after === -1) await rest();
        expect(won.status).toBe(201);
        const acked = more.filter((_, i) => answers[i]!.status === 201);
        expect(acked.length).toBeGreaterThanOrEqual(after === -1 ? 1 : after);
        for (const r of answers.filter((r) => r.status !== 201))
          expect(r.json.error.code).toBe('bad_link');
        expect((await call(chainPath(a.url, owner.identity))).text).toBe(
          exportBundle(owner.events),
        );
        const forks = await readForks(b.url, owner.identity);
        expect(forks.events).toEqual([...stolenEvents, ...acked]);
        expect(forks.dropped).toBe(0);
        const after1 = await postEvent(a.url, owner.identity, owner.push(owner.addEvent()));
        expect(after1.status).toBe(201);
      }
    } finally {
      await hooked.app.close();
    }
  });

  // Broken if the reorg were not one transaction conditional on the head (a racing append
  // would land on the superseded branch, or two mains would exist), or if superseded events
  // were lost without a count.
  it('I6 storage reorg: conditional on the head, one winner against a racing append, bounded and counted evidence', async () => {
    const [own, other] = stores as [ChainStore, ChainStore];
    const owner = new TestChain(newSigner());
    owner.add();
    const thief = new TestChain(owner.primary, [...owner.events]);
    for (let i = 0; i < LIMITS.forksPerChain + 3; i++) thief.add();
    for (const [i, ev] of thief.events.entries())
      expect(
        (await own.append(owner.identity, stored(ev), i ? stored(thief.events[i - 1]!) : null)).ok,
      ).toBe(true);
    const winner = stored(owner.addEvent());
    const before = await own.stats();
    const headOf = async () => (await own.head(owner.identity))!;
    const old = await headOf();

    // A stale expectation is a conflict and changes nothing.
    const stale = { seq: old.seq - 1, hash: stored(thief.events[old.seq - 1]!).hash };
    expect(await own.reorg(owner.identity, winner, stale, LIMITS)).toEqual({
      ok: false,
      reason: 'conflict',
    });
    expect(await headOf()).toEqual(old);

    // Racing the thief's next append through the other replica: exactly one lands.
    const next = stored(thief.addEvent());
    const [reorged, appended] = await Promise.all([
      own.reorg(owner.identity, winner, old, LIMITS),
      other.append(owner.identity, next, old),
    ]);
    expect([reorged.ok, appended.ok].filter(Boolean)).toHaveLength(1);
    if (!reorged.ok) {
      const again = await own.reorg(owner.identity, winner, await headOf(), LIMITS);
      expect(again.ok).toBe(true);
    }
    const head = await headOf();
    expect(head).toMatchObject({ seq: winner.seq, hash: winner.hash, fork: true, reorgs: 1 });
    expect(await own.events(owner.identity, 0, 1000)).toEqual([
      stored(owner.events[0]!),
      stored(owner.events[1]!),
      winner,
    ]);
    const superseded = thief.events
      .slice(2)
      .map(stored)
      .concat(appended.ok ? [next] : []);
    const kept = await own.forks(owner.identity, null, 1000);
    expect(kept).toEqual(superseded.slice(0, LIMITS.forksPerChain).sort((x, y) => x.seq - y.seq));
    expect(head.forksStored).toBe(LIMITS.forksPerChain);
    expect(head.forksDropped).toBe(superseded.length - LIMITS.forksPerChain);
    expect(await own.stats()).toEqual({
      chains: before.chains,
      events: before.events + (appended.ok ? 1 : 0) - superseded.length + 1,
      forkEvents: before.forkEvents + LIMITS.forksPerChain,
    });
  });

  // Broken if appends of one turn shared one all-or-nothing unit (one failure would undo the
  // others) or were answered before their commit (another connection would not see them).
  it('I5 commit: appends of one turn fail alone, and each answer follows a commit others can see', async () => {
    const [own, other] = stores as [ChainStore, ChainStore];
    const chains = Array.from({ length: 5 }, () => new TestChain(newSigner()));
    const genesis = chains.map((c) => stored(c.events[0]!));
    const broken = { ...genesis[2]!, jcs: null as unknown as string }; // violates NOT NULL
    const results = await Promise.allSettled(
      chains.map((c, i) => own.append(c.identity, i === 2 ? broken : genesis[i]!, null)),
    );
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    for (const [i, c] of chains.entries()) {
      const seen = await other.head(c.identity);
      if (i === 2) expect(seen).toBeNull();
      else expect(seen?.hash).toBe(genesis[i]!.hash);
    }
  });

  // SQLite commits on a writer thread, one group at a time, and appends arriving meanwhile wait
  // for the next group. Broken if they were lost or answered before a commit: when the store
  // closes with one group in flight and another waiting, or if an append of a later group
  // extended a head its group had not seen committed. (PostgreSQL has no writer thread.)
  if (backend === 'sqlite')
    it('I5 commit: appends arriving while a group commits are committed by the next, even on close', async () => {
      const closing = await openStore(opts);
      const chains = Array.from({ length: 6 }, () => new TestChain(newSigner()));
      for (const c of chains) c.add();
      const first = chains.map((c) => closing.append(c.identity, stored(c.events[0]!), null));
      // The first group is in flight once its turn is over; these wait for the next one.
      await new Promise((r) => setImmediate(r));
      const second = chains.map((c) =>
        closing.append(c.identity, stored(c.events[1]!), {
          seq: 0,
          hash: objectHash(c.events[0]!),
        }),
      );
      const closed = closing.close();
      expect(await Promise.all([...first, ...second])).toEqual(
        Array.from({ length: 12 }, () => ({ ok: true })),
      );
      await closed;
      for (const c of chains)
        expect((await stores[1]!.head(c.identity))?.hash).toBe(objectHash(c.events[1]!));
    });
});

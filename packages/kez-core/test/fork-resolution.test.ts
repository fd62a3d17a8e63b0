// SPEC §6.8: fork resolution by commitment, retirement and signer; retirements stick; the
// result depends only on the set of events; the bounds of §6.5.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addClaim,
  addDevice,
  claimStatus,
  commitment,
  compareHeads,
  createFolder,
  createLogin,
  exportBundle,
  objectHash,
  recoverKey,
  revokeClaim,
  resolveChain,
  revokeDevice,
  rotateKey,
  verifyChain,
  verifyLogin,
  type ChainEvent,
  type ChainResult,
  type Claim,
  type Signer,
} from '../src/index.js';
import { D, D2, genesis, hashOf, N, N2, NOW, P, stateOf, tick } from './trees.js';
import { stateSnapshot } from './probes.js';

const now = { now: NOW };
const claimBy = (events: ChainEvent[], subject: string, s: Signer) =>
  addClaim(stateOf(events), { subject, created_at: tick() }, s);
const add = (events: ChainEvent[], subject: string, s: Signer): ChainEvent[] => [
  ...events,
  claimBy(events, subject, s).event,
];
const status = (claim: Claim, r: ChainResult) => {
  const v = claimStatus(claim, r, now);
  return v.code ? `${v.status}/${v.code}` : v.status;
};

/** genesis by P (committing to N), D added at seq 1, D2 at seq 2. */
function base(): ChainEvent[] {
  const g = [genesis()];
  const e1 = [...g, addDevice(stateOf(g), { deviceSigner: D, created_at: tick() }, P)];
  return [...e1, addDevice(stateOf(e1), { deviceSigner: D2, created_at: tick() }, P)];
}

/** The result for the union of `branches`, checked to be the same in bundle and merge form. */
function resolve(...branches: ChainEvent[][]): ChainResult {
  const all = branches.flat();
  const merged = resolveChain(all, now);
  const bundled = verifyChain(
    exportBundle([...new Map(all.map((e) => [hashOf(e), e])).values()]),
    now,
  );
  expect({ ...bundled, state: stateSnapshot(bundled.state) }).toEqual({
    ...merged,
    state: stateSnapshot(merged.state),
  });
  return merged;
}

describe('SPEC §6.8 rule 3: the primary outranks a device', () => {
  it('a thief with a device forks the chain and loses to the primary at the same seq', () => {
    const b = base();
    const thief = claimBy(b, 'github:thief', D);
    const owner = claimBy(b, 'github:owner', P);
    const r = resolve([...b, thief.event], [...b, owner.event]);
    expect(r.status).toBe('valid');
    expect(r.state!.head.hash).toBe(hashOf(owner.event));
    const h = hashOf(thief.event);
    expect(r.evidence.superseded).toEqual([
      { seq: 3, winner: hashOf(owner.event), hash: h, head: h },
    ]);
    expect(status(owner.claim, r)).toBe('valid');
    expect(status(thief.claim, r)).toBe('invalid/not_in_chain');
    expect(r.events.map(hashOf)).not.toContain(h);
    expect(r.allEvents.map(hashOf)).toContain(h);
    expect(exportBundle(r.allEvents)).toBe(exportBundle([...b, thief.event, owner.event]));
  });
});

describe('SPEC §6.8 rule 2: a key a rival branch retires loses', () => {
  it('a device branch loses to a branch revoking that device (rule 2 beats rule 3 for devices)', () => {
    const b = base();
    // Both children are signed by devices; only D2's branch goes on to revoke D.
    const thief = add(b, 'github:thief', D);
    const ownerStart = add(b, 'github:owner', D2);
    const owner = [
      ...ownerStart,
      revokeDevice(stateOf(ownerStart), { device: D.keyId, created_at: tick() }, P),
    ];
    const r = resolve(thief, owner);
    expect(r.status).toBe('valid');
    expect(r.state!.head.hash).toBe(hashOf(owner[owner.length - 1]!));
    expect(r.state!.revokedDevices.has(D.keyId)).toBe(true);
  });
  it('the primary revoking the device at the fork seq wins too', () => {
    const b = base();
    const thief = add(b, 'github:thief', D);
    const owner = [...b, revokeDevice(stateOf(b), { device: D.keyId, created_at: tick() }, P)];
    expect(resolve(thief, owner).state!.head.hash).toBe(hashOf(owner[3]!));
  });
  it('two device branches with nothing above them stay a fork', () => {
    const b = base();
    const one = add(b, 'github:one', D);
    const two = add(b, 'github:two', D2);
    const r = resolve(one, two);
    expect(r.status).toBe('fork');
    expect(r.state!.head.seq).toBe(2);
    expect(r.evidence.hashes).toEqual([hashOf(one[3]!), hashOf(two[3]!)].sort());
    expect(r.events).toEqual(b);
    expect(r.allEvents).toHaveLength(5);
  });
});

describe('SPEC §6.8 rule 1: the committed key', () => {
  it('a thief with the primary loses to the recovery rotation at the fork seq', () => {
    const b = base();
    const thief = add(add(b, 'github:thief', P), 'github:thief2', P);
    const owner = [...b, recoverKey(stateOf(b), { created_at: tick() }, N)];
    const r = resolve(thief, owner);
    expect(r.status).toBe('valid');
    expect(r.state!.primary).toBe(N.keyId);
    expect(r.evidence.superseded).toEqual([
      { seq: 3, winner: hashOf(owner[3]!), hash: hashOf(thief[3]!), head: hashOf(thief[4]!) },
    ]);
  });
  it('and to a recovery later on the owner branch, which can declare the compromise', () => {
    const b = base();
    const thief = add(b, 'github:thief', P);
    const ownerClaim = claimBy(b, 'github:owner', P);
    const o1 = [...b, ownerClaim.event];
    const owner = [
      ...o1,
      recoverKey(stateOf(o1), { created_at: tick(), next: commitment(N2.keyId) }, N),
    ];
    const r = resolve(thief, owner);
    expect(r.state!.primary).toBe(N.keyId);
    expect(r.state!.next).toBe(commitment(N2.keyId));
    expect(status(ownerClaim.claim, r)).toBe('valid');
    // The same with compromised_since 3: what P signed from seq 3 on is undone.
    const declared = [
      ...o1,
      recoverKey(stateOf(o1), { created_at: tick(), compromisedSince: 3 }, N),
    ];
    expect(status(ownerClaim.claim, resolve(thief, declared))).toBe('revoked/key_compromised');
  });
  it('a thief holding the post-rotation primary replays a recovery before the rotation and loses', () => {
    const b = base();
    const o1 = add(b, 'github:owner', P);
    const owner = [
      ...o1,
      rotateKey(stateOf(o1), { newSigner: N, next: commitment(N2.keyId), created_at: tick() }, P),
    ];
    const replay = [...b, recoverKey(stateOf(b), { created_at: tick() }, N)];
    const r = resolve(owner, replay);
    expect(r.status).toBe('valid');
    expect(r.state!.head.hash).toBe(hashOf(owner[4]!));
    expect(r.evidence.superseded).toMatchObject([{ seq: 3, hash: hashOf(replay[3]!) }]);
  });
  it('two recovery rotations (the committed key signed two histories) are a fork', () => {
    const b = base();
    const one = [...b, recoverKey(stateOf(b), { created_at: tick() }, N)];
    const two = [...b, recoverKey(stateOf(b), { created_at: tick() }, N)];
    const r = resolve(one, two);
    expect(r.status).toBe('fork');
    expect(r.code).toBe('fork');
    expect(r.state!.primary).toBe(P.keyId);
    expect(r.evidence.hashes).toEqual([hashOf(one[3]!), hashOf(two[3]!)].sort());
  });
  it('without a commitment, two primary branches stay a fork', () => {
    const b = base().slice(0, 1);
    const r = resolve(add(b, 'github:one', P), add(b, 'github:two', P));
    expect(r.status).toBe('fork');
  });
});

describe('SPEC §6.8: retirements stick', () => {
  it('a device revoked on a superseded branch never makes a valid claim from that seq on', () => {
    const b = base();
    const early = claimBy(b, 'github:early', D);
    const e1 = [...b, early.event];
    // The thief holds P and revokes D (seq 4); the owner recovers at seq 4 and D signs at 5.
    const thief = [...e1, revokeDevice(stateOf(e1), { device: D.keyId, created_at: tick() }, P)];
    const o1 = [...e1, recoverKey(stateOf(e1), { created_at: tick() }, N)];
    const late = claimBy(o1, 'github:late', D);
    const r = resolve(thief, [...o1, late.event]);
    expect(r.status).toBe('valid');
    expect(r.state!.devices.has(D.keyId)).toBe(true);
    expect(r.state!.retirements).toEqual([
      { key: D.keyId, since: 4, code: 'device_revoked', seq: 4, superseded: true },
    ]);
    expect(status(early.claim, r)).toBe('valid');
    expect(status(late.claim, r)).toBe('revoked/device_revoked');
    const login = createLogin(
      { identity: r.state!.identity, audience: 'a', created_at: NOW, expires_at: NOW + 60 },
      D,
    );
    expect(verifyLogin(login, { audience: 'a', now: NOW, chain: r })).toMatchObject({
      status: 'revoked',
      code: 'device_revoked',
    });
  });
  it('a claim revocation on a superseded branch does not stick', () => {
    const b = base();
    const c = claimBy(b, 'github:kept', D);
    const e1 = [...b, c.event];
    const s = stateOf(e1);
    const thief = [...e1, revokeClaim(s, { claim: objectHash(c.claim), created_at: tick() }, P)];
    const owner = [...e1, recoverKey(s, { created_at: tick() }, N)];
    expect(status(c.claim, resolve(thief, owner))).toBe('valid');
  });
});

describe('SPEC §6.7 with resolution', () => {
  it('a remembered head now on a superseded branch is not a fork', () => {
    const b = base();
    const thief = add(add(b, 'github:thief', P), 'github:more', P);
    const owner = [...b, recoverKey(stateOf(b), { created_at: tick() }, N)];
    const r = resolve(thief, owner);
    expect(compareHeads({ seq: 4, hash: hashOf(thief[4]!) }, r)).toBeNull();
    expect(compareHeads({ seq: 3, hash: 'ab'.repeat(32) }, r)).toMatchObject({ code: 'fork' });
  });
});

describe('the result depends only on the set of events', () => {
  const b = base();
  const thief = add(add(b, 'github:thief', P), 'github:thief2', D);
  const o1 = add(b, 'github:owner', P);
  const owner = [...o1, recoverKey(stateOf(o1), { created_at: tick() }, N)];
  const devFork = add(b, 'github:dev', D2);
  const events = [...new Map([...thief, ...owner, ...devFork].map((e) => [hashOf(e), e])).values()];
  const expected = resolveChain(events, now);
  it('the fixture resolves (three children at seq 3)', () => {
    expect(expected.status).toBe('valid');
    expect(expected.evidence.superseded).toHaveLength(2);
  });
  it('shuffling (and repeating) the input never changes the verdict, evidence or state', () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray(events, { minLength: events.length }),
        fc.subarray(events),
        (shuffled, repeated) => {
          const r = resolveChain([...shuffled, ...repeated], now);
          expect(r.status).toBe(expected.status);
          expect(r.evidence).toEqual(expected.evidence);
          expect(stateSnapshot(r.state)).toEqual(stateSnapshot(expected.state));
          expect(r.events).toEqual(expected.events);
          expect(exportBundle(r.allEvents)).toBe(exportBundle(events));
        },
      ),
      { numRuns: 20 },
    );
  });
  it('an invalid event is reported the same whatever the order (the first in bundle order)', () => {
    const bad = { ...devFork[3]!, created_at: devFork[3]!.created_at + 1 };
    const set = [...events, bad];
    const want = resolveChain(set, now);
    expect(want.code).toBe('bad_signature');
    fc.assert(
      fc.property(fc.shuffledSubarray(set, { minLength: set.length }), (shuffled) => {
        const r = resolveChain(shuffled, now);
        expect({ code: r.code, evidence: r.evidence }).toEqual({
          code: want.code,
          evidence: want.evidence,
        });
      }),
      { numRuns: 10 },
    );
  });
});

describe('SPEC §6.5 bounds', () => {
  /** A linear chain of `len` claims by P with `extra(seq)` more sibling claims at each seq. */
  function bushy(len: number, extra: (seq: number) => number): ChainEvent[] {
    const folder = createFolder();
    const out = [genesis()];
    folder.apply(out[0]!, NOW);
    for (let i = 1; i <= len; i++) {
      const s = folder.state!;
      for (let j = 0; j < extra(i); j++)
        out.push(addClaim(s, { subject: `github:s${i}x${j}`, created_at: tick() }, P).event);
      const main = addClaim(s, { subject: `github:main${i}`, created_at: tick() }, P).event;
      out.push(main);
      folder.apply(main, NOW);
    }
    return out;
  }
  it('4 events at one seq are allowed, 5 are too_large', () => {
    expect(
      resolveChain(
        bushy(2, (s) => (s === 2 ? 3 : 0)),
        now,
      ).status,
    ).toBe('fork');
    const five = bushy(2, (s) => (s === 2 ? 4 : 0));
    expect(resolveChain(five, now).code).toBe('too_large');
    expect(verifyChain(exportBundle(five), now).code).toBe('too_large');
  });
  it('64 events sharing their seq are allowed, 65 are too_large', () => {
    expect(
      resolveChain(
        bushy(16, () => 3),
        now,
      ).code,
    ).toBe('fork');
    const many = bushy(22, (s) => (s <= 21 ? 2 : 1));
    expect(many.length).toBe(1 + 22 + 21 * 2 + 1);
    expect(resolveChain(many, now).code).toBe('too_large');
  });
});

// The chain folder: check mutates nothing, commit only what this folder checked at its current
// head, folding is in place, and its result is the state verifyChain reports.
import { describe, expect, it } from 'vitest';
import {
  addClaim,
  applyEvent,
  cloneChainState,
  createFolder,
  objectHash,
  verifyChain,
  type Candidate,
} from '../src/index.js';
import {
  buildChain,
  FIXTURE_NOW as NOW,
  seededSigner as signer,
} from '@kez/test-kit/chain-builder';
import { codeOf, stateSnapshot } from './probes.js';

const primary = signer('ed25519', 11);

describe('createFolder', () => {
  it('folds a chain to the state verifyChain reports', () => {
    const { events, state } = buildChain('ed25519');
    const folder = createFolder();
    for (const e of events) folder.apply(e, NOW);
    expect(stateSnapshot(folder.state)).toEqual(
      stateSnapshot(verifyChain(events, { now: NOW }).state!),
    );
    expect(stateSnapshot(folder.state)).toEqual(stateSnapshot(state));
    expect(folder.state!.head.seq).toBe(events.length - 1);
  });

  it('folds in place: one state object from genesis to head', () => {
    const { events } = buildChain('bip340');
    const folder = createFolder();
    const first = folder.apply(events[0]!, NOW);
    for (const e of events.slice(1)) expect(folder.apply(e, NOW)).toBe(first);
    expect(folder.state).toBe(first);
  });

  it('check mutates nothing, whether the candidate passes or fails', () => {
    const { events } = buildChain('ed25519');
    const folder = createFolder();
    for (const e of events.slice(0, 2)) folder.apply(e, NOW);
    const before = stateSnapshot(folder.state);
    const good = addClaim(folder.state!, { subject: 'github:x', created_at: NOW - 85 }, primary);
    expect(folder.check(good.event, NOW).hash).toBe(objectHash(good.event));
    expect(stateSnapshot(folder.state)).toEqual(before);
    const stranger = addClaim(
      folder.state!,
      { subject: 'github:y', created_at: NOW - 85 },
      signer('ed25519', 99),
    );
    expect(codeOf(() => folder.check(stranger.event, NOW))).toBe('not_authorized');
    expect(stateSnapshot(folder.state)).toEqual(before);
  });

  it('two candidates at one head both pass (a fork); committing one makes the other stale', () => {
    const { events } = buildChain('ed25519');
    const folder = createFolder();
    for (const e of events.slice(0, 2)) folder.apply(e, NOW);
    const s = folder.state!;
    const a = folder.check(
      addClaim(s, { subject: 'github:one', created_at: NOW - 85 }, primary).event,
      NOW,
    );
    const b = folder.check(
      addClaim(s, { subject: 'github:two', created_at: NOW - 85 }, primary).event,
      NOW,
    );
    folder.commit(a);
    expect(folder.state!.head.hash).toBe(a.hash);
    const head = stateSnapshot(folder.state);
    expect(codeOf(() => folder.commit(b))).toBe('bad_link');
    expect(codeOf(() => folder.commit(a))).toBe('bad_link');
    expect(stateSnapshot(folder.state)).toEqual(head);
  });

  it('commits nothing it did not check: a hand-made candidate or another folder’s', () => {
    const { events } = buildChain('ed25519');
    const one = createFolder();
    const two = createFolder();
    one.apply(events[0]!, NOW);
    two.apply(events[0]!, NOW);
    // An event that would fail the rules (wrong key), dressed as a candidate: never applied.
    const forged = addClaim(
      one.state!,
      { subject: 'github:z', created_at: NOW - 85 },
      signer('ed25519', 98),
    ).event;
    const handMade: Candidate = { event: forged, hash: objectHash(forged) };
    expect(codeOf(() => one.commit(handMade))).toBe('bad_link');
    const theirs = two.check(events[1]!, NOW);
    expect(codeOf(() => one.commit(theirs))).toBe('bad_link');
    expect(one.state!.head.seq).toBe(0);
    expect(one.state!.claims.size).toBe(0);
  });

  it('extends a given state in place; a clone keeps the original', () => {
    const { events } = buildChain('ed25519');
    const base = verifyChain(events.slice(0, 2), { now: NOW }).state!;
    const kept = stateSnapshot(base);
    const folder = createFolder(cloneChainState(base));
    folder.apply(events[2]!, NOW);
    expect(stateSnapshot(base)).toEqual(kept);
    const inPlace = createFolder(base);
    expect(inPlace.apply(events[2]!, NOW)).toBe(base);
    expect(base.head.seq).toBe(2);
  });

  it('applyEvent still returns a new state and leaves its input alone', () => {
    const { events } = buildChain('bip340');
    const s1 = verifyChain(events.slice(0, 3), { now: NOW }).state!;
    const kept = stateSnapshot(s1);
    const s2 = applyEvent(s1, events[3]!, { now: NOW });
    expect(s2).not.toBe(s1);
    expect(stateSnapshot(s1)).toEqual(kept);
    expect(s2.head.seq).toBe(3);
    expect(s2.primary).not.toBe(s1.primary);
  });
});

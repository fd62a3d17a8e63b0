// Fork evidence under abuse (issue 12): one key holder could store unbounded evidence at one
// position and `/forks` answered with all of it in one body. Evidence is kept up to 3 events
// per position and 32 per chain (src/limits.ts); the rest is counted, and `/forks` is paged.
// With the main event that is 4 at one seq, the most a SPEC §6.5 bundle may hold (§11).
// Also: a rival signed by a since-revoked device or a rotated-away key loses to the main line
// that retires its key (SPEC v0.3 §6.8) and stays fork evidence.
import {
  addClaim,
  exportBundle,
  MAX_EVENTS_PER_SEQ,
  objectHash,
  parseBundle,
  verifyChain,
  type ChainEvent,
  type ChainState,
} from '@kez/core';
import { describe, expect, it } from 'vitest';
import { BACKENDS, useTestServer } from './helpers/backends.js';
import { TestChain, freshSubject, newSigner, now } from '@kez/test-kit/chain-builder';
import { call, chainPath, postEvent, readForks } from './helpers/http.js';

const PER_POSITION = 3;
const PER_CHAIN = 32;

describe.each(BACKENDS)('fork evidence bounds on %s', (backend) => {
  const server = useTestServer(backend);

  async function publish(chain: TestChain): Promise<void> {
    for (const ev of chain.events)
      expect((await postEvent(server().url, chain.identity, ev)).status).toBe(201);
  }

  it('keeps the first 3 rivals at one position and counts the rest', async () => {
    const chain = new TestChain(newSigner());
    const base = new TestChain(chain.primary, [...chain.events]);
    chain.add();
    chain.add();
    await publish(chain);
    const rivals = Array.from({ length: 12 }, () => base.addEvent());
    for (const ev of rivals) {
      const r = await postEvent(server().url, chain.identity, ev);
      expect(r.status).toBe(409);
      expect(r.json.error.code).toBe('fork');
    }
    const stored = await readForks(server().url, chain.identity);
    expect(stored.events.map(objectHash).sort()).toEqual(
      rivals
        .slice(0, PER_POSITION)
        .map((e) => objectHash(e))
        .sort(),
    );
    // The 4th rival and every later one are counted, not stored.
    expect(stored).toMatchObject({ stored: 3, dropped: 9 });
    expect(stored.events.map(objectHash)).not.toContain(objectHash(rivals[PER_POSITION]!));
    // A repeat of a stored rival is not counted again; a repeat of a dropped one is not stored.
    await postEvent(server().url, chain.identity, rivals[0]!);
    expect(await readForks(server().url, chain.identity)).toMatchObject({ stored: 3, dropped: 9 });
    await postEvent(server().url, chain.identity, rivals[PER_POSITION]!);
    const again = await readForks(server().url, chain.identity);
    expect(again.stored).toBe(3);
    expect(again.events.map(objectHash).sort()).toEqual(stored.events.map(objectHash).sort());

    // Everything the server holds for this chain, main line and /forks, is one SPEC bundle: 4
    // events at seq 1 (the most §6.5 allows), a tie of primary-signed events, so a fork.
    const main = parseBundle((await call(chainPath(server().url, chain.identity))).text);
    const all = [...main, ...stored.events];
    expect(all.filter((e) => e.seq === 1)).toHaveLength(MAX_EVENTS_PER_SEQ);
    const whole = verifyChain(exportBundle(all), { now: now() });
    expect(whole).toMatchObject({ status: 'fork', code: 'fork' });
    expect(whole.allEvents).toHaveLength(all.length);
    // One rival more (the first one the server dropped) would make the bundle too large.
    const over = verifyChain(exportBundle([...all, rivals[PER_POSITION]!]), { now: now() });
    expect(over).toMatchObject({ status: 'invalid', code: 'too_large' });
  });

  it('keeps at most 32 per chain (so main line + /forks is a bundle SPEC §6.5 accepts), and /forks pages through them in order', async () => {
    const chain = new TestChain(newSigner());
    // The owner's state before each position (states are immutable): a rival for each seq.
    const before: ChainState[] = [];
    for (let i = 0; i < PER_CHAIN + 6; i++) {
      before.push(chain.state);
      chain.add();
    }
    await publish(chain);
    for (const state of before) {
      const rival = addClaim(state, { subject: freshSubject(), created_at: now() }, chain.primary);
      const r = await postEvent(server().url, chain.identity, rival.event);
      expect(r.status).toBe(409);
    }
    const stored = await readForks(server().url, chain.identity);
    expect(stored.events).toHaveLength(PER_CHAIN);
    expect(stored.pages).toBeGreaterThan(1);
    const seqs = stored.events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(stored.events.map(objectHash)).size).toBe(PER_CHAIN);
    expect(stored).toMatchObject({ stored: PER_CHAIN, dropped: 6 });
    // The main line plus the evidence: 2 × 32 = 64 events share a seq, the most §6.5 allows.
    const whole = verifyChain(exportBundle([...chain.events, ...stored.events]), { now: now() });
    expect(whole.status).not.toBe('invalid');
    const bad = await call(chainPath(server().url, chain.identity, '/forks?cursor=nope'));
    expect(bad.status).toBe(400);
  });
});

// A rival for a position *before* the revocation of its signer is valid against the state at
// that position, where the key still had authority, so it is fork evidence and the chain is
// flagged; by SPEC §6.8 it loses (the main line retires its key), so the main line stays.
describe.each(BACKENDS)('rivals signed by keys that lost authority later, on %s', (backend) => {
  const server = useTestServer(backend);

  async function expectForkStored(chain: TestChain, rival: ChainEvent): Promise<void> {
    for (const ev of chain.events)
      expect((await postEvent(server().url, chain.identity, ev)).status).toBe(201);
    const r = await postEvent(server().url, chain.identity, rival);
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe('fork');
    const read = await call(chainPath(server().url, chain.identity));
    expect(read.headers.get('kez-fork')).toBe('true');
    expect(read.text).toBe(exportBundle(chain.events));
    expect((await call(chainPath(server().url, chain.identity, '/forks'))).text).toBe(
      exportBundle([rival]),
    );
  }

  it('a revoked device signs a rival for a position before its revocation: fork evidence', async () => {
    const device = newSigner();
    const chain = new TestChain(newSigner());
    chain.push(chain.addDeviceEvent(device));
    const before = new TestChain(chain.primary, [...chain.events]);
    chain.push(chain.addEvent(device));
    chain.push(chain.revokeDeviceEvent(device));
    chain.add();
    await expectForkStored(chain, before.addEvent(device));
  });

  it('a rotated-away primary signs a rival for a position before the rotation: fork evidence', async () => {
    const old = newSigner();
    const chain = new TestChain(old);
    chain.add();
    const before = new TestChain(old, [...chain.events]);
    const next = newSigner();
    chain.push(chain.rotateEvent(next));
    chain.primary = next;
    chain.add();
    await expectForkStored(chain, before.addEvent(old));
  });
});

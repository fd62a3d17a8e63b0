// Replay amplification (issue 12): a fork candidate for an old position of someone else's
// chain, with the public `prev`, used to force a replay of the chain from genesis on every
// request. The work is measured as events read back from the store (a counting wrapper around
// the real backend), not as time: a candidate that cannot be valid costs no replay at all, and
// valid ones share one replay per chain and then start from a cached state near their position.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../src/storage/open.js';
import type { ChainStore } from '../src/storage/types.js';
import { BACKENDS, freshPgDatabase } from './helpers/backends.js';
import { TestChain, newSigner } from '@kez/test-kit/chain-builder';
import { type CountedApp, countedApp } from './helpers/counting-store.js';
import { postEvent } from './helpers/http.js';

const LENGTH = 400;

describe.each(BACKENDS)('replay cost of fork candidates on %s', (backend) => {
  let store: ChainStore;
  let dataDir: string;
  const apps: FastifyInstance[] = [];
  let chain: TestChain;

  async function serve(): Promise<CountedApp> {
    const counted = await countedApp(store);
    apps.push(counted.app);
    return counted;
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'kez-sig-replay-'));
    store = await openStore(
      backend === 'postgres' ? { db: await freshPgDatabase(), dataDir } : { dataDir },
    );
    chain = new TestChain(newSigner());
    for (let i = 1; i < LENGTH; i++) chain.add();
    const { url } = await serve();
    for (const ev of chain.events)
      expect((await postEvent(url, chain.identity, ev)).status).toBe(201);
  }, 120_000);
  afterAll(async () => {
    for (const app of apps) await app.close();
    await store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The owner's view of the chain up to `seq` (exclusive), to sign a rival for `seq`. */
  const prefix = (seq: number) => new TestChain(chain.primary, chain.events.slice(0, seq));

  it('a stranger-signed candidate with the public prev: refused, at most one replay for all of them', async () => {
    const { url, rows } = await serve();
    const stranger = newSigner();
    const base = prefix(LENGTH - 2); // a rival for seq head-1, linked to the real event before it
    const answers = [];
    for (let i = 0; i < 20; i++)
      answers.push(await postEvent(url, chain.identity, base.addEvent(stranger)));
    for (const a of answers) {
      expect(a.status).toBe(422);
      expect(a.json.error.code).toBe('not_authorized');
    }
    // Before the fix every one replayed the chain from genesis: 20 × ~400 events.
    expect(rows()).toBeLessThanOrEqual(LENGTH);
  });

  it('16 concurrent valid rivals on a cold server: one shared replay, then short folds', async () => {
    const { url, rows } = await serve();
    const positions = Array.from({ length: 16 }, (_, i) => LENGTH - 10 - i * 12);
    const rivals = positions.map((seq) => prefix(seq).addEvent());
    const answers = await Promise.all(rivals.map((ev) => postEvent(url, chain.identity, ev)));
    for (const a of answers) {
      expect(a.status).toBe(409);
      expect(a.json.error.code).toBe('fork');
    }
    // One replay of the whole chain, plus at most one checkpoint interval (64) per rival.
    const bound = LENGTH + 16 * 64;
    console.log(`${backend}: 16 concurrent rivals read ${rows()} events (bound ${bound})`);
    expect(rows()).toBeLessThanOrEqual(bound);
    const before = rows();
    const late = prefix(LENGTH - 7).addEvent();
    expect((await postEvent(url, chain.identity, late)).status).toBe(409);
    expect(rows() - before).toBeLessThanOrEqual(64);
  });
});

// Crash safety: the real server process (SQLite) is killed with SIGKILL under concurrent
// appends, restarted on the same data directory, and what it serves is checked against what
// was attempted and what was acknowledged.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { objectHash, parseBundle, verifyChain, exportBundle, type ChainEvent } from '@kez/core';
import { afterAll, describe, expect, it } from 'vitest';
import { TestChain, newSigner, now } from '@kez/test-kit/chain-builder';
import { call, chainPath, postEvent, readForks } from './helpers/http.js';
import { exited, spawnServer } from './helpers/process.js';

interface Ledger {
  chain: TestChain;
  attempted: Set<string>;
  /** Hashes answered 201/200: must be main events after the crash. */
  acked: Set<string>;
  /** Hashes answered 409 fork, stored as evidence: must be in it after the crash. */
  forkAcked: Set<string>;
}

/** Appends to one chain until the server dies: each round posts two rival events for the next seq. */
async function drive(url: string, l: Ledger): Promise<void> {
  for (;;) {
    const rivals = [l.chain.addEvent(), l.chain.addEvent()];
    for (const ev of rivals) l.attempted.add(objectHash(ev));
    let answers;
    try {
      answers = await Promise.all(rivals.map((ev) => postEvent(url, l.chain.identity, ev)));
    } catch {
      return; // the server is gone (some answers may have been lost: they were attempted, not acked)
    }
    let winner: ChainEvent | undefined;
    answers.forEach((a, i) => {
      const h = objectHash(rivals[i]!);
      if (a.status === 201 || a.status === 200) {
        l.acked.add(h);
        winner = rivals[i];
      }
      if (a.status === 409 && a.json?.error?.evidence === 'stored') l.forkAcked.add(h);
    });
    if (!winner)
      throw new Error(`no rival won: ${answers.map((a) => `${a.status} ${a.text}`).join(' | ')}`);
    l.chain.push(winner);
  }
}

describe('durability (SQLite, real process, SIGKILL)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kez-sig-crash-'));
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('every acknowledged append survives; nothing unattempted or half-written appears; chains verify', async () => {
    let server = await spawnServer(['--data', dataDir, '--rate-limit', '0']);
    child = server.child;
    const ledgers: Ledger[] = [];
    for (let i = 0; i < 6; i++) {
      const chain = new TestChain(newSigner());
      expect((await postEvent(server.url, chain.identity, chain.events[0]!)).status).toBe(201);
      ledgers.push({
        chain,
        attempted: new Set([objectHash(chain.events[0]!)]),
        acked: new Set([objectHash(chain.events[0]!)]),
        forkAcked: new Set(),
      });
    }
    const t0 = Date.now();
    const drivers = ledgers.map((l) => drive(server.url, l));
    // Kill once the load is well under way, with requests in flight on every chain.
    const total = () => ledgers.reduce((n, l) => n + l.acked.size, 0);
    while (total() < 200) await new Promise((r) => setTimeout(r, 5));
    console.log(`durability: killing after ${Date.now() - t0} ms`);
    server.child.kill('SIGKILL');
    await Promise.all(drivers);
    await exited(server.child);
    expect(server.child.signalCode).toBe('SIGKILL');

    server = await spawnServer(['--data', dataDir, '--rate-limit', '0']);
    child = server.child;
    let acked = 0;
    let unacked = 0;
    for (const l of ledgers) {
      const read = await call(chainPath(server.url, l.chain.identity));
      expect(read.status).toBe(200);
      const stored = parseBundle(read.text).map(objectHash);
      for (const h of stored) expect(l.attempted.has(h)).toBe(true);
      for (const h of l.acked) expect(stored).toContain(h);
      const verdict = verifyChain(read.text, { now: now() });
      expect(verdict.status).toBe('valid');
      const forks = await readForks(server.url, l.chain.identity);
      const forkHashes = forks.events.map(objectHash);
      for (const h of forkHashes) expect(l.attempted.has(h)).toBe(true);
      for (const h of l.forkAcked) expect(forkHashes).toContain(h);
      if (forkHashes.length)
        expect(verifyChain(read.text + exportBundle(forks.events), { now: now() }).status).not.toBe(
          'valid',
        );
      acked += l.acked.size;
      unacked += stored.length - l.acked.size;
      // The chain the server holds may be ahead of what we saw acknowledged (a commit whose
      // answer was lost); the owner continues from what the server serves.
      const resumed = new TestChain(l.chain.primary, parseBundle(read.text));
      expect(resumed.identity).toBe(l.chain.identity);
      const next = resumed.addEvent();
      expect((await postEvent(server.url, l.chain.identity, next)).status).toBe(201);
      expect(exportBundle([...resumed.events, next])).toBe(
        (await call(chainPath(server.url, l.chain.identity))).text,
      );
    }
    // For the report: appends committed whose answer the SIGKILL swallowed.
    console.log(
      `durability: ${acked} acknowledged appends all present; ${unacked} committed but unacknowledged`,
    );
  });
});

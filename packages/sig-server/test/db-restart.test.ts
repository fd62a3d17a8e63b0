// PostgreSQL restarted under load (issue 12): `pg_ctl stop -m fast` and a SIGKILL of the
// postmaster while 16 appenders hold clients inside transactions. The real server process must
// answer 503 while the database is gone, recover when it is back, and never exit; every
// acknowledged append is still there afterwards. The cluster is this file's own, so stopping
// it disturbs no other test.
import type { ChildProcess } from 'node:child_process';
import { objectHash, parseBundle, type ChainEvent } from '@kez/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestChain, newSigner } from '@kez/test-kit/chain-builder';
import { call, chainPath, postEvent } from './helpers/http.js';
import { startPgCluster, type PgCluster } from '@kez/test-kit/postgres';
import { spawnServer } from './helpers/process.js';

const APPENDERS = 16;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Appender {
  chain: TestChain;
  acked: Set<string>;
  statuses: Map<number, number>;
}

/** Appends until `stop()`; an unanswered or refused event is retried as is (200 if it had landed). */
async function drive(url: string, a: Appender, stopped: () => boolean): Promise<void> {
  let next: ChainEvent = a.chain.addEvent();
  while (!stopped()) {
    let status: number;
    try {
      status = (await postEvent(url, a.chain.identity, next)).status;
    } catch {
      status = 0; // connection refused or reset: the process is gone (asserted below)
    }
    a.statuses.set(status, (a.statuses.get(status) ?? 0) + 1);
    if (status === 201 || status === 200) {
      a.acked.add(objectHash(next));
      a.chain.push(next);
      next = a.chain.addEvent();
    } else await sleep(20);
  }
}

describe('PostgreSQL restart under 16 concurrent appenders (real process)', () => {
  let cluster: PgCluster;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    cluster = await startPgCluster();
  });
  afterAll(() => {
    child?.kill('SIGKILL');
    cluster?.stop();
  });

  it.each(['fast', 'kill'] as const)(
    'halt %s: 503 while down, recovery after, no exit, no acknowledged append lost',
    async (how) => {
      const server = await spawnServer(['--rate-limit', '0'], { KEZ_SIG_DB: cluster.url });
      child = server.child;
      const appenders: Appender[] = [];
      for (let i = 0; i < APPENDERS; i++) {
        const chain = new TestChain(newSigner());
        expect((await postEvent(server.url, chain.identity, chain.events[0]!)).status).toBe(201);
        appenders.push({
          chain,
          acked: new Set([objectHash(chain.events[0]!)]),
          statuses: new Map(),
        });
      }
      let stop = false;
      const drivers = appenders.map((a) => drive(server.url, a, () => stop));
      const acked = () => appenders.reduce((n, a) => n + a.acked.size, 0);
      while (acked() < APPENDERS * 6) await sleep(5);

      cluster.halt(how);
      const ackedAtHalt = acked();
      await sleep(1500);
      expect(server.child.exitCode, 'the server exited when the database went away').toBeNull();
      const down = await call(`${server.url}/readyz`);
      expect(down.status).toBe(503);
      cluster.resume();
      // Recovery: every appender gets further after the restart.
      const before = appenders.map((a) => a.acked.size);
      for (let i = 0; i < 400 && appenders.some((a, j) => a.acked.size <= before[j]! + 2); i++)
        await sleep(25);
      stop = true;
      await Promise.all(drivers);
      expect(server.child.exitCode).toBeNull();
      expect((await call(`${server.url}/readyz`)).status).toBe(200);
      expect(acked()).toBeGreaterThan(ackedAtHalt);

      const statuses = new Map<number, number>();
      for (const a of appenders)
        for (const [s, n] of a.statuses) statuses.set(s, (statuses.get(s) ?? 0) + n);
      console.log(`db-restart ${how}: answers ${JSON.stringify([...statuses])}`);
      // While the database was away the answer was 503 (retryable), never 500 or no answer.
      expect(statuses.get(503) ?? 0).toBeGreaterThan(0);
      expect([...statuses.keys()].filter((s) => ![200, 201, 503].includes(s))).toEqual([]);
      for (const a of appenders) {
        const read = await call(chainPath(server.url, a.chain.identity));
        const stored = new Set(parseBundle(read.text).map(objectHash));
        for (const h of a.acked) expect(stored.has(h)).toBe(true);
      }
      server.child.kill('SIGTERM');
    },
  );
});

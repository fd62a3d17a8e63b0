// The signature pool on real worker threads: verifyChain gives the serial result whether the
// workers finished, are still running, crashed or were terminated; a long chain takes the
// pool's checks. (That a process using it exits by itself: kez-cli sigchain-long.test.ts.)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportBundle, signObject, verifyChain as serialVerify, type ChainEvent } from '@kez/core';
import { POOL_MIN_EVENTS, SignaturePool, verifyChain } from '@kez/accel';
import {
  FIXTURE_NOW as NOW,
  seededSigner,
  steppingClock,
  TestChain,
} from '@kez/test-kit/chain-builder';
import { countUses } from '@kez/test-kit/signatures-ahead';
import { benchChain } from '@kez/test-kit/bench-chain';

const now = { now: NOW };
const primary = seededSigner('ed25519', 41);
const device = seededSigner('bip340', 42);

/** A chain of `n` events: a device, then claims by turns of the primary and the device. */
function chainOf(n: number): ChainEvent[] {
  const chain = new TestChain(primary, undefined, {
    clock: steppingClock(NOW - 10 * n, { step: 1, at: NOW }),
  });
  chain.push(chain.addDeviceEvent(device));
  while (chain.events.length < n) {
    const seq = chain.events.length;
    chain.add(`github:u${seq}`, { signer: seq % 2 ? primary : device });
  }
  return chain.events;
}

const flip = (hex: string) => `${hex[0] === '0' ? '1' : '0'}${hex.slice(1)}`;

let events: ChainEvent[];
let bundle: string;
let serial: ReturnType<typeof serialVerify>;
const pool = new SignaturePool({ size: 2, chunk: 8 });

beforeAll(() => {
  events = chainOf(520);
  bundle = exportBundle(events);
  serial = serialVerify(bundle, now);
  expect(serial.status).toBe('valid');
});
afterAll(() => pool.close());

describe('SignaturePool', () => {
  it('finished checks: the serial result, every event vouched for by a worker', async () => {
    const task = pool.check(bundle);
    await task.settled;
    const counted = countUses(task);
    expect(serialVerify(bundle, { ...now, signatures: counted })).toEqual(serial);
    expect(counted.used).toBeGreaterThanOrEqual(events.length);
  });

  it('racing the workers (results arriving while the fold runs): the serial result', () => {
    const task = pool.check(events);
    try {
      expect(serialVerify(events, { ...now, signatures: task })).toEqual(serial);
    } finally {
      task.cancel();
    }
  });

  it('a bad signature in the middle: the same failure at the same event', async () => {
    const mid = Math.floor(events.length / 2);
    const bad = events.map((e) => (e.seq === mid ? ({ ...e, sig: flip(e.sig) } as ChainEvent) : e));
    const text = exportBundle(bad);
    const expected = serialVerify(text, now);
    expect(expected).toMatchObject({ status: 'invalid', code: 'bad_signature' });
    expect(expected.evidence.seq).toBe(mid);
    for (const source of [text, bundle]) {
      // Checks of the tampered bundle, and of the honest one (other bytes at `mid`).
      const task = pool.check(source);
      await task.settled;
      expect(serialVerify(text, { ...now, signatures: task })).toEqual(expected);
    }
    // A claim signature broken inside an event signed again: only the claim kind fails.
    const add = events[mid + 1]!;
    const { sig: _s, ...unsigned } = {
      ...add,
      body: {
        claim: {
          ...(add.body.claim as object),
          sig: flip((add.body.claim as { sig: string }).sig),
        },
      },
    };
    const resigned = signObject<ChainEvent>(
      unsigned as Omit<ChainEvent, 'sig'>,
      mid % 2 ? device : primary,
    );
    const text2 = exportBundle(events.map((e) => (e.seq === mid + 1 ? resigned : e)));
    const expected2 = serialVerify(text2, now);
    expect(expected2).toMatchObject({ status: 'invalid', code: 'bad_signature' });
    expect(expected2.evidence.seq).toBe(mid + 1);
    const task = pool.check(text2);
    await task.settled;
    expect(serialVerify(text2, { ...now, signatures: task })).toEqual(expected2);
  });

  for (const [what, file] of [
    ['crash', 'crashing-worker.mjs'],
    ['exit', 'exiting-worker.mjs'],
  ] as const) {
    it(`workers that ${what} mid-task: the task settles, the fold checks everything itself`, async () => {
      const broken = new SignaturePool({
        size: 2,
        worker: new URL(`./fixtures/${file}`, import.meta.url),
      });
      try {
        const task = broken.check(bundle);
        await task.settled;
        const counted = countUses(task);
        expect(serialVerify(bundle, { ...now, signatures: counted })).toEqual(serial);
        expect(counted.used).toBe(0);
      } finally {
        await broken.close();
      }
    });
  }

  it('terminated mid-task (close): partial results, the serial result; later tasks run without it', async () => {
    const p = new SignaturePool({ size: 2, chunk: 1 });
    const task = p.check(bundle);
    await p.close();
    await task.settled;
    expect(serialVerify(bundle, { ...now, signatures: task })).toEqual(serial);
    const after = p.check(bundle);
    expect(after.at(0)).toBeUndefined();
    expect(serialVerify(bundle, { ...now, signatures: after })).toEqual(serial);
  });

  it('a module awaiting a task and close() in its top level runs to its end', () => {
    // An unref'd worker does not keep the event loop alive: awaiting it would end the process
    // with "unsettled top-level await" (exit 13). The pool holds it while it works or stops.
    // (Run with --input-type, which the pool keeps from its workers: they would not start.)
    const file = join(mkdtempSync(join(tmpdir(), 'kez-pool-')), 'chain.jsonl');
    writeFileSync(file, bundle);
    const script = `
      import { readFileSync } from 'node:fs';
      import { SignaturePool } from '@kez/accel';
      const pool = new SignaturePool({ size: 2 });
      const task = pool.check(readFileSync(${JSON.stringify(file)}, 'utf8'));
      await task.settled;
      const checked = task.at(${events.length - 1})?.verified;
      await pool.close();
      console.log('done', checked);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: new URL('..', import.meta.url).pathname,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect({ status: r.status, out: r.stdout.trim(), err: r.stderr }).toEqual({
      status: 0,
      out: 'done 3',
      err: '',
    });
  });

  it('input it cannot ship (no final LF, not JSON) is left to the fold', () => {
    expect(pool.check(bundle.slice(0, -1)).at(0)).toBeUndefined();
    expect(pool.check([{ n: 1n }]).at(0)).toBeUndefined();
  });
});

describe('verifyChain (@kez/accel)', () => {
  class CountingPool extends SignaturePool {
    tasks = 0;
    override check(input: string | readonly unknown[]) {
      this.tasks++;
      return super.check(input);
    }
  }

  it(`uses the pool from ${POOL_MIN_EVENTS} events, not below; the result is core's`, () => {
    const p = new CountingPool({ size: 1 });
    try {
      const long = benchChain(POOL_MIN_EVENTS, NOW);
      const text = exportBundle(long);
      expect(verifyChain(text, { ...now, pool: p })).toEqual(serialVerify(text, now));
      expect(p.tasks).toBe(1);
      const short = long.slice(0, POOL_MIN_EVENTS - 1);
      expect(verifyChain(short, { ...now, pool: p })).toEqual(serialVerify(short, now));
      expect(p.tasks).toBe(1);
    } finally {
      void p.close();
    }
  });
});

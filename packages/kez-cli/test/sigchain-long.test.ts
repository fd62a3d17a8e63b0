// A chain long enough for @kez/accel's signature pool (POOL_MIN_EVENTS): `kez sigchain verify`
// reports what @kez/core's serial verifyChain does, for a good chain and for one with a bad
// signature in the middle, and the process exits by itself (the pool's workers never hold it).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportBundle, verifyChain, type ChainEvent } from '@kez/core';
import { POOL_MIN_EVENTS } from '@kez/accel';
import { benchChain } from '@kez/test-kit/bench-chain';
import { NOW, runJson, tempHome } from './cli.js';

const t = tempHome();
afterAll(() => t.cleanup());

let events: ChainEvent[];
beforeAll(() => {
  events = benchChain(POOL_MIN_EVENTS + 10, NOW);
});

describe('kez sigchain verify, a chain the pool checks', () => {
  it('valid, like the serial verifyChain, and the command exits', async () => {
    const file = join(t.dir, 'long.jsonl');
    writeFileSync(file, exportBundle(events));
    const serial = verifyChain(events, { now: NOW });
    const v = await runJson(['sigchain', 'verify', file], { home: t.home });
    expect(v.code).toBe(0);
    expect(v.doc).toMatchObject({
      status: 'valid',
      identity: serial.state!.identity,
      events: events.length,
    });
  });

  it('a bad signature in the middle: invalid at that event, as serially', async () => {
    const mid = Math.floor(events.length / 2);
    const bad = events.map((e) =>
      e.seq === mid ? { ...e, sig: `${e.sig[0] === '0' ? '1' : '0'}${e.sig.slice(1)}` } : e,
    );
    const serial = verifyChain(bad, { now: NOW });
    expect(serial).toMatchObject({ status: 'invalid', code: 'bad_signature' });
    const v = await runJson(['sigchain', 'verify', '-'], {
      home: t.home,
      input: exportBundle(bad),
    });
    expect(v.code).toBe(1);
    expect(v.doc).toMatchObject({
      status: 'invalid',
      code: 'bad_signature',
      reason: serial.reason,
    });
    expect(JSON.stringify(v.doc)).toContain(serial.evidence.hash as string);
  });
});

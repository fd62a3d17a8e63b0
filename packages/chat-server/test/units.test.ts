// The small pure parts: nonce cache, login gate, head memory, permissions, configuration.
import { describe, expect, it } from 'vitest';
import { Gate, HeadMemory, NonceCache, loadConfig, userPermissions } from '../src/index.js';

const ID = `kez:id:${'a1'.repeat(32)}`;

describe('NonceCache', () => {
  it('uses a nonce once within its lifetime and forgets it after', () => {
    const c = new NonceCache();
    expect(c.use('n1', 160, 100)).toBe(true);
    expect(c.use('n1', 160, 120)).toBe(false);
    expect(c.has('n1', 159)).toBe(true);
    expect(c.has('n1', 160)).toBe(false);
    expect(c.use('n1', 300, 200)).toBe(true); // expired entries do not block (the assertion itself has expired)
  });
  it('refuses instead of forgetting live nonces when full', () => {
    const c = new NonceCache(2);
    expect(c.use('a', 200, 100)).toBe(true);
    expect(c.use('b', 200, 100)).toBe(true);
    expect(c.use('c', 200, 100)).toBe(false);
    expect(c.use('a', 200, 150)).toBe(false);
    expect(c.use('c', 300, 250)).toBe(true); // a and b expired and were pruned
    expect(c.size).toBe(1);
  });
});

describe('NonceCache tried tier (refused or in-flight logins)', () => {
  it('makes a refused nonce a replay, without making it used', () => {
    const c = new NonceCache();
    expect(c.try('r1', 160, 100)).toBe(true);
    expect(c.try('r1', 160, 101)).toBe(false);
    expect(c.has('r1', 101)).toBe(true);
    expect(c.size).toBe(0);
    expect(c.use('r1', 160, 102)).toBe(true); // the check that tried it may still admit it
    expect(c.use('r1', 160, 103)).toBe(false);
  });
  it('forgets the oldest refused nonces when full, never a used one', () => {
    const c = new NonceCache(10, 2);
    expect(c.use('u', 500, 100)).toBe(true);
    for (const n of ['a', 'b', 'c']) expect(c.try(n, 500, 100)).toBe(true);
    expect(c.has('a', 100)).toBe(false); // evicted: one more check, never an admission by itself
    expect(c.has('c', 100)).toBe(true);
    for (const n of ['d', 'e', 'f']) c.try(n, 500, 100);
    expect(c.has('u', 100)).toBe(true);
  });
});

describe('Gate', () => {
  it('runs at most maxActive at once, queues up to maxQueued, sheds the rest', async () => {
    const g = new Gate(2, 1);
    let running = 0;
    let peak = 0;
    const release: Array<() => void> = [];
    const job = () =>
      new Promise<string>((resolve) => {
        running++;
        peak = Math.max(peak, running);
        release.push(() => {
          running--;
          resolve('done');
        });
      });
    const far = performance.now() + 10_000;
    const a = g.run(far, job);
    const b = g.run(far, job);
    const c = g.run(far, job); // queued
    expect(await g.run(far, job)).toBeNull(); // queue full: shed at once
    expect(g.load).toEqual({ active: 2, queued: 1 });
    release.shift()!();
    await a;
    await new Promise((r) => setTimeout(r, 0));
    expect(running).toBe(2); // c started in a's slot
    release.shift()!();
    release.shift()!();
    expect(await Promise.all([b, c])).toEqual(['done', 'done']);
    expect(peak).toBe(2);
    expect(g.load).toEqual({ active: 0, queued: 0 });
  });
  it('sheds a queued login whose deadline passes before a slot frees', async () => {
    const g = new Gate(1, 5);
    let free!: () => void;
    const busy = g.run(performance.now() + 10_000, () => new Promise<void>((r) => (free = r)));
    let ran = false;
    const late = await g.run(performance.now() + 30, async () => {
      ran = true;
    });
    expect(late).toBeNull();
    expect(ran).toBe(false);
    expect(g.load.queued).toBe(0);
    free();
    await busy;
    expect(g.load.active).toBe(0);
  });
});

describe('HeadMemory', () => {
  it('keeps the highest head and a bounded number of identities', async () => {
    const m = new HeadMemory(2);
    await m.remember('x', { seq: 3, hash: 'h3' });
    await m.remember('x', { seq: 1, hash: 'h1' });
    expect(await m.get('x')).toEqual({ seq: 3, hash: 'h3' });
    await m.remember('y', { seq: 0, hash: 'y0' });
    await m.remember('z', { seq: 0, hash: 'z0' });
    expect(await m.get('x')).toBeUndefined();
    expect(await m.get('z')).toEqual({ seq: 0, hash: 'z0' });
  });
});

describe('userPermissions', () => {
  it('lets an identity publish only under its own token', () => {
    const hex = 'a1'.repeat(32);
    const p = userPermissions(ID, { rooms: '*', maxPayload: 100 });
    expect(p.pub?.allow).toEqual([`chat.*.${hex}`, `kezchat.history.*.${hex}`]);
    expect(p.sub?.allow).toEqual(['chat.*.*', `_INBOX_${hex}.>`]);
    expect(p.payload).toBe(100);
    const r = userPermissions(ID, { rooms: ['ops'], maxPayload: 100 });
    expect(r.pub?.allow).toEqual([`chat.ops.${hex}`, `kezchat.history.ops.${hex}`]);
    expect(r.sub?.allow).toEqual(['chat.ops.*', `_INBOX_${'a1'.repeat(32)}.>`]);
  });
});

describe('loadConfig', () => {
  const base = {
    NATS_URL: 'nats://n:4222',
    KEZ_CHAT_AUDIENCE: 'chat.example',
    SIG_SERVER_URL: 'http://sig:8787',
    KEZ_CHAT_ISSUER_SEED: 'SAexample',
    KEZ_CHAT_CALLOUT_PASS: 'p1',
    KEZ_CHAT_APP_PASS: 'p2',
  };
  it('reads defaults', () => {
    const c = loadConfig(base);
    expect(c).toMatchObject({
      account: 'APP',
      calloutUser: 'auth',
      appUser: 'kezchat',
      jwtTtlSec: 900,
      rooms: '*',
      stream: 'KEZCHAT',
    });
    expect(c.xkeySeed).toBeUndefined();
    // The compose deployment (http://sig-server:8787 on a private network) works out of the box;
    // loopback is an explicit opt-in.
    expect(c.sigServerAccess).toEqual({
      allowHttp: true,
      allowPrivate: true,
      allowLoopback: false,
    });
  });
  it('reads the sig-server access switches', () => {
    const c = loadConfig({
      ...base,
      SIG_SERVER_URL: 'https://sig.example',
      KEZ_CHAT_SIG_ALLOW_HTTP: '0',
      KEZ_CHAT_SIG_ALLOW_PRIVATE: 'false',
      KEZ_CHAT_SIG_ALLOW_LOOPBACK: '1',
    });
    expect(c.sigServerAccess).toEqual({
      allowHttp: false,
      allowPrivate: false,
      allowLoopback: true,
    });
    expect(() => loadConfig({ ...base, KEZ_CHAT_SIG_ALLOW_PRIVATE: 'yes please' })).toThrow(
      /KEZ_CHAT_SIG_ALLOW_PRIVATE/,
    );
    expect(() => loadConfig({ ...base, KEZ_CHAT_SIG_ALLOW_HTTP: '0' })).toThrow(
      /SIG_SERVER_URL is http/,
    );
    expect(() => loadConfig({ ...base, SIG_SERVER_URL: 'http://u:pw@sig:8787' })).toThrow(
      /credentials/,
    );
    expect(() => loadConfig({ ...base, SIG_SERVER_URL: 'ftp://sig' })).toThrow(/SIG_SERVER_URL/);
    expect(() => loadConfig({ ...base, SIG_SERVER_URL: 'sig:8787/' })).toThrow(/SIG_SERVER_URL/);
  });
  it('refuses missing or malformed settings with the variable name', () => {
    expect(() => loadConfig({ ...base, NATS_URL: undefined })).toThrow(/NATS_URL/);
    expect(() => loadConfig({ ...base, KEZ_CHAT_ISSUER_SEED: 'SUuser' })).toThrow(/SA/);
    expect(() => loadConfig({ ...base, KEZ_CHAT_XKEY_SEED: 'SAnot-curve' })).toThrow(/SX/);
    expect(() => loadConfig({ ...base, KEZ_CHAT_JWT_TTL: '0' })).toThrow(/KEZ_CHAT_JWT_TTL/);
    expect(() => loadConfig({ ...base, KEZ_CHAT_ROOMS: 'ok,bad.room' })).toThrow(/KEZ_CHAT_ROOMS/);
    expect(loadConfig({ ...base, KEZ_CHAT_ROOMS: 'ops, lobby' }).rooms).toEqual(['ops', 'lobby']);
  });
});

// Nothing a command gets wrong costs the identity anything: a failing command appends nothing,
// nothing is signed at a time verifiers reject, a duplicate claim needs --force, and a publish
// to a sig-server that holds another history says `fork` instead of "0 added".
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSigServer, type RunningSigServer } from '@kez/test-kit/sig-server';
import { ok, run, runJson, tempHome } from './cli.js';

const t = tempHome();
/** The store's one chain file, byte for byte. */
const chainText = (home: string) => {
  const [file] = readdirSync(join(home, 'chains'));
  return readFileSync(join(home, 'chains', file!), 'utf8');
};
const identityOf = (home: string): string =>
  JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).identity;

beforeAll(async () => {
  await ok(['key', 'gen'], { home: t.home });
  await ok(['sigchain', 'init'], { home: t.home });
});
afterAll(() => t.cleanup());

describe('a command that fails appends nothing', () => {
  it('claim --out to a path that cannot be written leaves the chain as it was', async () => {
    const before = chainText(t.home);
    const r = await run(['claim', 'github:bob', '--out', join(t.dir, 'missing', 'x.md')], {
      home: t.home,
    });
    expect(r.code).not.toBe(0);
    expect(chainText(t.home)).toBe(before);
    // …so the same claim can be made once the path is right, without a duplicate.
    await ok(['claim', 'github:bob', '--out', join(t.dir, 'bob.md')], { home: t.home });
    expect(chainText(t.home)).not.toBe(before);
  });
});

describe('nothing is signed at a time verifiers reject', () => {
  const ahead = String(Math.floor(Date.now() / 1000) + 3600);
  it.each([
    ['sigchain', 'add', 'github:later'],
    ['claim', 'github:later'],
    ['sigchain', 'revoke', 'github:bob'],
    ['sigchain', 'rotate'],
  ])('--now ahead of the system clock is refused for %s %s', async (...args) => {
    const before = chainText(t.home);
    const r = await runJson(['--now', ahead, ...args], { home: t.home, realClock: true });
    expect(r.code).toBe(2);
    expect(r.doc.error.code).toBe('future_signing_time');
    expect(chainText(t.home)).toBe(before);
  });

  it('init with a future --now creates no identity', async () => {
    const h = tempHome();
    try {
      await ok(['key', 'gen'], { home: h.home });
      const r = await runJson(['--now', ahead, 'sigchain', 'init'], {
        home: h.home,
        realClock: true,
      });
      expect(r.code).toBe(2);
      expect(r.doc.error.code).toBe('future_signing_time');
      expect((await run(['sigchain', 'show'], { home: h.home, realClock: true })).code).toBe(8);
    } finally {
      h.cleanup();
    }
  });

  it('after a refused future --now the store still works on the real clock', async () => {
    const h = tempHome();
    try {
      const real = { home: h.home, realClock: true };
      await ok(['key', 'gen'], real);
      await ok(['sigchain', 'init'], real);
      expect((await run(['--now', ahead, 'sigchain', 'add', 'github:x'], real)).code).toBe(2);
      await ok(['sigchain', 'show'], real);
      await ok(['sigchain', 'add', 'github:x'], real);
    } finally {
      h.cleanup();
    }
  });
});

describe('a second live claim for the same subject', () => {
  it.each([['sigchain', 'add'], ['claim']])(
    '%s refuses it without --force and names the live claim',
    async (...cmd) => {
      const subject = `github:dup-${cmd.length}`;
      await ok([...cmd, subject], { home: t.home });
      const before = chainText(t.home);
      const r = await runJson([...cmd, subject], { home: t.home });
      expect(r.code).toBe(2);
      expect(r.doc.error.code).toBe('duplicate');
      expect(r.doc.error.hint).toContain('--force');
      expect(chainText(t.home)).toBe(before);
      await ok([...cmd, subject, '--force'], { home: t.home });
      expect(chainText(t.home)).not.toBe(before);
    },
  );

  it('a revoked claim does not count: the subject can be claimed again', async () => {
    await ok(['sigchain', 'add', 'github:again'], { home: t.home });
    await ok(['sigchain', 'revoke', 'github:again'], { home: t.home });
    await ok(['sigchain', 'add', 'github:again'], { home: t.home });
  });
});

/** A store with an identity whose channels.json publishes to `sigUrl` (on loopback). */
async function publishingStore(home: string, sigUrl: string): Promise<void> {
  await ok(['key', 'gen'], { home });
  await ok(['sigchain', 'init'], { home });
  writeFileSync(
    join(home, 'channels.json'),
    JSON.stringify({ allowLoopback: true, allowHttp: true, sigServers: [sigUrl] }),
  );
}

describe('sigchain publish to a sig-server holding another history', () => {
  let sig: RunningSigServer;
  beforeAll(async () => {
    sig = await startSigServer();
  });
  afterAll(() => sig.close());

  it('reports fork (exit 6) and what to do, and sends nothing', async () => {
    const a = tempHome();
    const b = tempHome();
    try {
      await publishingStore(a.home, sig.url);
      await ok(['sigchain', 'publish'], { home: a.home });
      // The same identity in a second store (a copy on another device), then both extend it.
      cpSync(a.home, b.home, { recursive: true });
      await ok(['sigchain', 'add', 'github:from-a'], { home: a.home });
      await ok(['sigchain', 'publish'], { home: a.home });
      await ok(['sigchain', 'add', 'github:from-b'], { home: b.home });
      const r = await runJson(['sigchain', 'publish'], { home: b.home });
      expect(r.code).toBe(6);
      expect(r.doc.servers[0].status).toBe('fork');
      expect(r.doc.servers[0].code).toBe('fork');
      expect(r.doc.servers[0].seq).toBe(1);
      expect(r.doc.servers[0].hint).toContain('kez sigchain import');
      const human = await run(['sigchain', 'publish'], { home: b.home });
      expect(human.code).toBe(6);
      expect(human.stdout).toMatch(/fork/);
      // The server still holds a's history only.
      const served = await fetch(
        new URL(`v1/chains/${encodeURIComponent(identityOf(a.home))}`, `${sig.url}/`),
      );
      expect(await served.text()).toContain('github:from-a');
    } finally {
      a.cleanup();
      b.cleanup();
    }
  });

  it('an up-to-date server is not a fork: 0 added, exit 0', async () => {
    const a = tempHome();
    try {
      await publishingStore(a.home, sig.url);
      await ok(['sigchain', 'add', 'github:uptodate'], { home: a.home });
      expect((await runJson(['sigchain', 'publish'], { home: a.home })).doc.servers[0].added).toBe(
        2,
      );
      const again = await runJson(['sigchain', 'publish'], { home: a.home });
      expect(again.code).toBe(0);
      expect(again.doc.servers[0].added).toBe(0);
      // The claim names the homes (the default relays), not this server: the report says so.
      expect(again.doc.locators).toEqual(['wss://relay.damus.io', 'wss://nos.lol']);
      expect((await run(['sigchain', 'publish'], { home: a.home })).stdout).toContain(
        'kez sigchain homes --add URL',
      );
      await ok(['sigchain', 'homes', '--add', sig.url], { home: a.home });
      await ok(['sigchain', 'add', 'github:located'], { home: a.home });
      const located = await run(['sigchain', 'publish'], { home: a.home });
      expect(located.stdout).not.toContain('homes --add');
    } finally {
      a.cleanup();
    }
  });
});

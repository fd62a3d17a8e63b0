// Homes (SPEC §10) in the store, in claims' locators, and in short proofs (§5.2).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, run, runJson, tempHome } from './cli.js';

const t = tempHome();
const home = t.home;
afterAll(() => t.cleanup());
const DEFAULTS = ['wss://relay.damus.io', 'wss://nos.lol'];

describe('homes and short proofs', () => {
  let identity = '';
  beforeAll(async () => {
    await ok(['key', 'gen'], { home });
    const init = await runJson(['sigchain', 'init', '--sig-server', 'https://sig.example.com/'], {
      home,
    });
    expect(init.code).toBe(0);
    identity = init.doc.identity;
    expect(init.doc.homes).toEqual([...DEFAULTS, 'https://sig.example.com']);
  });

  it('init says where the committed key is and that it belongs offline', async () => {
    const other = tempHome();
    try {
      await ok(['key', 'gen'], { home: other.home });
      const r = await ok(['sigchain', 'init'], { home: other.home });
      expect(r.stdout).toContain(`${other.home}/keys/default.next.json`);
      expect(r.stdout).toContain('offline');
      expect(r.stdout).toContain(`homes: ${DEFAULTS.join(' ')}`);
    } finally {
      other.cleanup();
    }
  });

  it('claims name the homes unless --locator replaces them', async () => {
    const a = await runJson(['sigchain', 'add', 'github:homed'], { home });
    expect(a.doc.claim.locators).toEqual([...DEFAULTS, 'https://sig.example.com']);
    const b = await runJson(
      ['sigchain', 'add', 'github:located', '--locator', 'https://x.example'],
      {
        home,
      },
    );
    expect(b.doc.claim.locators).toEqual(['https://x.example']);
  });

  it('--format short is the link form at the sig-server home, ≤ 120 bytes, and is in the chain', async () => {
    const r = await runJson(['claim', 'github:short', '--format', 'short'], { home });
    expect(r.code).toBe(0);
    expect(r.doc.encoding).toBe('short');
    expect(r.doc.text).toBe(`https://sig.example.com/${identity}\n`);
    expect(Buffer.byteLength(r.doc.text.trim())).toBeLessThanOrEqual(120);
    expect(r.doc.next_step).toContain('kez sigchain publish');
    const show = await runJson(['sigchain', 'show'], { home });
    expect(show.doc.claims.map((c: { subject: string }) => c.subject)).toContain('github:short');
  });

  it('claim show prints a live claim again without a new event, in any format', async () => {
    const before = (await runJson(['sigchain', 'show'], { home })).doc.events;
    const short = await run(['claim', 'show', 'github:short', '--format', 'short'], { home });
    expect(short.stdout).toBe(`https://sig.example.com/${identity}\n`);
    const compact = await runJson(['claim', 'show', 'github:short', '--format', 'compact'], {
      home,
    });
    expect(compact.doc.text).toMatch(/^kez:z1:/);
    expect(compact.doc.claim.subject).toBe('github:short');
    expect((await runJson(['sigchain', 'show'], { home })).doc.events).toBe(before);
    const none = await runJson(['claim', 'show', 'github:nobody'], { home });
    expect(none.code).toBe(2);
    expect(none.doc.error.code).toBe('no_claim');
    expect(none.doc.error.hint).toContain('kez claim github:nobody');
  });

  it('homes --add/--remove edit the list; without a sig-server home a short proof is bare', async () => {
    const r = await runJson(
      ['sigchain', 'homes', '--remove', 'https://sig.example.com', '--add', 'wss://relay.example'],
      { home },
    );
    expect(r.doc).toEqual({ identity, homes: [...DEFAULTS, 'wss://relay.example'] });
    expect((await runJson(['sigchain', 'homes'], { home })).doc.homes).toEqual(r.doc.homes);
    const bare = await run(['claim', 'show', 'github:short', '--format', 'short'], { home });
    expect(bare.stdout).toBe(`${identity}\n`);
    const long = `https://${'a'.repeat(50)}.example`;
    await ok(['sigchain', 'homes', '--add', long], { home });
    expect(
      (await run(['claim', 'show', 'github:short', '--format', 'short'], { home })).stdout,
    ).toBe(`${identity}\n`);
    const bad = await runJson(['sigchain', 'homes', '--add', 'https://Sig.Example'], { home });
    expect(bad.code).toBe(2);
    expect(bad.doc.error.code).toBe('bad_url');
    const missing = await runJson(['sigchain', 'homes', '--remove', 'https://never.example'], {
      home,
    });
    expect(missing.doc.error.code).toBe('no_home');
  });
});

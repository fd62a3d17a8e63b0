// Claims and devices named by a unique prefix (8+ hex digits) or a device name; an ambiguous
// prefix or name is refused, listing the candidates.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveClaim } from '../src/commands/sigchain.js';
import type { LocalChain } from '../src/local-chain.js';
import { ok, runJson, tempHome } from './cli.js';

function fakeChain(hashes: string[]): LocalChain {
  const claims = new Map(
    hashes.map((h, i) => [h, { claim: { subject: `github:u${i}` }, seq: i + 1 }]),
  );
  return { state: { claims } } as unknown as LocalChain;
}

describe('prefixes', () => {
  it('a unique claim-hash prefix resolves; an ambiguous one lists the candidates', () => {
    const a = `abcdef01${'0'.repeat(56)}`;
    const b = `abcdef01${'1'.repeat(56)}`;
    const c = `12345678${'2'.repeat(56)}`;
    const chain = fakeChain([a, b, c]);
    expect(resolveClaim(chain, '12345678')).toBe(c);
    expect(resolveClaim(chain, 'ABCDEF010')).toBe(a);
    expect(() => resolveClaim(chain, 'abcdef01')).toThrow(/2 claim hashes/);
    try {
      resolveClaim(chain, 'abcdef01');
    } catch (e) {
      expect((e as { hint: string }).hint).toContain(a);
      expect((e as { hint: string }).hint).toContain(b);
      expect((e as { code: string }).code).toBe('ambiguous');
    }
    expect(() => resolveClaim(chain, 'abcd')).toThrow(/too short/);
    expect(() => resolveClaim(chain, 'ffffffff')).toThrow(/no claim/);
  });

  describe('on a chain', () => {
    const t = tempHome();
    beforeAll(async () => {
      await ok(['key', 'gen'], { home: t.home });
      await ok(['sigchain', 'init'], { home: t.home });
      for (const n of ['phone', 'tablet', 'laptop'])
        await ok(['key', 'gen', '--alg', 'ed25519', '--name', n], { home: t.home });
      await ok(['sigchain', 'add-device', 'phone', '--device-name', 'pixel'], { home: t.home });
      await ok(['sigchain', 'add-device', 'tablet', '--device-name', 'twin'], { home: t.home });
      await ok(['sigchain', 'add-device', 'laptop', '--device-name', 'twin'], { home: t.home });
    });
    afterAll(() => t.cleanup());

    it('sigchain revoke takes an 8-hex prefix of the claim hash', async () => {
      const add = await runJson(['sigchain', 'add', 'github:prefix'], { home: t.home });
      const hash: string = add.doc.hash;
      const r = await runJson(['sigchain', 'revoke', hash.slice(0, 8)], { home: t.home });
      expect(r.code).toBe(0);
      expect(r.doc.revoked).toBe(hash);
    });

    it('revoke-device takes a key-id prefix or a device name; refuses an ambiguous name', async () => {
      const keys = (await runJson(['key', 'list'], { home: t.home })).doc.keys as Array<{
        name: string;
        key: string;
      }>;
      const phone = keys.find((k) => k.name === 'phone')!.key;
      const tablet = keys.find((k) => k.name === 'tablet')!.key;
      const laptop = keys.find((k) => k.name === 'laptop')!.key;
      const twin = await runJson(['sigchain', 'revoke-device', 'twin'], { home: t.home });
      expect(twin.code).toBe(2);
      expect(twin.doc.error.code).toBe('ambiguous');
      expect(twin.doc.error.hint).toContain(tablet);
      expect(twin.doc.error.hint).toContain(laptop);
      const byPrefix = await runJson(
        ['sigchain', 'revoke-device', tablet.replace('ed25519:', '').slice(0, 10)],
        { home: t.home },
      );
      expect(byPrefix.code).toBe(0);
      expect(byPrefix.doc.revoked_device).toBe(tablet);
      const byName = await runJson(['sigchain', 'revoke-device', 'pixel'], { home: t.home });
      expect(byName.code).toBe(0);
      expect(byName.doc.revoked_device).toBe(phone);
      const byTwin = await runJson(['sigchain', 'revoke-device', 'twin'], { home: t.home });
      expect(byTwin.doc.revoked_device).toBe(laptop);
    });
  });
});

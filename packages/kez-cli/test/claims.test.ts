import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOW, ok, run, runJson, tempHome } from './cli.js';

const ENCODINGS = [
  ['json', 'json'],
  ['compact', 'compact'],
  ['md', 'markdown'],
  ['dns', 'dns'],
] as const;
const SUITES = ['nostr', 'ed25519'] as const;

/** Changes the character at `i` to another one of the same alphabet (so the text stays well formed). */
function flipAt(text: string, i: number): string {
  const c = text[i]!;
  const replacement = /[0-9a-f]/.test(c) ? (c === '0' ? '1' : '0') : c === 'A' ? 'B' : 'A';
  return text.slice(0, i) + replacement + text.slice(i + 1);
}

/** Two one-byte tampers inside the signed payload of each encoding (text outside a Markdown fence is unsigned). */
function tampers(text: string, encoding: string): string[] {
  if (encoding === 'json' || encoding === 'md') {
    const sig = text.indexOf('"sig":"') + 7 + 20;
    const subject = text.indexOf('"subject":"github:') + 18;
    return [flipAt(text, sig), flipAt(text, subject)];
  }
  const start = text.indexOf('kez:z1:') + 7;
  const end = text.indexOf('"', start) > 0 ? text.indexOf('"', start) : text.trimEnd().length;
  return [flipAt(text, start + Math.floor((end - start) / 2)), flipAt(text, start + 12)];
}

describe.each(SUITES)('claims signed with a %s key', (alg) => {
  const t = tempHome();
  const files: Record<string, string> = {};
  let bundleAfterClaims = '';

  beforeAll(async () => {
    await ok(['key', 'gen', '--alg', alg], { home: t.home });
    await ok(['sigchain', 'init'], { home: t.home });
    for (const [format] of ENCODINGS) {
      const file = join(t.dir, `claim.${format}`);
      await ok(['claim', `github:user-${format}`, '--format', format, '--out', file], {
        home: t.home,
      });
      files[format] = file;
    }
    bundleAfterClaims = join(t.dir, 'bundle-claims.jsonl');
    await ok(['sigchain', 'export', '--out', bundleAfterClaims], { home: t.home });
  });
  afterAll(() => t.cleanup());

  it.each(ENCODINGS)(
    '%s: round-trips as valid offline, and a one-byte tamper is invalid',
    async (format, encoding) => {
      const text = readFileSync(files[format]!, 'utf8');
      const v = await runJson(['claim', 'verify', files[format]!], { home: t.home });
      expect(v.code).toBe(0);
      expect(v.doc).toMatchObject({
        status: 'valid',
        code: null,
        encoding,
        chain_consulted: false,
      });
      expect(v.doc.object).toMatchObject({ type: 'claim', subject: `github:user-${format}` });
      expect(Object.keys(v.doc).sort()).toEqual([
        'chain_consulted',
        'code',
        'encoding',
        'evidence',
        'object',
        'reason',
        'status',
      ]);

      const fromStdin = await run(['claim', 'verify', '-'], { home: t.home, input: text });
      expect(fromStdin.code).toBe(0);
      // Offline is not the verdict: no tick, no bare VALID.
      expect(fromStdin.stdout).toMatch(/^signature ok \(offline: chain not consulted\)/);
      expect(fromStdin.stdout).not.toMatch(/✔|VALID/);

      const bad = await Promise.all(
        tampers(text, format).map((tampered) => {
          expect(tampered).not.toBe(text);
          expect(tampered.length).toBe(text.length);
          return runJson(['claim', 'verify', '-'], { home: t.home, input: tampered });
        }),
      );
      for (const b of bad) {
        expect(b.code).toBe(1);
        expect(b.doc.status).toBe('invalid');
        expect(b.doc.code).toEqual(expect.any(String));
      }
      const human = await run(['claim', 'verify', '-'], {
        home: t.home,
        input: tampers(text, format)[0],
      });
      expect(human.code).toBe(1);
      expect(human.stdout).toMatch(/^✘ INVALID \(\w+\)/);
      expect(human.stdout).not.toMatch(/VALID {2}offline/);
    },
  );

  it('checked against the sigchain: valid, revoked, still valid after a rotation, key_compromised after a declaration', async () => {
    const valid = await runJson(['claim', 'verify', files.md!, '--chain', bundleAfterClaims], {
      home: t.home,
    });
    expect(valid.code).toBe(0);
    expect(valid.doc).toMatchObject({ status: 'valid', chain_consulted: true });

    const home2 = join(t.dir, 'home-rotate');
    cpSync(t.home, home2, { recursive: true });
    await ok(['sigchain', 'revoke', 'github:user-json', '--reason', 'moved'], { home: home2 });
    const afterRevoke = join(t.dir, 'after-revoke.jsonl');
    await ok(['sigchain', 'export', '--out', afterRevoke], { home: home2 });
    const revoked = await runJson(['claim', 'verify', files.json!, '--chain', afterRevoke], {
      home: home2,
    });
    expect(revoked.code).toBe(4);
    expect(revoked.doc).toMatchObject({
      status: 'revoked',
      code: 'revoked',
      chain_consulted: true,
    });
    expect(revoked.doc.reason).toContain('moved');
    const stillValid = await runJson(['claim', 'verify', files.compact!, '--chain', afterRevoke], {
      home: home2,
    });
    expect(stillValid.code).toBe(0);

    // v0.3: a rotation keeps the old key's claims (the chain anchors them) …
    const rotate = await ok(['sigchain', 'rotate'], { home: home2 });
    expect(rotate.stdout).toContain('signed by the old key stay valid');
    const afterRotate = join(t.dir, 'after-rotate.jsonl');
    await ok(['sigchain', 'export', '--out', afterRotate], { home: home2 });
    const kept = await runJson(['claim', 'verify', files.compact!, '--chain', afterRotate], {
      home: home2,
    });
    expect(kept.doc).toMatchObject({ status: 'valid', chain_consulted: true });
    // … and a compromise declaration revokes what the key signed from that seq on.
    const declared = await runJson(['sigchain', 'rotate', '--compromised-since', '1'], {
      home: home2,
    });
    expect(declared.code).toBe(0);
    expect(declared.doc.claims_revoked).toEqual([]); // the key rotated away before signed nothing
    const home3 = join(t.dir, 'home-compromised');
    cpSync(t.home, home3, { recursive: true });
    const compromised = await runJson(['sigchain', 'rotate', '--compromised-since', '1'], {
      home: home3,
    });
    expect(compromised.doc.claims_kept).toBe(0);
    expect(compromised.doc.claims_revoked.map((c: { subject: string }) => c.subject)).toContain(
      'github:user-dns',
    );
    const afterCompromise = join(t.dir, 'after-compromise.jsonl');
    await ok(['sigchain', 'export', '--out', afterCompromise], { home: home3 });
    const rotated = await runJson(['claim', 'verify', files.compact!, '--chain', afterCompromise], {
      home: home3,
    });
    expect(rotated.code).toBe(4);
    expect(rotated.doc).toMatchObject({ status: 'revoked', code: 'key_compromised' });
    const human = await run(['claim', 'verify', files.dns!, '--chain', afterCompromise], {
      home: home3,
    });
    expect(human.code).toBe(4);
    expect(human.stdout).toMatch(/REVOKED \(key_compromised\)/);
    expect(human.stdout).not.toMatch(/chain not consulted/);
  });

  it('a claim past its expiry is expired (exit 5), offline and with the chain', async () => {
    const file = join(t.dir, 'expiring.json');
    const home3 = join(t.dir, 'home-expiry');
    cpSync(t.home, home3, { recursive: true });
    await ok(
      [
        'claim',
        'dns:example.com',
        '--format',
        'json',
        '--expires-at',
        String(NOW + 100),
        '--out',
        file,
      ],
      { home: home3 },
    );
    const bundle = join(t.dir, 'expiry.jsonl');
    await ok(['sigchain', 'export', '--out', bundle], { home: home3 });
    const before = await runJson(['claim', 'verify', file], { home: home3 });
    expect(before.code).toBe(0);
    const later = ['--now', String(NOW + 100)];
    const [offline, chained] = await Promise.all([
      runJson([...later, 'claim', 'verify', file], { home: home3, realClock: true }),
      runJson([...later, 'claim', 'verify', file, '--chain', bundle], {
        home: home3,
        realClock: true,
      }),
    ]);
    expect(offline.code).toBe(5);
    expect(offline.doc).toMatchObject({
      status: 'expired',
      code: 'expired',
      chain_consulted: false,
    });
    expect(chained.code).toBe(5);
    expect(chained.doc).toMatchObject({ status: 'expired', chain_consulted: true });
  });

  it("a chain that ends before the claim is not_found (exit 3); another identity's chain is invalid", async () => {
    const early = join(t.dir, 'early.jsonl');
    const home4 = join(t.dir, 'home-behind');
    cpSync(t.home, home4, { recursive: true });
    await ok(['sigchain', 'export', '--out', early], { home: home4 });
    const file = join(t.dir, 'late.md');
    await ok(['claim', 'github:late', '--out', file], { home: home4 });
    const behind = await runJson(['claim', 'verify', file, '--chain', early], { home: home4 });
    expect(behind.code).toBe(3);
    expect(behind.doc).toMatchObject({ status: 'not_found', code: 'chain_behind' });

    const other = tempHome();
    try {
      await ok(['key', 'gen'], { home: other.home });
      await ok(['sigchain', 'init'], { home: other.home });
      const otherBundle = join(other.dir, 'other.jsonl');
      await ok(['sigchain', 'export', '--out', otherBundle], { home: other.home });
      const mismatch = await runJson(['claim', 'verify', files.json!, '--chain', otherBundle], {
        home: home4,
      });
      expect(mismatch.code).toBe(1);
      expect(mismatch.doc).toMatchObject({ status: 'invalid', code: 'identity_mismatch' });
    } finally {
      other.cleanup();
    }
  });
});

describe('claim verify on inputs that are not claims', () => {
  const t = tempHome();
  afterAll(() => t.cleanup());

  it('an event is not a claim; Markdown without a proof is not_found; junk is invalid', async () => {
    await ok(['key', 'gen'], { home: t.home });
    await ok(['sigchain', 'init'], { home: t.home });
    const bundle = (await ok(['sigchain', 'export'], { home: t.home })).stdout;
    const [event, noProof, junk, binary] = await Promise.all([
      runJson(['claim', 'verify', '-'], { home: t.home, input: bundle }),
      runJson(['claim', 'verify', '-'], { home: t.home, input: '# my page\n\nno proof here\n' }),
      runJson(['claim', 'verify', '-'], { home: t.home, input: '{"kez":"0.2"' }),
      runJson(['claim', 'verify', '-'], {
        home: t.home,
        input: Buffer.from([0xff, 0xfe, 0x00, 0x7b]),
      }),
    ]);
    expect(event.code).toBe(1);
    expect(event.doc).toMatchObject({ status: 'invalid', encoding: 'json' });
    expect(noProof.code).toBe(3);
    expect(noProof.doc).toMatchObject({
      status: 'not_found',
      code: 'no_proof',
      encoding: 'markdown',
      object: null,
    });
    expect(junk.code).toBe(1);
    expect(junk.doc.status).toBe('invalid');
    expect(binary.code).toBe(1);
    expect(binary.doc).toMatchObject({ status: 'invalid', code: 'malformed' });
  });

  // The bundle evaluates UTS #46 (tr46) only when a domain has non-ASCII code points.
  it('a non-ASCII domain is mapped by UTS #46 in the bundled binary; an invalid one is refused', async () => {
    const home = join(t.dir, 'idna');
    await ok(['key', 'gen'], { home });
    await ok(['sigchain', 'init'], { home });
    const made = await runJson(['claim', 'dns:MÜNCHEN.de', '--format', 'json'], { home });
    expect(made.code).toBe(0);
    expect(made.doc.subject).toBe('dns:xn--mnchen-3ya.de');
    const bad = await runJson(['claim', 'dns:a\u200db.example'], { home });
    expect(bad.code).toBe(2);
    expect(bad.doc.error.code).toBe('bad_subject');
  });

  it('an input far beyond every encoding limit is too_large without reading it all', async () => {
    const big = join(t.dir, 'big.md');
    writeFileSync(big, 'x'.repeat(2 * 1024 * 1024));
    const r = await runJson(['claim', 'verify', big], { home: t.home });
    expect(r.code).toBe(1);
    expect(r.doc).toMatchObject({ status: 'invalid', code: 'too_large' });
  });

  it('a missing file is a local problem (exit 8)', async () => {
    const r = await runJson(['claim', 'verify', join(t.dir, 'nope.md')], { home: t.home });
    expect(r.code).toBe(8);
    expect(r.doc.error.code).toBe('file');
  });
});

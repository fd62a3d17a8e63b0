// Every success says what happened and what to do next: where a new key was saved and that it
// needs a backup; where a claim goes for its channel.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ok, runJson, tempHome } from './cli.js';

describe('next steps', () => {
  const t = tempHome();
  afterAll(() => t.cleanup());

  it('key gen: the key id first, then where the secret is (0600), back it up, what next', async () => {
    const r = await ok(['key', 'gen'], { home: t.home });
    const [id, ...rest] = r.stdout.trim().split('\n');
    expect(id).toMatch(/^nostr:npub1/);
    const text = rest.join('\n');
    expect(text).toContain(join(t.home, 'keys', 'default.json'));
    expect(text).toContain('0600');
    expect(text).toMatch(/back it up/);
    expect(text).toContain('kez sigchain init');
    const j = await runJson(['key', 'gen', '--name', 'second'], { home: t.home });
    expect(j.doc.path).toBe(join(t.home, 'keys', 'second.json'));
  });

  it('claim: names the place per channel (TXT record name, gist file, profile field)', async () => {
    await ok(['sigchain', 'init'], { home: t.home });
    const dns = await ok(
      ['claim', 'dns:example.com', '--format', 'dns', '--out', join(t.dir, 'dns.txt')],
      { home: t.home },
    );
    expect(dns.stdout).toContain('TXT record named _kez.example.com');
    expect(dns.stdout).toContain('kez sigchain publish');
    const gh = await ok(['claim', 'github:alice', '--out', join(t.dir, 'gh.md')], {
      home: t.home,
    });
    expect(gh.stdout).toContain('kez.md');
    const ap = await runJson(['claim', 'ap:@alice@example.social', '--format', 'short'], {
      home: t.home,
    });
    expect(ap.doc.place).toMatch(/profile field of @alice@example.social/);
  });

  it('publish web: prints the exact file and head element to paste (kez cannot write a website)', async () => {
    await ok(['sigchain', 'add', 'web:Example.com'], { home: t.home });
    const j = await runJson(['publish', 'web:example.com'], { home: t.home });
    expect(j.code).toBe(0);
    expect(j.doc).toMatchObject({
      subject: 'web:example.com',
      paste: {
        url: 'https://example.com/.well-known/kez',
        field: 'the file (served as text/plain)',
        alternative: { url: 'https://example.com/', field: 'the page <head>' },
      },
    });
    expect(j.doc.paste.text).toMatch(/^kez:z1:/);
    expect(j.doc.paste.alternative.text).toMatch(
      /^<link rel="me" href="(?:https:\/\/[^"/]+\/)?kez:id:[^"]+">$/,
    );
    const human = await ok(['publish', 'web:example.com'], { home: t.home });
    expect(human.stdout).toContain(
      'Paste this into "the file (served as text/plain)" at https://example.com/.well-known/kez',
    );
    expect(human.stdout).toContain('or paste this into "the page <head>" at https://example.com/');
  });
});

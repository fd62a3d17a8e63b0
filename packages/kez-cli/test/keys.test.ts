import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, NOW, ok, run, runJson, tempHome } from './cli.js';

// A BIP-340 secret and its nsec/npub (NIP-19 test vector from the nostr-protocol/nips repo).
const NOSTR_SECRET_HEX = '67dea2ed018072d675f5415ecfaed7d2597555e202d85b3d65ea4e58d2d92ffa';
const NOSTR_NSEC = 'nsec1vl029mgpspedva04g90vltkh6fvh240zqtv9k0t9af8935ke9laqsnlfe5';
const NOSTR_NPUB = 'npub10elfcs4fr0l0r8af98jlmgdh9c8tcxjvz9qkw038js35mp4dma8qzvjptg';
// RFC 8032 §7.1 TEST 1: seed and public key.
const ED_SEED = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
const ED_PUB = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';

let t: ReturnType<typeof tempHome>;
beforeEach(() => {
  t = tempHome();
});
afterEach(() => t.cleanup());

const mode = (p: string) => statSync(p).mode & 0o777;

describe('kez key', () => {
  it('gen makes a nostr key by default, the first becomes the default, files are 0600 in a 0700 home', async () => {
    const gen = await runJson(['key', 'gen'], { home: t.home });
    expect(gen.code).toBe(0);
    expect(gen.doc).toMatchObject({ name: 'default', suite: 'bip340', default: true });
    expect(gen.doc.key).toMatch(/^nostr:npub1[02-9ac-hj-np-z]{58}$/);
    const second = await runJson(['key', 'gen', '--alg', 'ed25519', '--name', 'laptop'], {
      home: t.home,
    });
    expect(second.doc).toMatchObject({ name: 'laptop', suite: 'ed25519', default: false });
    expect(second.doc.key).toMatch(/^ed25519:[0-9a-f]{64}$/);

    expect(mode(t.home)).toBe(0o700);
    expect(mode(join(t.home, 'keys'))).toBe(0o700);
    expect(mode(join(t.home, 'keys', 'default.json'))).toBe(0o600);
    expect(mode(join(t.home, 'keys', 'laptop.json'))).toBe(0o600);
    const file = JSON.parse(readFileSync(join(t.home, 'keys', 'laptop.json'), 'utf8'));
    expect(Object.keys(file).sort()).toEqual(['created_at', 'key', 'name', 'secret', 'suite']);
    expect(file).toMatchObject({
      name: 'laptop',
      suite: 'ed25519',
      key: second.doc.key,
      created_at: NOW,
    });
    expect(JSON.parse(readFileSync(join(t.home, 'config.json'), 'utf8'))).toEqual({
      default_key: 'default',
    });
  });

  it('key files are 0600 and the home 0700 even under umask 000', () => {
    const r = spawnSync(
      'sh',
      ['-c', 'umask 000 && exec "$0" "$1" key gen --name wide', process.execPath, BIN],
      { env: { ...process.env, KEZ_HOME: t.home } },
    );
    expect(r.status).toBe(0);
    expect(mode(t.home)).toBe(0o700);
    expect(mode(join(t.home, 'keys', 'wide.json'))).toBe(0o600);
    expect(mode(join(t.home, 'config.json'))).toBe(0o600);
  });

  it('refuses to overwrite a key', async () => {
    await ok(['key', 'gen', '--name', 'k'], { home: t.home });
    const before = readFileSync(join(t.home, 'keys', 'k.json'), 'utf8');
    const again = await runJson(['key', 'gen', '--name', 'k'], { home: t.home });
    expect(again.code).toBe(8);
    expect(again.doc.error.code).toBe('key_exists');
    expect(again.doc.error.hint).toMatch(/--name/);
    expect(readFileSync(join(t.home, 'keys', 'k.json'), 'utf8')).toBe(before);
  });

  it('imports a nostr secret as nsec or hex and an ed25519 seed, from stdin', async () => {
    const a = await runJson(['key', 'import', '--alg', 'nostr', '--name', 'a'], {
      home: t.home,
      input: `${NOSTR_NSEC}\n`,
    });
    expect(a.code).toBe(0);
    expect(a.doc.key).toBe(`nostr:${NOSTR_NPUB}`);
    const b = await runJson(['key', 'import', '--alg', 'nostr', '--name', 'b'], {
      home: t.home,
      input: NOSTR_SECRET_HEX,
    });
    expect(b.doc.key).toBe(`nostr:${NOSTR_NPUB}`);
    const c = await runJson(['key', 'import', '--alg', 'ed25519', '--name', 'c'], {
      home: t.home,
      input: `${ED_SEED}\n`,
    });
    expect(c.doc.key).toBe(`ed25519:${ED_PUB}`);
    expect(mode(join(t.home, 'keys', 'c.json'))).toBe(0o600);
    const shown = await runJson(['key', 'show', 'a', '--secret'], { home: t.home });
    expect(shown.doc.secret).toBe(NOSTR_SECRET_HEX);
    expect(shown.doc.nsec).toBe(NOSTR_NSEC);
  });

  it('rejects a bad secret without echoing it, and never takes one from argv', async () => {
    const bogus = 'f'.repeat(64); // ≥ n: not a valid secp256k1 scalar
    const r = await run(['key', 'import', '--alg', 'nostr', '--name', 'x'], {
      home: t.home,
      input: bogus,
    });
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).not.toContain(bogus);
    expect(r.stderr).toMatch(/hint:/);
    const notHex = 'not-a-secret-but-private-text';
    const r2 = await runJson(['key', 'import', '--alg', 'ed25519', '--name', 'x'], {
      home: t.home,
      input: notHex,
    });
    expect(r2.code).toBe(2);
    expect(JSON.stringify(r2.doc) + r2.stderr).not.toContain(notHex);
    const argv = await run(['key', 'import', '--alg', 'ed25519', '--name', 'x', ED_SEED], {
      home: t.home,
    });
    expect(argv.code).toBe(2);
    const empty = await runJson(['key', 'import', '--alg', 'ed25519'], { home: t.home, input: '' });
    expect(empty.code).toBe(2);
    expect(empty.doc.error.code).toBe('no_secret');
  });

  it('never prints a secret unless asked with --secret', async () => {
    const outputs: string[] = [];
    const collect = async (args: string[]) => {
      const r = await ok(args, { home: t.home });
      outputs.push(r.stdout, r.stderr);
    };
    await collect(['key', 'gen']);
    await collect(['--json', 'key', 'gen', '--alg', 'ed25519', '--name', 'ed']);
    await collect(['sigchain', 'init']);
    await Promise.all(
      [
        ['key', 'list'],
        ['key', 'show'],
        ['key', 'show', 'ed'],
        ['sigchain', 'show'],
        ['sigchain', 'export'],
        ['--json', 'key', 'list'],
        ['--json', 'key', 'show', 'default.next'],
        ['--json', 'sigchain', 'show'],
      ].map(collect),
    );
    const secrets = ['default', 'ed', 'default.next'].map(
      (n) => JSON.parse(readFileSync(join(t.home, 'keys', `${n}.json`), 'utf8')).secret as string,
    );
    for (const s of secrets) for (const o of outputs) expect(o).not.toContain(s);
    const shown = await ok(['key', 'show', 'ed', '--secret'], { home: t.home });
    expect(shown.stdout).toContain(secrets[1]);
  });

  it('lists keys with the default marker', async () => {
    await ok(['key', 'gen', '--name', 'one'], { home: t.home });
    await ok(['key', 'gen', '--name', 'two', '--alg', 'ed25519'], { home: t.home });
    const list = await runJson(['key', 'list'], { home: t.home });
    expect(
      list.doc.keys.map((k: { name: string; default: boolean }) => [k.name, k.default]),
    ).toEqual([
      ['one', true],
      ['two', false],
    ]);
    const human = await ok(['key', 'list'], { home: t.home });
    expect(human.stdout).toMatch(/^\* one\s+bip340\s+nostr:npub1/m);
    expect(human.stdout).toMatch(/^ {2}two\s+ed25519\s+ed25519:/m);
  });

  it('a missing key is exit 8 with a hint naming the command to run', async () => {
    const r = await run(['key', 'show', 'nope'], { home: t.home });
    expect(r.code).toBe(8);
    expect(r.stderr).toContain("no key named 'nope'");
    expect(r.stderr).toContain('kez key gen --name nope');
    const j = await runJson(['sigchain', 'init', '--key', 'nope'], { home: t.home });
    expect(j.code).toBe(8);
    expect(j.doc.error).toMatchObject({ code: 'no_key' });
    expect(j.doc.error.hint).toContain('kez key gen --name nope');
    const noDefault = await runJson(['key', 'show'], { home: t.home });
    expect(noDefault.code).toBe(8);
  });

  it('refuses to read a key file other users can read', async () => {
    await ok(['key', 'gen', '--name', 'k'], { home: t.home });
    const path = join(t.home, 'keys', 'k.json');
    chmodSync(path, 0o644);
    const r = await runJson(['key', 'show', 'k'], { home: t.home });
    expect(r.code).toBe(8);
    expect(r.doc.error.code).toBe('bad_permissions');
    expect(r.doc.error.hint).toContain(`chmod 600 ${path}`);
    expect(mode(path)).toBe(0o644); // reported, not silently changed
    chmodSync(path, 0o600);
    expect((await run(['key', 'show', 'k'], { home: t.home })).code).toBe(0);
  });

  it('rejects unusable names and corrupt key files', async () => {
    const bad = await runJson(['key', 'gen', '--name', '../escape'], { home: t.home });
    expect(bad.code).toBe(2);
    expect(bad.doc.error.code).toBe('bad_name');
    await ok(['key', 'gen', '--name', 'k'], { home: t.home });
    writeFileSync(join(t.home, 'keys', 'k.json'), '{"name":"k"}', { mode: 0o600 });
    const corrupt = await runJson(['key', 'show', 'k'], { home: t.home });
    expect(corrupt.code).toBe(8);
    expect(corrupt.doc.error.code).toBe('store');
  });
});

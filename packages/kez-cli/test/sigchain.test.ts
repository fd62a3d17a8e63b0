import { cpSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOW, ok, run, runJson, tempHome } from './cli.js';

const t = tempHome();
afterAll(() => t.cleanup());

const keyFile = (home: string, name: string) =>
  JSON.parse(readFileSync(join(home, 'keys', `${name}.json`), 'utf8'));
const lines = (bundle: string) => bundle.split('\n').filter((l) => l !== '');

describe('kez sigchain, one identity through every operation', () => {
  let identity = '';
  const home = t.home;

  beforeAll(async () => {
    await ok(['key', 'gen'], { home });
    await ok(['key', 'gen', '--alg', 'ed25519', '--name', 'phone'], { home });
  });

  it('init makes the genesis with a committed NAME.next key and stores the chain', async () => {
    const r = await runJson(['sigchain', 'init'], { home });
    expect(r.code).toBe(0);
    identity = r.doc.identity;
    expect(identity).toMatch(/^kez:id:[0-9a-f]{64}$/);
    expect(r.doc.next_key).toBe('default.next');
    expect(keyFile(home, 'default.next').suite).toBe('bip340');
    expect(statSync(join(home, 'keys', 'default.next.json')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(home, 'config.json'), 'utf8'))).toEqual({
      default_key: 'default',
      identity,
      homes: ['wss://relay.damus.io', 'wss://nos.lol'],
    });
    expect(r.doc.homes).toEqual(['wss://relay.damus.io', 'wss://nos.lol']);
    expect(r.doc.next_key_path).toBe(join(home, 'keys', 'default.next.json'));
    const bundle = readFileSync(join(home, 'chains', `${identity.slice(7)}.jsonl`), 'utf8');
    const genesis = JSON.parse(lines(bundle)[0]!);
    expect(genesis).toMatchObject({ seq: 0, op: 'init', key: keyFile(home, 'default').key });
    expect(genesis.body.next).toMatch(/^[0-9a-f]{64}$/);
    const again = await runJson(['sigchain', 'init'], { home });
    expect(again.code).toBe(8);
    expect(again.doc.error.code).toBe('identity_exists');
  });

  it('add, revoke (by subject and by hash), add-device, a device claim, revoke-device, rotate', async () => {
    const a = await runJson(
      ['sigchain', 'add', 'GitHub:Alice', '--locator', 'https://sig.example/'],
      { home },
    );
    expect(a.code).toBe(0);
    expect(a.doc).toMatchObject({ seq: 1, subject: 'github:alice' });
    expect(a.doc.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.doc.claim.locators).toEqual(['https://sig.example/']);
    const b = await ok(['sigchain', 'add', 'dns:example.com'], { home });
    const bHash = b.stdout.trim();
    expect(bHash).toMatch(/^[0-9a-f]{64}$/);

    const r1 = await runJson(['sigchain', 'revoke', 'github:alice', '--reason', 'account sold'], {
      home,
    });
    expect(r1.doc).toMatchObject({ revoked: a.doc.hash, seq: 3 });
    const r2 = await runJson(['sigchain', 'revoke', bHash], { home });
    expect(r2.doc).toMatchObject({ revoked: bHash, seq: 4 });
    const twice = await runJson(['sigchain', 'revoke', bHash], { home });
    expect(twice.code).toBe(2);
    expect(twice.doc.error.code).toBe('already_revoked');
    const badSubject = await runJson(['sigchain', 'add', 'not a subject'], { home });
    expect(badSubject.code).toBe(2);
    expect(badSubject.doc.error.code).toBe('bad_subject');

    const dev = await runJson(['sigchain', 'add-device', 'phone', '--device-name', 'my phone'], {
      home,
    });
    expect(dev.doc).toMatchObject({ device: keyFile(home, 'phone').key, name: 'my phone', seq: 5 });
    const byDevice = await runJson(['sigchain', 'add', 'github:bob', '--key', 'phone'], { home });
    expect(byDevice.doc.claim.key).toBe(keyFile(home, 'phone').key);
    const gone = await runJson(['sigchain', 'revoke-device', 'phone'], { home });
    expect(gone.doc).toMatchObject({
      revoked_device: keyFile(home, 'phone').key,
      seq: 7,
      claims_kept: 1,
      claims_revoked: [],
    });
    const notDevice = await runJson(['sigchain', 'revoke-device', 'phone'], { home });
    expect(notDevice.code).toBe(2);

    const oldPrimary = keyFile(home, 'default').key;
    const committed = keyFile(home, 'default.next').key;
    const rot = await runJson(['sigchain', 'rotate'], { home });
    expect(rot.code).toBe(0);
    expect(rot.doc).toMatchObject({
      primary: committed,
      key: 'default',
      old: { name: 'default.old-8', key: oldPrimary },
      next_key: 'default.next',
      seq: 8,
    });
    expect(keyFile(home, 'default').key).toBe(committed);
    expect(keyFile(home, 'default.old-8').key).toBe(oldPrimary);
    expect(keyFile(home, 'default.next').key).not.toBe(committed);
    const newClaim = await runJson(['sigchain', 'add', 'github:carol'], { home });
    expect(newClaim.doc.claim.key).toBe(committed);
  });

  it('show summarizes identity, head, primary, devices and claims with their statuses', async () => {
    const s = await runJson(['sigchain', 'show'], { home });
    expect(s.code).toBe(0);
    expect(s.doc).toMatchObject({
      status: 'valid',
      code: null,
      identity,
      primary: keyFile(home, 'default').key,
      devices: [],
      events: 10,
    });
    expect(s.doc.head).toMatchObject({ seq: 9 });
    const claims = Object.fromEntries(
      s.doc.claims.map((c: { subject: string; status: string; code: string | null }) => [
        c.subject,
        [c.status, c.code],
      ]),
    );
    expect(claims).toEqual({
      'github:alice': ['revoked', 'revoked'],
      'dns:example.com': ['revoked', 'revoked'],
      'github:bob': ['valid', null], // v0.3: a device revocation keeps what it signed before
      'github:carol': ['valid', null],
    });
    const human = await ok(['sigchain', 'show'], { home });
    expect(human.stdout).toContain(identity);
    expect(human.stdout).toMatch(/VALID/);
    expect(human.stdout).toMatch(/valid\s+github:carol/);
    expect(human.stdout).toMatch(/valid\s+github:bob/);
    expect(human.stdout).toContain('"account sold"');
  });

  it('export is the stored bundle byte for byte; verify and import accept it in a fresh store', async () => {
    const exported = (await ok(['sigchain', 'export'], { home })).stdout;
    expect(exported).toBe(readFileSync(join(home, 'chains', `${identity.slice(7)}.jsonl`), 'utf8'));
    expect(exported.endsWith('\n')).toBe(true);
    expect(lines(exported).map((l) => JSON.parse(l).seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const file = join(t.dir, 'full.jsonl');
    await ok(['sigchain', 'export', '--out', file], { home });
    expect(readFileSync(file, 'utf8')).toBe(exported);

    const v = await runJson(['sigchain', 'verify', file], { home });
    expect(v.code).toBe(0);
    expect(v.doc).toMatchObject({ status: 'valid', identity, events: 10 });

    const fresh = join(t.dir, 'fresh');
    const imp = await runJson(['sigchain', 'import', '-'], { home: fresh, input: exported });
    expect(imp.code).toBe(0);
    expect(imp.doc).toMatchObject({ identity, events: 10, local_identity: false });
    expect(readFileSync(join(fresh, 'chains', `${identity.slice(7)}.jsonl`), 'utf8')).toBe(
      exported,
    );
    // the fresh store holds none of the identity's keys, so it does not adopt it
    expect(existsSync(join(fresh, 'config.json'))).toBe(false);
    const shown = await runJson(['sigchain', 'show', file], { home: fresh });
    expect(shown.doc.identity).toBe(identity);
    const noIdentity = await runJson(['sigchain', 'add', 'github:x'], { home: fresh });
    expect(noIdentity.code).toBe(8);
    expect(noIdentity.doc.error.code).toBe('no_identity');
    expect(noIdentity.doc.error.hint).toContain('kez sigchain init');
  });

  it('a store holding the primary key adopts an imported chain as its identity', async () => {
    const other = join(t.dir, 'with-key');
    const exported = (await ok(['sigchain', 'export'], { home })).stdout;
    const secret = keyFile(home, 'default').secret as string;
    await ok(['key', 'import', '--alg', 'nostr'], { home: other, input: secret });
    const imp = await runJson(['sigchain', 'import', '-'], { home: other, input: exported });
    expect(imp.doc.local_identity).toBe(true);
    const added = await runJson(['sigchain', 'add', 'github:dave'], { home: other });
    expect(added.code).toBe(0);
  });

  it('verify and import reject a tampered bundle (invalid, exit 1)', async () => {
    const exported = (await ok(['sigchain', 'export'], { home })).stdout;
    const tampered = exported.replace('"github:carol"', '"github:carol2"');
    expect(tampered).not.toBe(exported);
    const v = await runJson(['sigchain', 'verify', '-'], { home, input: tampered });
    expect(v.code).toBe(1);
    expect(v.doc.status).toBe('invalid');
    const imp = await runJson(['sigchain', 'import', '-'], {
      home: join(t.dir, 'tampered'),
      input: tampered,
    });
    expect(imp.code).toBe(1);
    expect(imp.doc.error.message).toMatch(/refusing/);
    expect(existsSync(join(t.dir, 'tampered', 'chains'))).toBe(false);
    const dropped = `${lines(exported)
      .filter((_, i) => i !== 3)
      .join('\n')}\n`;
    const gap = await runJson(['sigchain', 'verify', '-'], { home, input: dropped });
    expect(gap.code).toBe(1);
    expect(gap.doc.code).toBe('malformed');
  });

  it('two valid histories are a fork: verify exits 6, import refuses, claims against it are fork', async () => {
    const left = join(t.dir, 'left');
    const right = join(t.dir, 'right');
    cpSync(home, left, { recursive: true });
    cpSync(home, right, { recursive: true });
    const claimFile = join(t.dir, 'left-claim.json');
    await ok(['claim', 'github:left', '--format', 'json', '--out', claimFile], { home: left });
    await ok(['sigchain', 'add', 'github:right'], { home: right });
    const l = lines((await ok(['sigchain', 'export'], { home: left })).stdout);
    const r = lines((await ok(['sigchain', 'export'], { home: right })).stdout);
    const forkLines = [...new Set([...l, ...r])].map((line) => ({ line, ev: JSON.parse(line) }));
    // SPEC §6.5 order: seq ascending, equal seqs by hash; hashes come from `show`.
    const forked = join(t.dir, 'forked.jsonl');
    const { createHash } = await import('node:crypto');
    forkLines.sort((a, b) => a.ev.seq - b.ev.seq || (sha(a.line) < sha(b.line) ? -1 : 1));
    function sha(s: string) {
      return createHash('sha256').update(s).digest('hex');
    }
    writeFileSync(forked, forkLines.map((x) => `${x.line}\n`).join(''));

    const v = await runJson(['sigchain', 'verify', forked], { home });
    expect(v.code).toBe(6);
    expect(v.doc).toMatchObject({ status: 'fork', code: 'fork' });
    const claim = await runJson(['claim', 'verify', claimFile, '--chain', forked], { home });
    expect(claim.code).toBe(6);
    expect(claim.doc.status).toBe('fork');
    const imp = await runJson(['sigchain', 'import', forked], { home: join(t.dir, 'fork-import') });
    expect(imp.code).toBe(6);

    // The store that saw the left head refuses the right history (fork across time, §6.7)
    // and a shorter copy of its own chain (rollback).
    const rightBundle = join(t.dir, 'right.jsonl');
    writeFileSync(rightBundle, r.map((x) => `${x}\n`).join(''));
    const across = await runJson(['sigchain', 'import', rightBundle], { home: left });
    expect(across.code).toBe(6);
    const shorter = join(t.dir, 'shorter.jsonl');
    writeFileSync(
      shorter,
      l
        .slice(0, -1)
        .map((x) => `${x}\n`)
        .join(''),
    );
    const rollback = await runJson(['sigchain', 'import', shorter], { home: left });
    expect(rollback.code).toBe(7);
    expect(rollback.doc.error.code).toBe('rollback');
  });
});

describe('sigchain edge cases', () => {
  it('init --no-precommit; rotate then generates the new key itself; --now earlier than the head is refused', async () => {
    const home = join(t.dir, 'noprecommit');
    await ok(['key', 'gen', '--alg', 'ed25519'], { home });
    const init = await runJson(['sigchain', 'init', '--no-precommit'], { home });
    expect(init.doc.next_key).toBeNull();
    expect(existsSync(join(home, 'keys', 'default.next.json'))).toBe(false);
    const rot = await runJson(['sigchain', 'rotate', '--no-precommit'], { home });
    expect(rot.code).toBe(0);
    expect(rot.doc.next_key).toBeNull();
    expect(keyFile(home, 'default').key).toBe(rot.doc.primary);
    const past = await runJson(['--now', String(NOW - 300), 'sigchain', 'add', 'github:x'], {
      home,
      realClock: true,
    });
    expect(past.code).toBe(1);
    expect(past.doc.error.code).toBe('bad_link');
    expect(past.doc.error.hint).toMatch(/--now/);
    const longAgo = await runJson(['--now', '1000', 'sigchain', 'add', 'github:x'], {
      home,
      realClock: true,
    });
    expect(longAgo.code).toBe(1);
    expect(longAgo.doc.error.code).toBe('future');
    expect(longAgo.doc.error.hint).toMatch(/clock/);
  });

  it('rotate without the committed key says which key to import', async () => {
    const home = join(t.dir, 'lost-next');
    await ok(['key', 'gen'], { home });
    await ok(['sigchain', 'init'], { home });
    const { rmSync } = await import('node:fs');
    rmSync(join(home, 'keys', 'default.next.json'));
    const r = await runJson(['sigchain', 'rotate'], { home });
    expect(r.code).toBe(8);
    expect(r.doc.error.hint).toContain('kez key import --alg nostr --name default.next');
  });

  it('concurrent changes to one store are serialized: no event is lost', async () => {
    const home = join(t.dir, 'parallel');
    await ok(['key', 'gen'], { home });
    await ok(['sigchain', 'init'], { home });
    const subjects = ['github:p-one', 'github:p-two', 'github:p-three', 'github:p-four'];
    const results = await Promise.all(
      subjects.map((s) => runJson(['sigchain', 'add', s], { home })),
    );
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    const show = await runJson(['sigchain', 'show'], { home });
    expect(show.doc.status).toBe('valid');
    expect(show.doc.claims.map((c: { subject: string }) => c.subject).sort()).toEqual(
      [...subjects].sort(),
    );
    expect(existsSync(join(home, 'lock'))).toBe(false);
  });

  it('show with no identity and no file is a local problem', async () => {
    const r = await run(['sigchain', 'show'], { home: join(t.dir, 'empty') });
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/hint: .*kez sigchain init/);
  });
});

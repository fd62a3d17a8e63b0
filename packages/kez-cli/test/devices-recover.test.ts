// Device requests (SPEC §6.9) and the recovery rotation (§6.3) without a primary key file.
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ok, runJson, tempHome } from './cli.js';

const owner = tempHome();
const device = tempHome();
afterAll(() => {
  owner.cleanup();
  device.cleanup();
});

describe('request-device / approve-device / recover', () => {
  let identity = '';

  it('a device joins by its own request; a bad request is refused before anything is appended', async () => {
    await ok(['key', 'gen'], { home: owner.home });
    identity = (await runJson(['sigchain', 'init'], { home: owner.home })).doc.identity;
    const req = await runJson(
      ['sigchain', 'request-device', '--identity', identity, '--name', 'phone'],
      { home: device.home },
    );
    expect(req.code).toBe(0);
    expect(req.doc.request).toMatch(/^kez:z1:/);
    expect(req.doc.identity).toBe(identity);
    expect(statSync(join(device.home, 'keys', 'default.json')).mode & 0o777).toBe(0o600);
    expect(JSON.stringify(req.doc)).not.toContain('secret');

    const other = await runJson(
      ['sigchain', 'request-device', '--identity', `kez:id:${'0'.repeat(64)}`],
      { home: device.home },
    );
    const wrong = await runJson(['sigchain', 'approve-device', other.doc.request], {
      home: owner.home,
    });
    expect(wrong.code).toBe(1);
    expect(wrong.doc.error.code).toBe('identity_mismatch');
    const approved = await runJson(['sigchain', 'approve-device', '-'], {
      home: owner.home,
      input: `${req.doc.request}\n`,
    });
    expect(approved.code).toBe(0);
    expect(approved.doc).toMatchObject({ device: req.doc.key, name: 'phone', seq: 1 });
    const show = await runJson(['sigchain', 'show'], { home: owner.home });
    expect(show.doc.devices).toEqual([{ key: req.doc.key, name: 'phone', seq: 1 }]);
  });

  it('recover works with the primary key file gone and commits a fresh next key', async () => {
    await ok(['sigchain', 'add', 'github:kept'], { home: owner.home });
    const committed = (await runJson(['key', 'show', 'default.next'], { home: owner.home })).doc
      .key;
    rmSync(join(owner.home, 'keys', 'default.json'));
    // The homes (the default relays) are pointed at a closed port: recover warns and goes on.
    const closed = 'http://127.0.0.1:1';
    writeFileSync(
      join(owner.home, 'channels.json'),
      JSON.stringify({
        allowLoopback: true,
        allowHttp: true,
        hostMap: { 'relay.damus.io': closed, 'nos.lol': closed },
      }),
    );
    const r = await runJson(['sigchain', 'recover'], { home: owner.home });
    expect(r.code).toBe(0);
    expect(r.doc).toMatchObject({
      identity,
      primary: committed,
      key: 'default',
      old: { name: null },
      next_key: 'default.next',
      seq: 3,
      superseded: [],
      claims_kept: 1,
    });
    const show = await runJson(['sigchain', 'show'], { home: owner.home });
    expect(show.doc).toMatchObject({ status: 'valid', primary: committed, next_committed: true });
    expect(show.doc.claims[0]).toMatchObject({ subject: 'github:kept', status: 'valid' });
    expect(statSync(join(owner.home, 'keys', 'default.next.json')).mode & 0o777).toBe(0o600);
  });
});

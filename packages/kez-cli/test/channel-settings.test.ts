// channels.json feeds security switches (allowLoopback, hostMap): a bad one, an unreadable
// KEZ_CHANNELS_CONFIG, or a server flag that is not a URL is an error, never ignored.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJson, tempHome } from './cli.js';

const t = tempHome();
beforeAll(() => mkdirSync(t.home, { recursive: true }));
afterAll(() => t.cleanup());

const settings = (doc: unknown) =>
  writeFileSync(join(t.home, 'channels.json'), JSON.stringify(doc));

describe('channel settings', () => {
  it.each([
    [{ allowLoopbak: true }, 'allowLoopbak'],
    [{ allowLoopback: 'true' }, 'allowLoopback'],
    [{ sigServers: 'https://sig.example' }, 'sigServers'],
    [{ hostMap: { 'a.example': 1 } }, 'hostMap.a.example'],
    [{ github_token: 42 }, 'github_token'],
  ])('a bad channels.json (%j) is refused, naming %s', async (doc, key) => {
    settings(doc);
    const r = await runJson(['verify', 'id', 'github:nobody'], { home: t.home });
    expect(r.code).toBe(8);
    expect(r.doc.error.code).toBe('bad_config');
    expect(r.doc.error.message).toContain(`${key}:`);
  });

  it('an unreadable KEZ_CHANNELS_CONFIG is an error, not the defaults', async () => {
    settings({});
    const missing = join(t.dir, 'no-such-channels.json');
    const r = await runJson(['verify', 'id', 'github:nobody'], {
      home: t.home,
      env: { KEZ_CHANNELS_CONFIG: missing },
    });
    expect(r.code).toBe(8);
    expect(r.doc.error.code).toBe('bad_config');
    expect(r.doc.error.message).toContain(missing);
  });

  it.each([
    ['verify', 'id', 'github:nobody', '--sig-server', 'notaurl'],
    ['sigchain', 'publish', '--server', 'notaurl'],
    ['sigchain', 'publish', '--server', 'ftp://sig.example'],
  ])('%s %s … a server that is not an http(s)/ws(s) URL is a usage error', async (...args) => {
    settings({});
    const r = await runJson(args, { home: t.home });
    expect(r.code).toBe(2);
    expect(r.doc.error.message).toMatch(/notaurl|ftp:/);
  });
});

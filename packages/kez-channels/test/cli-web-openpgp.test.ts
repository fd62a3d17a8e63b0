// kez publish / verify id as the real CLI for the web and openpgp channels: publish prints what
// to paste (kez cannot write a website or a key), the test pastes exactly that — into a site on
// loopback and into a GnuPG key served by WKD — and verify id reaches valid through the
// sig-server; a copy of the proof at another account does not.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendText, startHttp, type RunningHttp } from '@kez/test-kit';
import { gpgHome, type GpgHome } from '@kez/test-kit/gnupg';
import { runKez } from '@kez/test-kit/kez-bin';
import { startSigServer, type RunningSigServer } from '@kez/test-kit/sig-server';
import { wkdHash } from '../src/channels/openpgp.js';

const HOSTS = ['site.example', 'copy.example', 'openpgpkey.mail.example'];
const files = new Map<string, Map<string, { type: string; body: Uint8Array | string }>>(
  HOSTS.map((h) => [h, new Map()]),
);
const servers: RunningHttp[] = [];
let sig: RunningSigServer;
let gpg: GpgHome;
let home: string;
const kez = async (args: string[]) => {
  const r = await runKez(home, ['--json', ...args]);
  expect(r.code, `${args.join(' ')}: ${r.err}`).toBeLessThan(2);
  return JSON.parse(r.out) as Record<string, unknown> & {
    paste: { url: string; field: string; text: string };
    status: string;
  };
};

beforeAll(async () => {
  const hostMap: Record<string, string> = {};
  for (const host of HOSTS) {
    const server = await startHttp((_req, res, url) => {
      const f = files.get(host)!.get(`${url.pathname}${url.search}`);
      if (!f) return sendText(res, 404, 'not found');
      res.writeHead(200, { 'content-type': f.type });
      res.end(f.body);
    });
    servers.push(server);
    hostMap[host] = server.url;
  }
  [sig, gpg] = await Promise.all([startSigServer(), gpgHome()]);
  home = await mkdtemp(join(tmpdir(), 'kez-cli-web-'));
  await writeFile(
    join(home, 'channels.json'),
    JSON.stringify({ hostMap, allowLoopback: true, allowHttp: true, sigServers: [sig.url] }),
  );
  for (const args of [
    ['key', 'gen', '--alg', 'ed25519'],
    ['sigchain', 'init'],
    ['sigchain', 'add', 'web:site.example'],
    ['sigchain', 'add', 'web:copy.example'],
    ['sigchain', 'add', 'openpgp:Pat@mail.example'],
  ]) {
    const r = await runKez(home, args);
    expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(0);
  }
  expect((await runKez(home, ['sigchain', 'publish', '--server', sig.url])).code).toBe(0);
}, 120_000);
afterAll(async () => {
  await Promise.all([...servers.map((s) => s.close()), sig?.close(), gpg?.close()]);
  await rm(home, { recursive: true, force: true });
});

describe('kez publish prints the paste; kez verify id is valid once it is pasted', () => {
  it('web: the compact claim at /.well-known/kez', async () => {
    const p = await kez(['publish', 'web:site.example']);
    expect(p.paste.url).toBe('https://site.example/.well-known/kez');
    files.get('site.example')!.set('/.well-known/kez', { type: 'text/plain', body: p.paste.text });
    expect((await kez(['verify', 'id', 'web:site.example'])).status).toBe('valid');
    // The same claim at another claimed site names site.example, not copy.example.
    files.get('copy.example')!.set('/.well-known/kez', { type: 'text/plain', body: p.paste.text });
    expect((await kez(['verify', 'id', 'web:copy.example'])).status).toBe('invalid');
  });

  it('openpgp: the notation publish prints, on a GnuPG key served by WKD', async () => {
    const p = await kez(['publish', 'openpgp:pat@mail.example']);
    expect(p.paste.text).toMatch(/^kez@kez\.dev=/);
    expect(p.paste.url).toBe(
      `https://openpgpkey.mail.example/.well-known/openpgpkey/mail.example/hu/${wkdHash('pat')}?l=pat`,
    );
    const fpr = await gpg.genKey('Pat <pat@mail.example>', [p.paste.text]);
    files
      .get('openpgpkey.mail.example')!
      .set(`/.well-known/openpgpkey/mail.example/hu/${wkdHash('pat')}?l=pat`, {
        type: 'application/octet-stream',
        body: await gpg.exportKey(fpr),
      });
    expect(await kez(['verify', 'id', 'openpgp:pat@mail.example'])).toMatchObject({
      status: 'valid',
    });
  });
});

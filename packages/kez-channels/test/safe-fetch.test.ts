import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KezError } from '@kez/core';
import {
  blockedReason,
  channelsConfig,
  createSafeFetch,
  defaultChannelsConfig,
  guardedLookup,
  type SafeFetcher,
} from '../src/index.js';
import { sendJson, sendText, startHttp, type RunningHttp } from '@kez/test-kit';

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'no error';
  } catch (e) {
    expect(e).toBeInstanceOf(KezError);
    return (e as KezError).code;
  }
}

describe('address policy', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'carrier-grade'],
    ['224.0.0.1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['::ffff:127.0.0.1', 'IPv4-mapped'],
    ['::ffff:8.8.8.8', 'IPv4-mapped'],
    ['fd00:ec2::254', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['[fe80::1%eth0]', 'link-local'],
    ['ff02::1', 'multicast'],
  ])('refuses %s (%s)', (addr, label) => {
    expect(blockedReason(addr)).toContain(label);
  });

  it('allows public addresses, and loopback only when asked', () => {
    expect(blockedReason('8.8.8.8')).toBeNull();
    expect(blockedReason('2606:4700::1111')).toBeNull();
    expect(blockedReason('127.0.0.1', { allowLoopback: true })).toBeNull();
    expect(blockedReason('::1', { allowLoopback: true })).toBeNull();
    expect(blockedReason('10.0.0.1', { allowLoopback: true })).toBe('private');
    expect(blockedReason('not-an-ip')).toBe('not an IP address');
  });

  it('allows RFC 1918 and unique-local addresses only with allowPrivate', () => {
    const privateAddrs = [
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.254',
      '192.168.1.1',
      'fd12:3456::1',
      'fc00::1',
      '::ffff:10.0.0.1',
    ];
    for (const a of privateAddrs) {
      expect(blockedReason(a), a).not.toBeNull();
      expect(blockedReason(a, { allowPrivate: false }), a).not.toBeNull();
      expect(blockedReason(a, { allowPrivate: true }), a).toBeNull();
    }
  });

  it('keeps refusing link-local, cloud metadata, loopback and the rest with allowPrivate on', () => {
    const on = { allowPrivate: true };
    expect(blockedReason('169.254.169.254', on)).toContain('link-local');
    expect(blockedReason('::ffff:169.254.169.254', on)).toContain('IPv4-mapped');
    expect(blockedReason('fd00:ec2::254', on)).toContain('metadata');
    expect(blockedReason('[fd00:ec2::254]', on)).toContain('metadata');
    expect(blockedReason('fe80::1', on)).toContain('link-local');
    expect(blockedReason('127.0.0.1', on)).toBe('loopback');
    expect(blockedReason('::1', on)).toBe('loopback');
    expect(blockedReason('100.64.0.1', on)).toContain('carrier-grade');
    expect(blockedReason('172.32.0.1', on)).toBeNull(); // just outside 172.16/12: public anyway
    expect(blockedReason('0.0.0.0', on)).toBe('unspecified');
    // Both opt-ins together still leave metadata refused.
    expect(blockedReason('fd00:ec2::254', { allowPrivate: true, allowLoopback: true })).toContain(
      'metadata',
    );
    expect(blockedReason('169.254.169.254', { allowPrivate: true, allowLoopback: true })).toContain(
      'link-local',
    );
  });

  it('is off by default in the channels configuration', () => {
    expect(defaultChannelsConfig.allowPrivate).toBeUndefined();
    expect(channelsConfig().allowPrivate).toBeUndefined();
  });

  it('applies allowPrivate at lookup time too (the check on resolved addresses)', async () => {
    const resolve = (opts: Parameters<typeof guardedLookup>[0], host: string) =>
      new Promise<string>((ok, fail) => {
        (
          guardedLookup(opts) as unknown as (
            h: string,
            o: object,
            cb: (e: Error | null, a: string) => void,
          ) => void
        )(host, {}, (e, a) => (e ? fail(e) : ok(a)));
      });
    await expect(resolve({}, '10.1.2.3')).rejects.toThrow(/private/);
    expect(await resolve({ allowPrivate: true }, '10.1.2.3')).toBe('10.1.2.3');
    expect(await resolve({ allowPrivate: true }, 'fd12::1')).toBe('fd12::1');
    await expect(resolve({ allowPrivate: true }, 'fd00:ec2::254')).rejects.toThrow(/metadata/);
    await expect(resolve({ allowPrivate: true }, '169.254.169.254')).rejects.toThrow(/link-local/);
    await expect(resolve({ allowPrivate: true }, '127.0.0.1')).rejects.toThrow(/loopback/);
  });
});

describe('safe fetch', () => {
  let server: RunningHttp;
  let open: SafeFetcher;
  const fetchers: SafeFetcher[] = [];

  function fetcher(input: Parameters<typeof channelsConfig>[0] = {}): SafeFetcher {
    const f = createSafeFetch(
      channelsConfig({
        allowLoopback: true,
        allowHttp: true,
        timeouts: { totalMs: 3_000, connectMs: 2_000 },
        ...input,
      }),
    );
    fetchers.push(f);
    return f;
  }

  beforeAll(async () => {
    server = await startHttp((_req, res, url) => {
      switch (url.pathname) {
        case '/ok':
          return sendJson(res, 200, { ok: true });
        case '/html':
          return sendText(res, 200, '<html>', 'text/html');
        case '/big':
          return sendText(res, 200, 'x'.repeat(5000));
        case '/stream': {
          res.writeHead(200, { 'content-type': 'text/plain' }); // no content-length: the cap applies while streaming
          for (let i = 0; i < 100; i++) res.write('y'.repeat(1000));
          return void res.end();
        }
        case '/hang':
          return; // never answers
        case '/429':
          return sendJson(res, 429, {});
        case '/503':
          return sendJson(res, 503, {});
        case '/404':
          return sendJson(res, 404, {});
        case '/to-ok':
          res.writeHead(302, { location: '/ok' });
          return void res.end();
        case '/loop':
          res.writeHead(302, { location: '/loop' });
          return void res.end();
        case '/to-metadata':
          res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
          return void res.end();
        case '/to-other-host':
          res.writeHead(302, { location: 'https://elsewhere.example/x' });
          return void res.end();
        case '/to-mapped-metadata':
          res.writeHead(302, { location: 'https://meta.example/latest/' });
          return void res.end();
        default:
          return sendJson(res, 404, {});
      }
    });
    open = fetcher();
  });
  afterAll(async () => {
    await Promise.all(fetchers.map((f) => f.close()));
    await server.close();
  });

  it('fetches a loopback URL when loopback and http are allowed', async () => {
    const r = await open(`${server.url}/ok`);
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({ ok: true });
  });

  it('refuses http:// by default', async () => {
    expect(await codeOf(fetcher({ allowHttp: false })(`${server.url}/ok`))).toBe('blocked_address');
  });

  it('refuses an IP-literal loopback URL by default, before connecting', async () => {
    const strict = fetcher({ allowLoopback: false });
    const before = server.requests.length;
    expect(await codeOf(strict(`${server.url}/ok`))).toBe('blocked_address');
    expect(await codeOf(strict('https://[::1]/'))).toBe('blocked_address');
    expect(await codeOf(strict('https://169.254.169.254/latest/meta-data/'))).toBe(
      'blocked_address',
    );
    expect(server.requests.length).toBe(before);
  });

  it('refuses a DNS name that resolves to 127.0.0.1 (checked on the resolved address)', async () => {
    const strict = fetcher({ allowLoopback: false });
    const before = server.requests.length;
    const err = await strict(`http://localhost:${server.port}/ok`).catch(
      (e: unknown) => e as KezError,
    );
    expect(err).toBeInstanceOf(KezError);
    expect((err as KezError).code).toBe('blocked_address');
    expect((err as KezError).status).toBe('invalid');
    expect(server.requests.length).toBe(before);
  });

  it('refuses a hostMap target on a blocked address unless loopback is allowed', async () => {
    const mapped = fetcher({ allowLoopback: false, hostMap: { 'svc.example': server.url } });
    expect(await codeOf(mapped('https://svc.example/ok'))).toBe('blocked_address');
    const ok = fetcher({ hostMap: { 'svc.example': server.url } });
    expect((await ok('https://svc.example/ok')).url).toBe('https://svc.example/ok');
  });

  it('caps the body: by Content-Length and while streaming', async () => {
    expect(await codeOf(open(`${server.url}/big`, { maxBytes: 1000 }))).toBe('too_large');
    expect(await codeOf(open(`${server.url}/stream`, { maxBytes: 10_000 }))).toBe('too_large');
    expect((await open(`${server.url}/stream`, { maxBytes: 100_000 })).body.length).toBe(100_000);
  });

  it('checks the content type', async () => {
    expect(await codeOf(open(`${server.url}/html`, { contentTypes: ['application/json'] }))).toBe(
      'content_type',
    );
  });

  it('times out on a server that never answers', async () => {
    await expect(open(`${server.url}/hang`, { timeoutMs: 300 })).rejects.toMatchObject({
      code: 'timeout',
      status: 'unreachable',
    });
  });

  it('maps HTTP statuses', async () => {
    expect(await codeOf(open(`${server.url}/429`))).toBe('rate_limited');
    expect(await codeOf(open(`${server.url}/503`))).toBe('http_status');
    expect(await codeOf(open(`${server.url}/404`))).toBe('no_account');
    expect((await open(`${server.url}/404`, { passStatuses: [404] })).status).toBe(404);
  });

  it('maps a refused connection to network', async () => {
    const closed = await startHttp(() => undefined);
    const url = closed.url;
    await closed.close();
    expect(await codeOf(open(`${url}/`))).toBe('network');
  });

  it('follows same-origin redirects and refuses the rest', async () => {
    const r = await open(`${server.url}/to-ok`);
    expect(r.url).toBe(`${server.url}/ok`);
    expect(await codeOf(open(`${server.url}/to-ok`, { maxRedirects: 0 }))).toBe('redirect');
    expect(await codeOf(open(`${server.url}/loop`))).toBe('redirect');
    expect(await codeOf(open(`${server.url}/to-other-host`))).toBe('redirect');
    expect(
      await codeOf(open(`${server.url}/to-metadata`, { redirectHosts: ['169.254.169.254'] })),
    ).toBe('redirect');
  });

  it('refuses private addresses by default, before connecting', async () => {
    const strict = fetcher({ allowLoopback: false });
    for (const url of [
      'http://10.0.0.1/',
      'http://192.168.1.1/',
      'http://172.16.0.1/',
      'http://[fd12::1]/',
    ]) {
      expect(await codeOf(strict(url)), url).toBe('blocked_address');
    }
  });

  it('with allowPrivate: metadata and link-local are still refused, loopback still needs allowLoopback', async () => {
    const priv = fetcher({ allowLoopback: false, allowPrivate: true });
    const before = server.requests.length;
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'http://[fd00:ec2::254]/latest/meta-data/',
      'http://[fe80::1]/',
    ]) {
      expect(await codeOf(priv(url)), url).toBe('blocked_address');
    }
    expect(await codeOf(priv(`${server.url}/ok`))).toBe('blocked_address');
    expect(await codeOf(priv(`http://localhost:${server.port}/ok`))).toBe('blocked_address'); // checked on the resolved address
    const mapped = fetcher({
      allowPrivate: true,
      hostMap: { 'meta.example': 'http://[fd00:ec2::254]' },
    });
    expect(await codeOf(mapped('https://meta.example/latest/'))).toBe('blocked_address');
    expect(server.requests.length).toBe(before);
  });

  it('with allowPrivate: redirects, size caps and content types still apply', async () => {
    const priv = fetcher({ allowPrivate: true });
    expect(
      await codeOf(priv(`${server.url}/to-metadata`, { redirectHosts: ['169.254.169.254'] })),
    ).toBe('redirect');
    const mapped = fetcher({
      allowPrivate: true,
      hostMap: { 'meta.example': 'http://[fd00:ec2::254]' },
    });
    expect(
      await codeOf(mapped(`${server.url}/to-mapped-metadata`, { redirectHosts: ['meta.example'] })),
    ).toBe('blocked_address');
    expect(await codeOf(priv(`${server.url}/stream`, { maxBytes: 10_000 }))).toBe('too_large');
    expect(await codeOf(priv(`${server.url}/html`, { contentTypes: ['application/json'] }))).toBe(
      'content_type',
    );
    expect(await codeOf(priv(`${server.url}/hang`, { timeoutMs: 300 }))).toBe('timeout');
  });

  it('re-checks the address of every hop, even to an allowed host', async () => {
    const f = fetcher({
      allowLoopback: true,
      hostMap: { 'meta.example': 'http://169.254.169.254' },
    });
    expect(
      await codeOf(f(`${server.url}/to-mapped-metadata`, { redirectHosts: ['meta.example'] })),
    ).toBe('blocked_address');
  });
});

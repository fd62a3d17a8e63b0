// Compressed answers (Stack Exchange compresses whatever was asked): the safe fetcher decodes
// gzip, deflate and br, holds the size cap on the decoded bytes (a small bomb stops at the
// cap), and refuses a body that does not decode or an unknown coding as malformed.
import { gzipSync, deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttp, type RunningHttp } from '@kez/test-kit';
import { loopbackEnv } from './helpers.js';

let http: RunningHttp;
const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024)); // 64 MiB of zeros, ~64 KiB compressed
const env = loopbackEnv();

beforeAll(async () => {
  http = await startHttp((_req, res, url) => {
    const send = (body: Buffer, encoding: string) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding });
      res.end(body);
    };
    if (url.pathname === '/gzip') return send(gzipSync('{"ok":1}'), 'gzip');
    if (url.pathname === '/deflate') return send(deflateSync('{"ok":2}'), 'deflate');
    if (url.pathname === '/bomb') return send(bomb, 'gzip');
    if (url.pathname === '/corrupt') return send(Buffer.from('not gzip at all'), 'gzip');
    send(Buffer.from('{}'), 'compress');
  });
});
afterAll(async () => {
  await env.close();
  await http.close();
});

describe('safe fetch: compressed bodies', () => {
  it('decodes gzip and deflate', async () => {
    expect((await env.fetch(`${http.url}/gzip`)).json()).toEqual({ ok: 1 });
    expect((await env.fetch(`${http.url}/deflate`)).json()).toEqual({ ok: 2 });
  });

  it('holds the cap on the decoded size: a 64 KiB bomb of 64 MiB is too_large', async () => {
    expect(bomb.length).toBeLessThan(1 << 20);
    await expect(env.fetch(`${http.url}/bomb`, { maxBytes: 1 << 20 })).rejects.toMatchObject({
      code: 'too_large',
    });
  });

  it('a body that does not decode, or an unknown coding, is malformed', async () => {
    await expect(env.fetch(`${http.url}/corrupt`)).rejects.toMatchObject({ code: 'malformed' });
    await expect(env.fetch(`${http.url}/other`)).rejects.toMatchObject({ code: 'malformed' });
  });
});

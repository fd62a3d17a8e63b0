// The browser's ChannelEnv pieces, run here on Node's own fetch (the same WHATWG fetch a page
// has): the fetcher's hostMap, caps, status mapping and relay fallback; DoH TXT lookups giving
// the same records as the system resolver path; the presentation-form parser.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isKezError } from '@kez/core';
import { sendJson, sendText, startHttp, type RunningHttp } from '@kez/test-kit';
import { startDohStandin, type DohStandin } from '@kez/test-kit/doh-standin';
import {
  channelsConfig,
  createBrowserFetch,
  createDohResolveTxt,
  RELAY_STATUS_HEADER,
  txtStrings,
} from '../src/browser.js';
import { createResolveTxt } from '../src/dns-txt.js';

let service: RunningHttp;
let relay: RunningHttp;
let doh: DohStandin;
const config = (extra = {}) =>
  channelsConfig({
    allowHttp: true,
    timeouts: { totalMs: 3_000, connectMs: 2_000, dnsMs: 2_000 },
    ...extra,
  });

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return isKezError(e) ? e.code : `not a KezError: ${String(e)}`;
  }
}

beforeAll(async () => {
  service = await startHttp((_req, res, url) => {
    if (url.pathname === '/proof') return sendText(res, 200, 'kez proof', 'text/markdown');
    if (url.pathname === '/big') return sendText(res, 200, 'x'.repeat(5000));
    if (url.pathname === '/limited') return sendJson(res, 429, { message: 'slow down' });
    return sendJson(res, 404, { message: 'Not Found' });
  });
  relay = await startHttp((_req, res, url) => {
    res.setHeader(RELAY_STATUS_HEADER, '200');
    sendText(res, 200, `relayed ${url.searchParams.get('url')}`, 'text/plain');
  });
  doh = await startDohStandin(inject('dnsServer'));
});
afterAll(async () => {
  await Promise.all([service.close(), relay.close(), doh.close()]);
});

describe('createBrowserFetch', () => {
  it('reaches a logical host through hostMap and maps statuses like safe-fetch', async () => {
    const fetch = createBrowserFetch(config({ hostMap: { 'proofs.example': service.url } }));
    const r = await fetch('https://proofs.example/proof', { contentTypes: ['text/markdown'] });
    expect(r.url).toBe('https://proofs.example/proof');
    expect(r.text()).toBe('kez proof');
    expect(await codeOf(fetch('https://proofs.example/nothing'))).toBe('no_account');
    expect(await codeOf(fetch('https://proofs.example/limited'))).toBe('rate_limited');
    expect(
      await codeOf(fetch('https://proofs.example/proof', { contentTypes: ['application/json'] })),
    ).toBe('content_type');
    expect(await codeOf(fetch('https://proofs.example/big', { maxBytes: 1000 }))).toBe('too_large');
    expect(await codeOf(fetch('not a url'))).toBe('malformed');
  });

  it('refuses plain http unless allowed, and credentials in a URL', async () => {
    const strict = createBrowserFetch(channelsConfig({}));
    expect(await codeOf(strict(`${service.url}/proof`))).toBe('blocked_address');
    const fetch = createBrowserFetch(config());
    expect(await codeOf(fetch(`http://u:p@127.0.0.1:${service.port}/proof`))).toBe(
      'blocked_address',
    );
  });

  it('a GET the browser cannot make goes through the relay; without one it is the network', async () => {
    const dead = 'https://dead.example/proof';
    const map = { hostMap: { 'dead.example': 'http://127.0.0.1:1' } };
    expect(await codeOf(createBrowserFetch(config(map))(dead))).toBe('network');
    const via = createBrowserFetch(config(map), { relay: `${relay.url}/relay` });
    expect((await via(dead)).text()).toBe(`relayed ${dead}`);
    // A relay answer without the relayed status is not taken as the service's answer.
    const bad = createBrowserFetch(config(map), { relay: `${service.url}/relay` });
    expect(await codeOf(bad(dead))).toBe('network');
  });
});

describe('DoH TXT lookups', () => {
  it('gives the same records as the system resolver path (nsd)', async () => {
    const viaDoh = createDohResolveTxt(createBrowserFetch(config()), doh.endpoint);
    const direct = createResolveTxt(config({ dnsServers: [inject('dnsServer')] }));
    const sorted = (rs: string[][]) => rs.map((r) => r.join('\u0000')).sort();
    const a = await viaDoh('_kez.alice.example');
    expect(a.length).toBeGreaterThan(2);
    expect(sorted(a)).toEqual(sorted(await direct('_kez.alice.example')));
    // A name in the served zone that does not exist (NXDOMAIN): no records, not an error.
    expect(await viaDoh('_nothing.alice.example')).toEqual([]);
    expect(await direct('_nothing.alice.example')).toEqual([]);
  });

  it('parses the presentation form: quoted strings, escapes, a bare value', () => {
    expect(txtStrings('"a b" "c\\"d" "e\\\\f"')).toEqual(['a b', 'c"d', 'e\\f']);
    expect(txtStrings('"\\065\\066"')).toEqual(['AB']);
    expect(txtStrings('v=spf1')).toEqual(['v=spf1']);
    expect(() => txtStrings('"open')).toThrow(/unterminated/);
    expect(() => txtStrings('"a" b')).toThrow(/not quoted/);
  });
});

// issue 9 in kez-channels: one address policy for HTTP and WebSocket (allowPrivate on both, an
// exported error class), wrapped errors keep their cause, every publish failure is a KezError.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KezError, parseSubject, type Claim } from '@kez/core';
import {
  BlockedAddressError,
  ChannelRegistry,
  channelsConfig,
  createSafeFetch,
  githubPlugin,
  nostrPlugin,
  type SafeFetcher,
} from '../src/index.js';
import { relayTarget } from '../src/channels/relay-dial-ws.js';
import { sendText, startHttp, type RunningHttp } from '@kez/test-kit';

let server: RunningHttp;
const fetchers: SafeFetcher[] = [];
const fetcher = (allowLoopback: boolean) => {
  const f = createSafeFetch(channelsConfig({ allowLoopback, allowHttp: true }));
  fetchers.push(f);
  return f;
};
beforeAll(async () => {
  server = await startHttp((_req, res) => sendText(res, 200, 'ok'));
});
afterAll(async () => {
  await Promise.all(fetchers.map((f) => f.close()));
  await server.close();
});

function causes(e: unknown): unknown[] {
  const out: unknown[] = [];
  for (let c = (e as Error).cause; c && out.length < 8; c = (c as Error).cause) out.push(c);
  return out;
}

describe('one address policy', () => {
  it('the relay path honours allowPrivate like HTTP', () => {
    const base = { allowHttp: true };
    expect(() => relayTarget('ws://10.1.2.3/', channelsConfig(base))).toThrow(
      expect.objectContaining({ code: 'blocked_address' }),
    );
    expect(relayTarget('ws://10.1.2.3/', channelsConfig({ ...base, allowPrivate: true }))).toBe(
      'ws://10.1.2.3/',
    );
    // link-local stays refused with the opt-in
    expect(() =>
      relayTarget('ws://169.254.169.254/', channelsConfig({ ...base, allowPrivate: true })),
    ).toThrow(expect.objectContaining({ code: 'blocked_address' }));
  });

  it('a refused connection is blocked_address, with the BlockedAddressError as its cause', async () => {
    const err = await fetcher(false)(`http://localhost:${server.port}/`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KezError);
    expect(err).toMatchObject({ code: 'blocked_address' });
    expect(causes(err).some((c) => c instanceof BlockedAddressError)).toBe(true);
  });

  it('a network failure keeps the original error as its cause', async () => {
    const dead = await startHttp(() => {});
    await dead.close();
    const err = await fetcher(true)(`${dead.url}/`).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'network', status: 'unreachable' });
    expect(causes(err)[0]).toBeInstanceOf(Error);
  });
});

describe('typed errors', () => {
  it('a channel this build has no plugin for is not_found, not network', () => {
    expect(() => new ChannelRegistry().plugin('ap')).toThrow(
      expect.objectContaining({ code: 'no_proof', status: 'not_found' }),
    );
  });

  it('publishing without a credential is a KezError (not_authorized); a bad nostr key is bad_key', async () => {
    const req = {
      subject: parseSubject('github:nobody'),
      claim: {} as Claim,
      compact: '',
      markdown: '',
      short: '',
      now: 1_800_000_000,
    };
    const env = { config: channelsConfig() } as never;
    await expect(githubPlugin.publish!(req, env)).rejects.toMatchObject({
      code: 'not_authorized',
    });
    await expect(
      nostrPlugin.publish!({ ...req, subject: parseSubject('github:nobody'), token: 'nope' }, env),
    ).rejects.toMatchObject({ code: 'bad_key' });
  });
});

// Replay and flood attacks on logins, against a sig-server running with its production rate
// limit (600 requests/min per client IP, as docs/docker-compose.yml runs the public one): one
// replayed token must cost one check, and fresh hostile tokens naming a big chain must not
// cost a full read and verification each.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createLogin, encodeJson, type Signer } from '@kez/core';
import { buildLoginToken } from '@kez/chat-client';
import {
  AUDIENCE,
  connectWithToken,
  delayingProxy,
  runChat,
  startSigServer,
  until,
  type RunningChat,
} from './support/chat-harness.js';
import { PublishedChain as TestIdentity } from '@kez/test-kit/published-chain';
import { newSigner, now } from '@kez/test-kit/chain-builder';

let sig: Awaited<ReturnType<typeof startSigServer>>;
let chat: RunningChat;

beforeAll(async () => {
  sig = await startSigServer(); // DEFAULTS: rateLimitMax 600 per 60 s
  chat = await runChat({ sigServerUrl: sig.url });
});
afterAll(async () => {
  await chat.stop();
  await sig.close();
});

function hostileToken(signer: Signer, identity: string): string {
  const t = now();
  return encodeJson(
    createLogin({ identity, audience: AUDIENCE, created_at: t, expires_at: t + 60 }, signer),
  );
}

/** Connects with `token` `n` times, `width` at a time; resolves with how many got in. */
async function attempts(token: () => string, n: number, width = 20): Promise<number> {
  let admitted = 0;
  for (let i = 0; i < n; i += width) {
    const batch = Array.from({ length: Math.min(width, n - i) }, () =>
      connectWithToken(token()).then(
        async (nc) => {
          admitted++;
          await nc.close();
        },
        () => undefined,
      ),
    );
    await Promise.all(batch);
  }
  return admitted;
}

async function sigMetric(status: number): Promise<number> {
  const text = await (await fetch(`${sig.url}/metrics`)).text();
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('kez_sig_http_requests_total{') &&
        l.includes('"/v1/chains/:identity"') &&
        l.includes(`status="${status}"`),
    );
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('replays and floods of login tokens (sig-server rate limit on)', () => {
  it('620 replays of one refused token do not lock members out', async () => {
    const alice = await TestIdentity.create(sig.url);
    const token = hostileToken(newSigner(), `kez:id:${'ab'.repeat(32)}`); // no such chain
    expect(await attempts(() => token, 620)).toBe(0);
    const replayed = chat.logs.filter((l) => l.code === 'replayed').length;
    expect(replayed).toBeGreaterThanOrEqual(619);
    expect(chat.logs.filter((l) => l.code === 'rate_limited')).toEqual([]);
    // Members still get in.
    for (let i = 0; i < 3; i++) {
      const nc = await connectWithToken(buildLoginToken(alice.primary, alice.identity, AUDIENCE));
      await nc.close();
    }
    expect(
      chat.logs.filter((l) => l.msg === 'login admitted' && l.identity === alice.identity).length,
    ).toBe(3);
  });

  it('fresh hostile tokens naming a member’s chain cost a conditional read, not a full one', async () => {
    const bob = await TestIdentity.create(sig.url);
    for (let i = 0; i < 30; i++) await bob.addDevice();
    const nc = await connectWithToken(buildLoginToken(bob.primary, bob.identity, AUDIENCE));
    await nc.close();
    const full = await sigMetric(200);
    const notModified = await sigMetric(304);
    const mallory = newSigner();
    expect(await attempts(() => hostileToken(mallory, bob.identity), 40)).toBe(0);
    expect((await sigMetric(200)) - full).toBe(0);
    expect((await sigMetric(304)) - notModified).toBe(40);
    expect(chat.logs.filter((l) => l.code === 'key_rotated').length).toBeGreaterThanOrEqual(40);
    // A grown chain costs its new events only, and a revocation in them still counts.
    const laptop = await bob.addDevice();
    await connectWithToken(buildLoginToken(laptop, bob.identity, AUDIENCE)).then((c) => c.close());
    await bob.revokeDevice(laptop);
    await expect(connectWithToken(buildLoginToken(laptop, bob.identity, AUDIENCE))).rejects.toThrow(
      /authorization violation/i,
    );
    const reads = chat.logs.filter((l) => l.identity === bob.identity && l.chain_read);
    expect(reads.at(-1)?.chain_read).toBe('extended');
    expect(chat.logs.at(-1)).toMatchObject({ code: 'device_revoked', chain_read: 'extended' });
  });
});

describe('a login storm against a slow sig-server', () => {
  it('sheds what it cannot check in time with a clear refusal, and admits the rest', async () => {
    await chat.stop(); // the only callout replica while this runs
    const proxy = await delayingProxy(sig.url, 400);
    const slow = await runChat({
      sigServerUrl: proxy.url,
      maxConcurrentLogins: 2,
      loginQueue: 2,
      authDeadlineMs: 1500,
    });
    try {
      const ids = await Promise.all(Array.from({ length: 3 }, () => TestIdentity.create(sig.url)));
      const tokens = Array.from({ length: 10 }, (_, i) => {
        const id = ids[i % ids.length]!;
        return buildLoginToken(id.primary, id.identity, AUDIENCE);
      });
      const results = await Promise.allSettled(tokens.map((t) => connectWithToken(t)));
      for (const r of results) if (r.status === 'fulfilled') await r.value.close();
      const admitted = results.filter((r) => r.status === 'fulfilled').length;
      expect(admitted).toBeGreaterThanOrEqual(2);
      expect(admitted).toBeLessThan(10);
      const shed = slow.logs.filter((l) => l.code === 'capacity');
      expect(shed.length).toBe(10 - admitted);
      expect(shed[0]?.msg).toMatch(/overloaded/);
      // Nothing was left for the broker's auth timeout: every attempt got an answer.
      expect(slow.logs.filter((l) => /^login (admitted|refused)/.test(String(l.msg))).length).toBe(
        10,
      );
    } finally {
      await slow.stop();
      await proxy.close();
      chat = await runChat({ sigServerUrl: sig.url });
    }
  });
});

describe('a starved event loop', () => {
  it('is named in the log, not blamed on the sig-server', async () => {
    const id = await TestIdentity.create(sig.url);
    const token = buildLoginToken(id.primary, id.identity, AUDIENCE);
    // A client in another process logs in while this process (and the in-process chat-server
    // with it) is blocked for 6 s, far past the broker's 3 s auth timeout.
    const client = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { connect } from '@nats-io/transport-node';" +
          'connect({ servers: process.argv[1], token: process.argv[2], reconnect: false, timeout: 10000 })' +
          '.then((nc) => nc.close(), () => {}).finally(() => process.exit(0));',
        inject('natsUrl'),
        token,
      ],
      { stdio: 'ignore' },
    );
    const exited = new Promise((r) => client.once('exit', r));
    const end = Date.now() + 6_000;
    while (Date.now() < end) {
      // busy: the event loop is starved
    }
    await exited;
    expect(
      await until(() =>
        chat.logs.some((l) => l.msg === 'auth callout request read late: event loop starved'),
      ),
    ).toBe(true);
    const late = chat.logs.find(
      (l) => l.msg === 'auth callout request read late: event loop starved',
    );
    expect(late?.waited_ms).toBeGreaterThan(3_000);
    expect(chat.logs.some((l) => /sig-server unreachable/.test(String(l.msg)))).toBe(false);
  });
});

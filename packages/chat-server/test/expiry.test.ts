// The user JWT chat-server issues carries a short `exp`: the real nats-server disconnects the
// client when it passes. A client using kezAuthenticator logs in again with a fresh assertion.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { buildLoginToken, kezAuthenticator } from '@kez/chat-client';
import {
  AUDIENCE,
  connectWithToken,
  runChat,
  until,
  type RunningChat,
} from './support/chat-harness.js';
import { PublishedChain as TestIdentity } from '@kez/test-kit/published-chain';

let chat: RunningChat;
let erin: TestIdentity;

beforeAll(async () => {
  chat = await runChat({ jwtTtlSec: 2 });
  erin = await TestIdentity.create(inject('sigUrl'));
});

afterAll(async () => {
  await chat.stop();
});

describe('user JWT expiry', () => {
  it('disconnects the client when its JWT expires', async () => {
    const nc = await connectWithToken(buildLoginToken(erin.primary, erin.identity, AUDIENCE));
    let closedAt = 0;
    const closed = nc.closed().then((err) => {
      closedAt = Date.now();
      return err;
    });
    const start = Date.now();
    expect(nc.isClosed()).toBe(false);
    const err = await Promise.race([
      closed,
      new Promise((r) => setTimeout(() => r('still open'), 8_000)),
    ]);
    expect(err).not.toBe('still open');
    expect(String(err)).toMatch(/expired/i);
    expect(closedAt - start).toBeGreaterThan(500);
  });

  it('a kezAuthenticator client comes back with a fresh single-use login', async () => {
    const nc = await connect({
      servers: inject('natsUrl'),
      authenticator: kezAuthenticator(erin.primary, erin.identity, AUDIENCE),
      reconnectTimeWait: 100,
      maxReconnectAttempts: 20,
    });
    let reconnects = 0;
    void (async () => {
      for await (const s of nc.status()) if (s.type === 'reconnect') reconnects++;
    })();
    const admittedBefore = chat.logs.filter((l) => l.msg === 'login admitted').length;
    expect(await until(() => reconnects >= 1, 8_000)).toBe(true);
    expect(chat.logs.filter((l) => l.msg === 'login admitted').length).toBeGreaterThan(
      admittedBefore,
    );
    expect(chat.logs.some((l) => l.code === 'replayed')).toBe(false);
    await nc.close();
  });
});

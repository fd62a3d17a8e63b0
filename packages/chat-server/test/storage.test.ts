// Logins never depend on history's storage: the nonce ledger and the head memory have their own
// JetStream byte budgets, so a member filling the store with history cannot stop logins. Runs
// its own nats-server with a small JetStream store (24 MB) to fill.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { buildLoginToken, ChatRoom, inboxPrefix } from '@kez/chat-client';
import { createLogger, startChatServer, type ChatServer } from '../src/index.js';
import { AUDIENCE, chatConfig, until } from './support/chat-harness.js';
import { PublishedChain as TestIdentity } from '@kez/test-kit/published-chain';
import { startDevNats } from '@kez/test-kit/nats-server';

let nats: Awaited<ReturnType<typeof startDevNats>>;
let chat: ChatServer;
const logs: Array<Record<string, unknown>> = [];
const open: NatsConnection[] = [];

beforeAll(async () => {
  nats = await startDevNats({ xkey: true, maxFileStore: '24MB' });
  chat = await startChatServer(
    chatConfig({
      natsUrl: nats.url,
      issuerSeed: nats.secrets.issuerSeed,
      xkeySeed: nats.secrets.xkeySeed,
      calloutPass: nats.secrets.calloutPass,
      appPass: nats.secrets.appPass,
      historyMaxBytes: 8 << 20,
      nonceMaxBytes: 2 << 20,
      headsMaxBytes: 2 << 20,
      historyMaxPerMember: 100_000,
    }),
    createLogger({ level: 'debug', write: (l) => logs.push(JSON.parse(l)) }),
  );
});
afterAll(async () => {
  await Promise.allSettled(open.map((nc) => nc.close()));
  await chat.stop();
  await nats.stop();
});

async function loginAs(id: TestIdentity): Promise<NatsConnection> {
  const nc = await connect({
    servers: nats.url,
    token: buildLoginToken(id.primary, id.identity, AUDIENCE),
    inboxPrefix: inboxPrefix(id.identity),
    reconnect: false,
  });
  open.push(nc);
  return nc;
}

describe('a full history store', () => {
  it('cannot stop logins: 32 MB of history into a 24 MB store, then members still log in', async () => {
    const mallory = await TestIdentity.create(inject('sigUrl'));
    const flood = new ChatRoom(await loginAs(mallory), 'bulk', mallory.identity);
    const block = 'x'.repeat(4000);
    for (let i = 0; i < 8000; i++) {
      flood.send(block);
      if (i % 500 === 499) await flood.nc.flush();
    }
    await flood.nc.flush();
    await until(() => false, 500);
    const alice = await TestIdentity.create(inject('sigUrl'));
    for (let i = 0; i < 3; i++) await (await loginAs(alice)).close();
    expect(
      logs.filter((l) => l.msg === 'login admitted' && l.identity === alice.identity),
    ).toHaveLength(3);
    const admin = await connect({
      servers: nats.url,
      user: 'kezchat',
      pass: nats.secrets.appPass,
      reconnect: false,
    });
    open.push(admin);
    const info = await (await jetstreamManager(admin)).streams.info('KEZCHAT');
    expect(info.state.bytes).toBeLessThanOrEqual(8 << 20);
  });

  it('names the nonce ledger, not the sig-server, when the ledger is what failed', async () => {
    const admin = await connect({
      servers: nats.url,
      user: 'kezchat',
      pass: nats.secrets.appPass,
      reconnect: false,
    });
    open.push(admin);
    await (await jetstreamManager(admin)).streams.delete('KEZCHAT_NONCES');
    const bob = await TestIdentity.create(inject('sigUrl'));
    const before = logs.length;
    await expect(loginAs(bob)).rejects.toThrow(/authorization violation/i);
    expect(await until(() => logs.slice(before).some((l) => l.identity === bob.identity))).toBe(
      true,
    );
    const entry = logs.slice(before).find((l) => l.identity === bob.identity);
    expect(entry?.msg).toBe('login refused: nonce ledger unavailable');
    expect(entry?.level).toBe('error');
    expect(String(entry?.reason)).toMatch(/nonce ledger/);
  });
});

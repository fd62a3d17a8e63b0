// The xkey is optional: a broker without `xkey` in its auth_callout block sends plain request
// JWTs, and chat-server (without an xkey seed) answers them plainly.
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { buildLoginToken } from '@kez/chat-client';
import { createLogger, startChatServer } from '../src/index.js';
import { AUDIENCE, chatConfig } from './support/chat-harness.js';
import { PublishedChain as TestIdentity } from '@kez/test-kit/published-chain';
import { startDevNats } from '@kez/test-kit/nats-server';

describe('auth callout without xkey', () => {
  it('admits a KEZ login and refuses a stranger; turns publish acks off on an existing stream', async () => {
    const nats = await startDevNats({ xkey: false });
    const s = nats.secrets;
    expect(s.xkeySeed).toBeUndefined();
    // An operator's pre-existing history stream, created with acks on.
    const admin = await connect({ servers: nats.url, user: 'kezchat', pass: s.appPass });
    const jsm = await jetstreamManager(admin);
    await jsm.streams.add({ name: 'KEZCHAT', subjects: ['chat.>'] });
    expect((await jsm.streams.info('KEZCHAT')).config.no_ack).toBeFalsy();
    const logs: string[] = [];
    const cfg = chatConfig({
      natsUrl: nats.url,
      issuerSeed: s.issuerSeed,
      calloutPass: s.calloutPass,
      appPass: s.appPass,
    });
    delete cfg.xkeySeed;
    const chat = await startChatServer(cfg, createLogger({ write: (l) => logs.push(l) }));
    try {
      expect((await jsm.streams.info('KEZCHAT')).config.no_ack).toBe(true);
      await admin.close();
      const id = await TestIdentity.create(inject('sigUrl'));
      const nc = await connect({
        servers: nats.url,
        token: buildLoginToken(id.primary, id.identity, AUDIENCE),
        reconnect: false,
      });
      await nc.close();
      expect(logs.some((l) => l.includes('"login admitted"') && l.includes(id.identity))).toBe(
        true,
      );
      const stranger = await TestIdentity.create(inject('sigUrl'));
      await expect(
        connect({
          servers: nats.url,
          token: buildLoginToken(stranger.primary, id.identity, AUDIENCE),
          reconnect: false,
        }),
      ).rejects.toThrow(/authorization violation/i);
      expect(logs.some((l) => l.includes('"code":"key_rotated"'))).toBe(true);
    } finally {
      await chat.stop();
      await nats.stop();
    }
  });
});

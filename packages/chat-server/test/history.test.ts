// History under abuse, through the real broker: one member's flood cannot erase other members'
// history; a history read serves the end of the room without reading all of it; a sender can
// learn whether a message was stored; history replies go only to the requester's own inbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ChatRoom, historySubject, inboxPrefix, roomSubject } from '@kez/chat-client';
import {
  appConnection,
  deliveredToChatServer,
  login,
  runChat,
  until,
  type RunningChat,
} from './support/chat-harness.js';
import { PublishedChain as TestIdentity } from '@kez/test-kit/published-chain';

let chat: RunningChat;
let alice: TestIdentity;
let bob: TestIdentity;
let mallory: TestIdentity;
const open: NatsConnection[] = [];

beforeAll(async () => {
  chat = await runChat({ historyMaxMsgs: 10_000, historyMaxPerMember: 1000 });
  alice = await TestIdentity.create(inject('sigUrl'));
  bob = await TestIdentity.create(inject('sigUrl'));
  mallory = await TestIdentity.create(inject('sigUrl'));
});
afterAll(async () => {
  await Promise.allSettled(open.map((nc) => nc.close()));
  await chat.stop();
});

async function join(id: TestIdentity, room: string): Promise<ChatRoom> {
  const nc = await login(id.primary, id.identity);
  open.push(nc);
  return new ChatRoom(nc, room, id.identity);
}

async function settle(): Promise<void> {
  await until(() => false, 300);
}

describe('history bounds', () => {
  it("one member's flood erases neither another room's history nor others' messages in its room", async () => {
    const quiet = await join(bob, 'quiet');
    for (let i = 0; i < 20; i++) quiet.send(`bob ${i}`);
    const noisyByAlice = await join(alice, 'noisy');
    for (let i = 0; i < 5; i++) noisyByAlice.send(`alice ${i}`);
    await quiet.nc.flush();
    await noisyByAlice.nc.flush();
    await settle();
    // More one-byte messages than the whole stream keeps (historyMaxMsgs 10 000).
    const flood = await join(mallory, 'noisy');
    for (let i = 0; i < 12_000; i++) {
      flood.send('x');
      if (i % 1000 === 999) await flood.nc.flush();
    }
    await flood.nc.flush();
    await settle();
    expect((await quiet.history(50)).map((m) => m.text)).toEqual(
      Array.from({ length: 20 }, (_, i) => `bob ${i}`),
    );
    const noisy = await noisyByAlice.history(500);
    expect(noisy).toHaveLength(500);
    expect(noisy.every((m) => m.identity === mallory.identity)).toBe(true);
    const admin = await appConnection();
    open.push(admin);
    const jsm = await jetstreamManager(admin);
    const info = await jsm.streams.info('KEZCHAT', { subjects_filter: 'chat.noisy.*' });
    expect(info.state.subjects?.[roomSubject('noisy', alice.identity)]).toBe(5);
    expect(info.state.subjects?.[roomSubject('noisy', mallory.identity)]).toBeLessThanOrEqual(1000);
    expect(info.config.max_bytes).toBeGreaterThan(0);
  });

  it('serves the end of a long room without reading all of it', async () => {
    const room = await join(alice, 'long');
    for (let i = 0; i < 5000; i++) {
      room.send(`m${i}`);
      if (i % 1000 === 999) await room.nc.flush();
    }
    await room.nc.flush();
    await settle();
    const before = await deliveredToChatServer();
    const last = await room.history(3);
    const delivered = (await deliveredToChatServer()) - before;
    expect(last.map((m) => m.text)).toEqual(['m4997', 'm4998', 'm4999']);
    // Replies to its own requests (consumer creates, ~log2(5000) probes) and the 3 messages;
    // reading the room would be 5000 deliveries.
    expect(delivered).toBeLessThan(200);
  });
});

describe('knowing a message was stored', () => {
  it('confirms a stored message, and says so when the store did not take it', async () => {
    const room = await join(alice, 'receipts');
    expect(await room.sendConfirmed('kept')).toBe(true);
    expect((await room.history(1)).map((m) => m.text)).toEqual(['kept']);
    // The store refuses it (the stream is gone): the sender learns it was not stored.
    const admin = await appConnection();
    open.push(admin);
    const jsm = await jetstreamManager(admin);
    const cfg = (await jsm.streams.info('KEZCHAT')).config;
    // The broker applies no payload limit of a callout user's JWT, so a member can publish past
    // KEZ_CHAT_MAX_PAYLOAD (4096 here): it goes out live, but the stream does not store it
    // (max_msg_size), and the receipt says so.
    const live: number[] = [];
    room.subscribe((m) => live.push(m.text.length));
    await room.nc.flush();
    expect(await room.sendConfirmed('x'.repeat(10_000))).toBe(false);
    expect(await until(() => live.includes(10_000))).toBe(true);
    expect((await room.history(5)).map((m) => m.text)).toEqual(['kept']);
    expect(await room.sendConfirmed('short')).toBe(true);
    await jsm.streams.delete('KEZCHAT');
    try {
      await expect(room.sendConfirmed('lost')).rejects.toThrow(/history/);
    } finally {
      await jsm.streams.add(cfg);
    }
    // Still no publish acks: a reply subject chosen by a member gets nothing from JetStream.
    expect((await jsm.streams.info('KEZCHAT')).config.no_ack).toBe(true);
  });
});

describe('history replies', () => {
  it("cannot be aimed at another member's inbox, nor asked in another member's name", async () => {
    const a = await join(alice, 'lobby');
    const b = await join(bob, 'lobby');
    const intoBob: string[] = [];
    b.nc.subscribe(`${inboxPrefix(bob.identity)}.>`, {
      callback: (_e, m) => {
        intoBob.push(m.subject);
      },
    });
    await b.nc.flush();
    const errors: string[] = [];
    void (async () => {
      for await (const s of a.nc.status()) if (s.type === 'error') errors.push(String(s.error));
    })();
    const before = chat.logs.length;
    const bobInbox = `${inboxPrefix(bob.identity)}.planted`;
    a.nc.publish(historySubject('lobby', alice.identity), '{"limit":5}', { reply: bobInbox });
    a.nc.publish('kezchat.history.lobby', '{"limit":5}', { reply: bobInbox }); // the old layout
    a.nc.publish(historySubject('lobby', bob.identity), '{"limit":5}', { reply: bobInbox });
    await a.nc.flush();
    await settle();
    expect(intoBob).toEqual([]);
    expect(
      chat.logs
        .slice(before)
        .some((l) => String(l.msg).startsWith('history request without the requester inbox')),
    ).toBe(true);
    expect(await until(() => errors.some((e) => /permissions violation/i.test(e)))).toBe(true);
    // Bob's own requests still work.
    expect(await b.history(1)).toBeInstanceOf(Array);
  });
});

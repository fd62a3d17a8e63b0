// Two KEZ identities log in through the real auth callout, chat, and see each other's
// verified identity; history survives a chat-server restart (JetStream); the server's
// permissions stop anyone from publishing as someone else or touching the stream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  ChatRoom,
  historySubject,
  inboxPrefix,
  roomSubject,
  type ChatMessage,
} from '@kez/chat-client';
import { login, runChat, until, type RunningChat } from './support/chat-harness.js';
import { PublishedChain as TestIdentity } from '@kez/test-kit/published-chain';

let chat: RunningChat;
let alice: TestIdentity;
let bob: TestIdentity;
const open: NatsConnection[] = [];

beforeAll(async () => {
  chat = await runChat();
  alice = await TestIdentity.create(inject('sigUrl'), 'ed25519');
  bob = await TestIdentity.create(inject('sigUrl'), 'bip340');
});

afterAll(async () => {
  await Promise.allSettled(open.map((nc) => nc.close()));
  await chat.stop();
});

async function join(
  id: TestIdentity,
  room: string,
): Promise<{ nc: NatsConnection; room: ChatRoom }> {
  const nc = await login(id.primary, id.identity);
  open.push(nc);
  return { nc, room: new ChatRoom(nc, room, id.identity) };
}

describe('chat through the KEZ auth callout', () => {
  it('admits two identities, who chat and see each other by verified identity', async () => {
    const a = await join(alice, 'lobby');
    const b = await join(bob, 'lobby');
    const seenByA: ChatMessage[] = [];
    const seenByB: ChatMessage[] = [];
    a.room.subscribe((m) => seenByA.push(m));
    b.room.subscribe((m) => seenByB.push(m));
    await a.nc.flush();
    await b.nc.flush();

    a.room.send('hello from alice');
    b.room.send('hi alice, bob here');
    expect(await until(() => seenByA.length === 2 && seenByB.length === 2)).toBe(true);

    const fromAlice = seenByB.find((m) => m.text === 'hello from alice');
    const fromBob = seenByA.find((m) => m.text === 'hi alice, bob here');
    expect(fromAlice?.identity).toBe(alice.identity);
    expect(fromBob?.identity).toBe(bob.identity);
    expect(alice.identity).not.toBe(bob.identity);

    const admitted = chat.logs.filter((l) => l.msg === 'login admitted').map((l) => l.identity);
    expect(admitted).toEqual(expect.arrayContaining([alice.identity, bob.identity]));
  });

  it('serves the room history from JetStream, with senders', async () => {
    const a = await join(alice, 'history-room');
    a.room.send('one');
    a.room.send('two');
    await a.nc.flush();
    const b = await join(bob, 'history-room');
    expect(await until(() => false, 200)).toBe(false); // let JetStream store them
    const history = await b.room.history(10);
    expect(history.map((m) => [m.identity, m.text])).toEqual([
      [alice.identity, 'one'],
      [alice.identity, 'two'],
    ]);
    // Other rooms' messages are not mixed in.
    expect(history.some((m) => m.room !== 'history-room')).toBe(false);
    expect(await (await join(bob, 'empty-room')).room.history()).toEqual([]);
  });

  it('refuses a publish under another identity (permission violation), and it reaches nobody', async () => {
    const a = await join(alice, 'lobby');
    const b = await join(bob, 'lobby');
    const seenByB: ChatMessage[] = [];
    b.room.subscribe((m) => seenByB.push(m));
    await b.nc.flush();
    const errors: string[] = [];
    void (async () => {
      for await (const s of a.nc.status()) if (s.type === 'error') errors.push(String(s.error));
    })();

    const spoof = new ChatRoom(a.nc, 'lobby', bob.identity); // alice's connection, bob's subject
    spoof.send('I am bob, trust me');
    a.room.send('marker from alice');
    expect(await until(() => seenByB.some((m) => m.text === 'marker from alice'))).toBe(true);
    expect(await until(() => errors.some((e) => /permissions violation/i.test(e)))).toBe(true);
    expect(seenByB.some((m) => m.text === 'I am bob, trust me')).toBe(false);
  });

  it('cannot be tricked into publishing as a third identity through a reply subject', async () => {
    // Alice sends a message whose reply-to is carol's subject; bob answers it. With response
    // permissions (`resp`), the broker would let bob's answer out on carol's subject.
    const carol = await TestIdentity.create(inject('sigUrl'));
    const a = await join(alice, 'lobby');
    const b = await join(bob, 'lobby');
    const c = await join(carol, 'lobby');
    const seenByCarol: ChatMessage[] = [];
    c.room.subscribe((m) => seenByCarol.push(m));
    const bobErrors: string[] = [];
    void (async () => {
      for await (const s of b.nc.status()) if (s.type === 'error') bobErrors.push(String(s.error));
    })();
    b.nc.subscribe('chat.lobby.*', {
      callback: (_e, m) => {
        if (m.reply) m.respond('carol says: send me your password');
      },
    });
    await b.nc.flush();
    await c.nc.flush();
    a.nc.publish(roomSubject('lobby', alice.identity), 'please reply', {
      reply: roomSubject('lobby', carol.identity),
    });
    // The same trap against chat-server's history service, whose connection may publish anywhere.
    a.nc.publish(historySubject('lobby', alice.identity), '{"limit":1}', {
      reply: roomSubject('lobby', carol.identity),
    });
    await a.nc.flush();
    await until(() => false, 300);
    a.room.send('marker after the trap');
    expect(await until(() => seenByCarol.some((m) => m.text === 'marker after the trap'))).toBe(
      true,
    );
    expect(await until(() => bobErrors.some((e) => /permissions violation/i.test(e)))).toBe(true);
    expect(seenByCarol.some((m) => m.text.startsWith('carol says'))).toBe(false);
    expect(seenByCarol.filter((m) => m.identity === carol.identity).map((m) => m.text)).toEqual([]);
    expect(chat.logs.some((l) => String(l.msg).startsWith('history request without'))).toBe(true);
  });

  it("keeps each member's inbox private: no shared _INBOX.>, no one else's inbox", async () => {
    const a = await join(alice, 'lobby');
    const errors: string[] = [];
    void (async () => {
      for await (const s of a.nc.status()) if (s.type === 'error') errors.push(String(s.error));
    })();
    a.nc.subscribe('_INBOX.>');
    a.nc.subscribe(`${inboxPrefix(bob.identity)}.>`);
    await a.nc.flush();
    expect(
      await until(
        () => errors.filter((e) => /permissions violation for subscription/i.test(e)).length >= 2,
      ),
    ).toBe(true);
    // Its own inbox works: history replies arrive there.
    expect(await a.room.history(1)).toBeInstanceOf(Array);
  });

  it('gives clients no JetStream API: the history stream cannot be deleted or read directly', async () => {
    const a = await join(alice, 'lobby');
    await expect(
      a.nc.request('$JS.API.STREAM.DELETE.KEZCHAT', '', { timeout: 1_000 }),
    ).rejects.toThrow(/permissions violation/i);
    await expect(
      a.nc.request('$JS.API.DIRECT.GET.KEZCHAT', '{"seq":1}', { timeout: 1_000 }),
    ).rejects.toThrow(/permissions violation/i);
    await expect(
      a.nc.request(`kezchat.nonce.${'0'.repeat(32)}`, '', { timeout: 1_000 }),
    ).rejects.toThrow(/permissions violation/i);
    const info = await (await join(bob, 'history-room')).room.history(10);
    expect(info.length).toBe(2); // still there
  });

  it('keeps history across a chat-server restart', async () => {
    const a = await join(alice, 'durable');
    a.room.send('before restart');
    await a.nc.flush();
    await until(() => false, 200);
    await chat.stop();
    chat = await runChat();
    const b = await join(bob, 'durable');
    const history = await b.room.history();
    expect(history.map((m) => [m.identity, m.text])).toEqual([[alice.identity, 'before restart']]);
    expect(chat.logs.some((l) => l.msg === 'chat stream present')).toBe(true);
  });
});

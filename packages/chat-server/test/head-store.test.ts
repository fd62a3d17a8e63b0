// The seen heads in JetStream as two replicas share them: remember() right after get() writes
// without a second read, and a write another replica made in between is never overwritten by
// a lower head (the conditional publish is refused, then the entry is read afresh).
// Its own broker: the shared one's KEZCHAT_HEADS already holds the head subjects.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startDevNats } from '@kez/test-kit/nats-server';
import { jetStreamHeadStore, silentLogger } from '../src/index.js';

const open: NatsConnection[] = [];
let nats: Awaited<ReturnType<typeof startDevNats>>;
beforeAll(async () => {
  nats = await startDevNats();
});
afterAll(async () => {
  for (const nc of open) await nc.close();
  await nats?.stop();
});

async function replica() {
  const nc = await connect({ servers: nats.url, user: 'kezchat', pass: nats.secrets.appPass });
  open.push(nc);
  return jetStreamHeadStore(nc, 'KEZCHAT_HEADS', { maxBytes: 1 << 20 }, silentLogger);
}

const id = () => `kez:id:${randomBytes(32).toString('hex')}`;
const head = (seq: number) => ({ seq, hash: `${seq}`.repeat(8) });

describe('jetStreamHeadStore', () => {
  it('keeps the highest head across replicas, whatever each read before', async () => {
    const a = await replica();
    const b = await replica();
    const alice = id();
    expect(await a.get(alice)).toBeUndefined();
    await a.remember(alice, head(1));
    expect(await b.get(alice)).toEqual(head(1));

    // Both read seq 1; b writes seq 3; a, still holding its read of seq 1, offers seq 2.
    expect(await a.get(alice)).toEqual(head(1));
    expect(await b.get(alice)).toEqual(head(1));
    await b.remember(alice, head(3));
    await a.remember(alice, head(2));
    expect(await (await replica()).get(alice)).toEqual(head(3));

    // a's read is stale again (b wrote seq 4 after it), and a offers a higher head: written.
    expect(await a.get(alice)).toEqual(head(3));
    await b.remember(alice, head(4));
    await a.remember(alice, head(5));
    expect(await b.get(alice)).toEqual(head(5));

    // remember() without a get() before it reads the entry itself.
    const bob = id();
    await b.remember(bob, head(2));
    await a.remember(bob, head(1));
    expect(await a.get(bob)).toEqual(head(2));
  });
});

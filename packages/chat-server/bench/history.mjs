// History reads from the end of a room: readHistory(limit) over rooms of 100 k and 500 k
// stored messages, against a real nats-server (JetStream on disk), as chat-server's history
// service runs it. Prints p50/max per limit. Run: node bench/history.mjs (after npm run build).
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { ensureStream, readHistory, silentLogger } from '@kez/chat-server';
import { startDevNats } from '@kez/test-kit/nats-server';

const SIZES = [100_000, 500_000];
const LIMITS = [1, 50, 500];
const RUNS = 5;
const HEX = (n) => n.toString(16).padStart(64, '0');

const nats = await startDevNats({ xkey: false, maxFileStore: '2GB' });
const nc = await connect({ servers: nats.url, user: 'kezchat', pass: nats.secrets.appPass });
try {
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  await ensureStream(
    jsm,
    {
      name: 'KEZCHAT',
      maxAgeSec: 3600,
      maxMsgs: 2_000_000,
      maxBytes: 1 << 30,
      maxMsgsPerMember: 1_000_000,
      maxMsgSize: 4096 + 512,
    },
    silentLogger,
  );
  let stored = 0;
  for (const size of SIZES) {
    // The room under test interleaved 1:1 with another room's messages.
    for (; stored < size; stored++) {
      nc.publish(`chat.${stored % 2 ? 'big' : 'other'}.${HEX(stored % 7)}`, `m${stored}`);
      if (stored % 5000 === 4999) await nc.flush();
    }
    await nc.flush();
    for (;;) {
      const { state } = await jsm.streams.info('KEZCHAT');
      if (state.messages >= size) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const limit of LIMITS) {
      const ms = [];
      for (let i = 0; i < RUNS; i++) {
        const t = performance.now();
        const got = await readHistory(js, jsm, 'KEZCHAT', 'big', limit);
        ms.push(performance.now() - t);
        if (got.length !== limit) throw new Error(`expected ${limit} messages, got ${got.length}`);
      }
      ms.sort((a, b) => a - b);
      console.log(
        `history(limit ${limit}) over ${size} stored (${size / 2} in the room): p50 ${ms[RUNS >> 1].toFixed(1)} ms, max ${ms[RUNS - 1].toFixed(1)} ms`,
      );
    }
  }
} finally {
  await nc.close();
  await nats.stop();
}

// Seen chain heads (SPEC §6.7) in JetStream, so rollback detection survives a chat-server
// restart and holds across replicas: one subject per identity (kezchat.head.<hex>), one message
// kept per subject, written with "expected last subject sequence" so a lower head never
// overwrites a higher one that another replica wrote meanwhile. The stream has its own byte
// budget (a reservation: history cannot take it); when full, the oldest identities go first.
import {
  DiscardPolicy,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { identityToken } from '@kez/chat-client';
import { BoundedCache, KezError } from '@kez/core';
import type { Head, HeadStore } from './head-memory.js';
import type { Logger } from './log.js';

export const HEAD_SUBJECT_PREFIX = 'kezchat.head';
const WRONG_LAST_SEQUENCE = 10071;

async function ensureHeadStream(
  jsm: JetStreamManager,
  stream: string,
  maxBytes: number,
  log: Logger,
): Promise<void> {
  try {
    await jsm.streams.info(stream);
    return;
  } catch {
    // created below
  }
  await jsm.streams.add({
    name: stream,
    subjects: [`${HEAD_SUBJECT_PREFIX}.*`],
    max_msgs_per_subject: 1,
    max_bytes: maxBytes,
    discard: DiscardPolicy.Old,
  });
  log.info('head memory stream created', { stream });
}

function unavailable(e: unknown): KezError {
  return new KezError(
    'network',
    `head memory unavailable: ${e instanceof Error ? e.message : String(e)}`,
    {},
    { cause: e },
  );
}

export async function jetStreamHeadStore(
  nc: NatsConnection,
  stream: string,
  opts: { maxBytes: number; timeoutMs?: number },
  log: Logger,
): Promise<HeadStore> {
  const jsm = await jetstreamManager(nc, { timeout: opts.timeoutMs ?? 1_000 });
  await ensureHeadStream(jsm, stream, opts.maxBytes, log);
  const js = jetstream(nc, { timeout: opts.timeoutMs ?? 1_000 });
  const subject = (identity: string) => `${HEAD_SUBJECT_PREFIX}.${identityToken(identity)}`;

  // Each identity's entry as get() last read it, so remember() right after (a login that saw a
  // new head) publishes without reading it again. The publish is conditional on its stream
  // sequence: if another replica wrote meanwhile it is refused, and the loop reads afresh.
  const lastRead = new BoundedCache<string, { head: Head; seq: number } | null>(10_000);

  async function read(identity: string): Promise<{ head: Head; seq: number } | undefined> {
    const m = await jsm.streams.getMessage(stream, { last_by_subj: subject(identity) });
    if (!m) return undefined;
    const h = m.json<Partial<Head>>();
    if (!Number.isSafeInteger(h.seq) || typeof h.hash !== 'string')
      throw new KezError('malformed', 'head memory entry is not a head');
    return { head: { seq: h.seq!, hash: h.hash }, seq: m.seq };
  }

  return {
    async get(identity) {
      try {
        const r = await read(identity);
        lastRead.set(identity, r ?? null);
        return r?.head;
      } catch (e) {
        throw unavailable(e);
      }
    },
    async remember(identity, head) {
      try {
        for (let attempt = 0; attempt < 3; attempt++) {
          const known = attempt === 0 ? lastRead.get(identity) : undefined;
          lastRead.delete(identity);
          const prev = known === undefined ? await read(identity) : (known ?? undefined);
          if (prev && (prev.head.seq > head.seq || prev.head.hash === head.hash)) return;
          try {
            await js.publish(subject(identity), JSON.stringify(head), {
              expect: { lastSubjectSequence: prev?.seq ?? 0 },
            });
            return;
          } catch (e) {
            if (!(e instanceof JetStreamApiError && e.code === WRONG_LAST_SEQUENCE)) throw e;
          }
        }
      } catch (e) {
        throw unavailable(e);
      }
    },
  };
}

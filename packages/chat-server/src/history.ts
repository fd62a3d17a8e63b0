// Chat history lives in a JetStream stream on `chat.>`. chat-server creates the stream when
// it is missing and answers history requests (kezchat.history.<room>), so clients need no
// JetStream API permissions at all: the subjects they may request are their readable rooms.
import {
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from './log.js';
import {
  CHAT_PREFIX,
  HISTORY_PREFIX,
  isMemberInbox,
  isRoomName,
  parseChatSubject,
} from './subjects.js';

export interface StreamSettings {
  name: string;
  /** Messages older than this are dropped (seconds). */
  maxAgeSec: number;
  maxMsgs: number;
}

export interface HistoryEntry {
  seq: number;
  /** Unix milliseconds (the server's receive time). */
  ts: number;
  room: string;
  /** The sender, taken from the subject the server let it publish on. */
  identity: string;
  text: string;
}

export interface HistoryReply {
  room: string;
  messages: HistoryEntry[];
}

export const HISTORY_DEFAULT = 50;
export const HISTORY_MAX = 500;
/** A history reply stays well under NATS' default 1 MiB max_payload. */
const REPLY_BUDGET_BYTES = 512 * 1024;

export async function ensureStream(
  jsm: JetStreamManager,
  s: StreamSettings,
  log: Logger,
): Promise<void> {
  let info;
  try {
    info = await jsm.streams.info(s.name);
  } catch (e) {
    if (!isStreamNotFound(e)) throw e;
  }
  if (!info) {
    await jsm.streams.add({
      name: s.name,
      subjects: [`${CHAT_PREFIX}.>`],
      max_age: s.maxAgeSec * 1_000_000_000,
      max_msgs: s.maxMsgs,
      // No publish acks: JetStream would send its ack to the publisher's reply subject, which
      // a member can set to another identity's chat subject — an ack "from" that identity.
      no_ack: true,
    });
    log.info('chat stream created', { stream: s.name });
    return;
  }
  if (!info.config.no_ack) {
    await jsm.streams.update(s.name, { ...info.config, no_ack: true });
    log.warn('chat stream updated: publish acks turned off (no_ack)', { stream: s.name });
  }
  log.info('chat stream present', { stream: s.name, messages: info.state.messages });
}

function isStreamNotFound(e: unknown): boolean {
  return (
    e instanceof Error && (e.name === 'StreamNotFoundError' || /stream not found/i.test(e.message))
  );
}

/** The last `limit` messages of a room, oldest first. */
export async function readHistory(
  js: JetStreamClient,
  jsm: JetStreamManager,
  stream: string,
  room: string,
  limit: number,
): Promise<HistoryEntry[]> {
  const filter = `${CHAT_PREFIX}.${room}.*`;
  const info = await jsm.streams.info(stream, { subjects_filter: filter });
  const total = Object.values(info.state.subjects ?? {}).reduce((a, n) => a + n, 0);
  if (total === 0) return [];
  const consumer = await js.consumers.get(stream, {
    filter_subjects: [filter],
    deliver_policy: DeliverPolicy.All,
  });
  const ring: HistoryEntry[] = [];
  const td = new TextDecoder();
  try {
    for (;;) {
      const batch = await consumer.fetch({ max_messages: 512, expires: 2_000 });
      let got = 0;
      let done = false;
      for await (const m of batch) {
        got++;
        const parsed = parseChatSubject(m.subject);
        if (parsed) {
          ring.push({
            seq: m.seq,
            ts: m.time.getTime(),
            room: parsed.room,
            identity: parsed.identity,
            text: td.decode(m.data),
          });
          if (ring.length > limit) ring.shift();
        }
        if (m.info.pending === 0) {
          done = true;
          break;
        }
      }
      if (done || got === 0) break;
    }
  } finally {
    await consumer.delete().catch(() => undefined);
  }
  return trimToBudget(ring);
}

function trimToBudget(entries: HistoryEntry[]): HistoryEntry[] {
  let bytes = 0;
  let start = entries.length;
  while (start > 0) {
    const size = Buffer.byteLength(entries[start - 1]!.text) + 200;
    if (bytes + size > REPLY_BUDGET_BYTES) break;
    bytes += size;
    start--;
  }
  return entries.slice(start);
}

/** Answers kezchat.history.<room> requests; payload `{"limit":N}` (optional). */
export async function serveHistory(
  nc: NatsConnection,
  stream: string,
  log: Logger,
): Promise<Subscription> {
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  return nc.subscribe(`${HISTORY_PREFIX}.*`, {
    queue: 'kezchat-history',
    callback: (err, msg) => {
      if (err) {
        log.error('history subscription failed', { error: err.message });
        return;
      }
      // Answer only to a member inbox: a reply subject is the requester's choice, and
      // chat-server's own connection may publish anywhere (e.g. on another identity's chat subject).
      if (!msg.reply || !isMemberInbox(msg.reply)) {
        log.warn('history request without an inbox reply subject dropped', {
          reply: msg.reply ?? null,
        });
        return;
      }
      const room = msg.subject.slice(HISTORY_PREFIX.length + 1);
      if (!isRoomName(room)) {
        msg.respond(JSON.stringify({ error: 'bad room name' }));
        return;
      }
      const limit = requestedLimit(msg.data);
      readHistory(js, jsm, stream, room, limit)
        .then((messages) => msg.respond(JSON.stringify({ room, messages } satisfies HistoryReply)))
        .catch((e: unknown) => {
          log.error('history read failed', {
            room,
            error: e instanceof Error ? e.message : String(e),
          });
          msg.respond(JSON.stringify({ error: 'history unavailable' }));
        });
    },
  });
}

function requestedLimit(data: Uint8Array): number {
  if (data.length === 0 || data.length > 256) return HISTORY_DEFAULT;
  try {
    const v = (JSON.parse(new TextDecoder().decode(data)) as { limit?: unknown }).limit;
    return Number.isInteger(v) && (v as number) > 0
      ? Math.min(v as number, HISTORY_MAX)
      : HISTORY_DEFAULT;
  } catch {
    return HISTORY_DEFAULT;
  }
}

// Chat history lives in a JetStream stream on `chat.>`. chat-server creates the stream when
// it is missing (and brings its limits up to date) and answers history requests
// (kezchat.history.<room>.<requester>), so clients need no JetStream API permissions at all.
//
// Bounds: every subject is one member in one room, so `max_msgs_per_subject` lets a member
// flood only their own messages out of a room; `max_msgs` and `max_bytes` bound the whole
// stream. A read serves the end of the room: it finds the start sequence of the last N room
// messages by bisecting on the server-computed `num_pending` of a filtered consumer, then reads
// exactly those N, never the whole room.
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  CHAT_PREFIX,
  HISTORY_DEFAULT,
  HISTORY_MAX,
  HISTORY_PREFIX,
  MSG_ID_HEADER,
  isInboxOf,
  parseChatSubject,
  parseHistorySubject,
  roomSubject,
  type HistoryEntry,
  type HistoryReply,
  type HistoryRequest,
} from '@kez/chat-client';
import { Gate } from './gate.js';
import type { Logger } from './log.js';

export interface StreamSettings {
  name: string;
  /** Messages older than this are dropped (seconds). */
  maxAgeSec: number;
  maxMsgs: number;
  /** Bytes of the whole stream: a reservation, so history cannot take the nonce ledger's room. */
  maxBytes: number;
  /** Messages kept per member per room (one subject). */
  maxMsgsPerMember: number;
  /** Largest message stored, headers included: the broker does not apply a callout user's
   *  payload limit, so this is what bounds a stored message. */
  maxMsgSize: number;
}

/** A queued history request is answered "busy" after this long (clients wait 5 s). */
const HISTORY_DEADLINE_MS = 3_000;
/** A history reply stays well under NATS' default 1 MiB max_payload. */
const REPLY_BUDGET_BYTES = 512 * 1024;
const NS = 1_000_000_000;

function limitsOf(s: StreamSettings): Partial<StreamConfig> {
  return {
    max_age: s.maxAgeSec * NS,
    max_msgs: s.maxMsgs,
    max_bytes: s.maxBytes,
    max_msgs_per_subject: s.maxMsgsPerMember,
    max_msg_size: s.maxMsgSize,
    discard: DiscardPolicy.Old,
    // No publish acks: JetStream would send its ack to the publisher's reply subject, which
    // a member can set to another identity's chat subject — an ack "from" that identity.
    // Senders learn about storage from a receipt instead (HistoryRequest.own).
    no_ack: true,
  };
}

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
  const want = limitsOf(s);
  if (!info) {
    await jsm.streams.add({ name: s.name, subjects: [`${CHAT_PREFIX}.>`], ...want });
    log.info('chat stream created', { stream: s.name });
    return;
  }
  const have = info.config as unknown as Record<string, unknown>;
  const changed = Object.entries(want).filter(([k, v]) => have[k] !== v);
  if (changed.length > 0) {
    await jsm.streams.update(s.name, { ...info.config, ...want });
    log.warn('chat stream limits updated', {
      stream: s.name,
      changed: changed.map(([k]) => k),
    });
  }
  log.info('chat stream present', { stream: s.name, messages: info.state.messages });
}

function isStreamNotFound(e: unknown): boolean {
  return (
    e instanceof Error && (e.name === 'StreamNotFoundError' || /stream not found/i.test(e.message))
  );
}

const td = new TextDecoder();

function entryOf(
  m: { subject: string; seq: number; time: Date; data: Uint8Array },
  headers: { get(k: string): string } | undefined,
): HistoryEntry | null {
  const parsed = parseChatSubject(m.subject);
  if (!parsed) return null;
  const id = headers?.get(MSG_ID_HEADER);
  return {
    seq: m.seq,
    ts: m.time.getTime(),
    room: parsed.room,
    identity: parsed.identity,
    text: td.decode(m.data),
    ...(id ? { id: id.slice(0, 64) } : {}),
  };
}

/** Room messages at sequence ≥ `seq` (computed by the server from its subject index). */
async function pendingFrom(
  jsm: JetStreamManager,
  stream: string,
  filter: string,
  seq: number,
): Promise<number> {
  const ci = await jsm.consumers.add(stream, {
    filter_subject: filter,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: seq,
    ack_policy: AckPolicy.None,
    mem_storage: true,
    inactive_threshold: 5 * NS,
  });
  await jsm.consumers.delete(stream, ci.name).catch(() => undefined);
  return ci.num_pending;
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
  const { state } = await jsm.streams.info(stream);
  if (state.messages === 0) return [];
  // Largest start with ≥ limit room messages from it on; pending drops by ≤ 1 per step, so at
  // that start exactly `limit` remain (or fewer, when the whole room is shorter).
  let lo = state.first_seq;
  let count = await pendingFrom(jsm, stream, filter, lo);
  if (count === 0) return [];
  if (count > limit) {
    let hi = state.last_seq + 1;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      const n = await pendingFrom(jsm, stream, filter, mid);
      if (n >= limit) {
        lo = mid;
        count = n;
      } else hi = mid;
    }
  }
  const consumer = await js.consumers.get(stream, {
    filter_subjects: [filter],
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: lo,
  });
  const out: HistoryEntry[] = [];
  try {
    while (out.length < limit) {
      const batch = await consumer.fetch({ max_messages: limit - out.length, expires: 2_000 });
      let got = 0;
      let done = false;
      for await (const m of batch) {
        got++;
        const e = entryOf(m, m.headers);
        if (e) out.push(e);
        if (m.info.pending === 0 || out.length >= limit) {
          done = true;
          break;
        }
      }
      if (done || got === 0) break;
    }
  } finally {
    await consumer.delete().catch(() => undefined);
  }
  return trimToBudget(out.slice(-limit));
}

/** `identity`'s last stored message in `room` (one direct read by subject), if any. */
export async function readOwnLast(
  jsm: JetStreamManager,
  stream: string,
  room: string,
  identity: string,
): Promise<HistoryEntry[]> {
  const m = await jsm.streams.getMessage(stream, { last_by_subj: roomSubject(room, identity) });
  const e = m && entryOf(m, m.header);
  return e ? [e] : [];
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

/** Answers kezchat.history.<room>.<requester> requests (payload: a HistoryRequest). */
export async function serveHistory(
  nc: NatsConnection,
  stream: string,
  log: Logger,
): Promise<Subscription> {
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  // Each read costs the broker ~log2(stream) consumer probes: a member's request flood waits
  // in a short queue, then is answered "busy", instead of piling up on the broker.
  const gate = new Gate(8, 64);
  return nc.subscribe(`${HISTORY_PREFIX}.*.*`, {
    queue: 'kezchat-history',
    callback: (err, msg) => {
      if (err) {
        log.error('history subscription failed', { error: err.message });
        return;
      }
      const target = parseHistorySubject(msg.subject);
      // Answer only into the requester's own inboxes. The broker guarantees who published on
      // kezchat.history.<room>.<requester>; the reply subject is the requester's choice, and
      // chat-server's own connection may publish anywhere (another identity's chat subject,
      // another member's inbox).
      if (!target || !msg.reply || !isInboxOf(msg.reply, target.identity)) {
        log.warn('history request without the requester inbox as reply subject dropped', {
          subject: msg.subject.slice(0, 200),
          reply: msg.reply?.slice(0, 200) ?? null,
        });
        return;
      }
      const req = parseRequest(msg.data);
      gate
        .run(performance.now() + HISTORY_DEADLINE_MS, () =>
          req.own
            ? readOwnLast(jsm, stream, target.room, target.identity)
            : readHistory(js, jsm, stream, target.room, req.limit),
        )
        .then((messages) =>
          msg.respond(
            JSON.stringify(
              messages
                ? ({ room: target.room, messages } satisfies HistoryReply)
                : { error: 'busy' },
            ),
          ),
        )
        .catch((e: unknown) => {
          log.error('history read failed', {
            room: target.room,
            error: e instanceof Error ? e.message : String(e),
          });
          msg.respond(JSON.stringify({ error: 'history unavailable' }));
        });
    },
  });
}

function parseRequest(data: Uint8Array): { limit: number; own: boolean } {
  const fallback = { limit: HISTORY_DEFAULT, own: false };
  if (data.length === 0 || data.length > 256) return fallback;
  try {
    const v = JSON.parse(td.decode(data)) as HistoryRequest;
    const limit =
      Number.isInteger(v.limit) && (v.limit as number) > 0
        ? Math.min(v.limit as number, HISTORY_MAX)
        : HISTORY_DEFAULT;
    return { limit, own: v.own === true };
  } catch {
    return fallback;
  }
}

// Subject layout. NATS subject tokens cannot safely hold ':' (nor '.', '*', '>', spaces), so
// an identity `kez:id:<64 hex>` appears in subjects as its bare 64-hex part.
//   chat.<room>.<identity-hex>            a message in <room> sent by that identity
//   kezchat.history.<room>.<identity-hex> request/reply: the room's recent history, asked by that
//                                         identity (served by chat-server, answered only into
//                                         that identity's inbox space)
//   _INBOX_<identity-hex>.>               the identity's own inboxes (replies to its requests); a
//                                         shared _INBOX.> would let any member read everyone's replies
import { IDENTITY_ID_RE, KezError, identityIdOf } from '@kez/core';

export const CHAT_PREFIX = 'chat';
export const HISTORY_PREFIX = 'kezchat.history';
const ROOM_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const HEX_RE = /^[0-9a-f]{64}$/;

export function isRoomName(room: string): boolean {
  return ROOM_RE.test(room);
}

export function assertRoomName(room: string): string {
  if (!isRoomName(room)) {
    throw new KezError('malformed', `room name must match ${ROOM_RE.source}`, { room });
  }
  return room;
}

/** `kez:id:<hex>` → `<hex>` (the subject token). */
export function identityToken(identity: string): string {
  const m = IDENTITY_ID_RE.exec(identity);
  if (!m) throw new KezError('malformed', 'not a KEZ identity id', { identity });
  return m[1]!;
}

export function roomSubject(room: string, identity: string): string {
  return `${CHAT_PREFIX}.${assertRoomName(room)}.${identityToken(identity)}`;
}

export function roomWildcard(room: string | '*'): string {
  return `${CHAT_PREFIX}.${room === '*' ? '*' : assertRoomName(room)}.*`;
}

/** Where `identity` asks for the history of `room` ('*': the permission for every room). */
export function historySubject(room: string | '*', identity: string): string {
  return `${HISTORY_PREFIX}.${room === '*' ? '*' : assertRoomName(room)}.${identityToken(identity)}`;
}

/** Parses `chat.<room>.<hex>`; null for anything else. */
export function parseChatSubject(subject: string): { room: string; identity: string } | null {
  return parseRoomAndIdentity(subject, CHAT_PREFIX);
}

/** Parses `kezchat.history.<room>.<hex>`; null for anything else. */
export function parseHistorySubject(subject: string): { room: string; identity: string } | null {
  return parseRoomAndIdentity(subject, HISTORY_PREFIX);
}

function parseRoomAndIdentity(
  subject: string,
  prefix: string,
): { room: string; identity: string } | null {
  if (!subject.startsWith(`${prefix}.`)) return null;
  const parts = subject.slice(prefix.length + 1).split('.');
  if (parts.length !== 2) return null;
  const [room, hex] = parts as [string, string];
  if (!isRoomName(room) || !HEX_RE.test(hex)) return null;
  return { room, identity: identityIdOf(hex) };
}

/** The inbox prefix a client of `identity` must use (NATS connect option `inboxPrefix`). */
export function inboxPrefix(identity: string): string {
  return `_INBOX_${identityToken(identity)}`;
}

/** True for a reply subject inside `identity`'s own inbox space. */
export function isInboxOf(subject: string, identity: string): boolean {
  const prefix = `${inboxPrefix(identity)}.`;
  return subject.startsWith(prefix) && /^[^\s*>]+$/.test(subject.slice(prefix.length));
}

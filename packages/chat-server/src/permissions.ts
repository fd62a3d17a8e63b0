// What an admitted identity may do on NATS. The sender identity is part of every subject it
// may publish on, so the server itself guarantees who sent a message.
import type { User } from '@nats-io/jwt';
import {
  historySubject,
  identityToken,
  inboxPrefix,
  roomWildcard,
  CHAT_PREFIX,
  HISTORY_PREFIX,
} from './subjects.js';

export interface PermissionPolicy {
  /** Rooms the identity may read and write; '*' = every room. */
  rooms: '*' | string[];
  /** Largest message payload a client may publish, in bytes. */
  maxPayload: number;
}

export function userPermissions(identity: string, policy: PermissionPolicy): Partial<User> {
  const me = identityToken(identity);
  const rooms = policy.rooms;
  const pub =
    rooms === '*'
      ? [`${CHAT_PREFIX}.*.${me}`, `${HISTORY_PREFIX}.*`]
      : rooms.flatMap((r) => [`${CHAT_PREFIX}.${r}.${me}`, historySubject(r)]);
  const sub = rooms === '*' ? [roomWildcard('*')] : rooms.map((r) => roomWildcard(r));
  return {
    pub: { allow: pub },
    sub: { allow: [...sub, `${inboxPrefix(identity)}.>`] },
    // No `resp` (response permissions): they would let a member publish on any reply subject
    // another member chooses, e.g. a third identity's chat subject, and the broker checks
    // them after deny lists. Requests to members are not part of the chat protocol.
    payload: policy.maxPayload,
  };
}

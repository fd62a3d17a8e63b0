// What an admitted identity may do on NATS. The sender identity is part of every subject it
// may publish on, so the server itself guarantees who sent a message (and who asked for
// history).
import type { User } from '@nats-io/jwt';
import {
  CHAT_PREFIX,
  historySubject,
  identityToken,
  inboxPrefix,
  roomSubject,
  roomWildcard,
} from '@kez/chat-client';

export interface PermissionPolicy {
  /** Rooms the identity may read and write; '*' = every room. */
  rooms: '*' | string[];
  /** Largest message payload a client may publish, in bytes. */
  maxPayload: number;
}

export function userPermissions(identity: string, policy: PermissionPolicy): Partial<User> {
  const rooms = policy.rooms === '*' ? ['*'] : policy.rooms;
  const pub = rooms.flatMap((r) => [
    r === '*' ? `${CHAT_PREFIX}.*.${identityToken(identity)}` : roomSubject(r, identity),
    historySubject(r, identity),
  ]);
  return {
    pub: { allow: pub },
    sub: { allow: [...rooms.map((r) => roomWildcard(r)), `${inboxPrefix(identity)}.>`] },
    // No `resp` (response permissions): they would let a member publish on any reply subject
    // another member chooses, e.g. a third identity's chat subject, and the broker checks
    // them after deny lists. Requests to members are not part of the chat protocol.
    // Kept for brokers that apply it, but nats-server 2.12 applies none of a callout-issued
    // user JWT's limits (payload, subs, data): it clears the client's JWT before registering
    // the user, and applyAccountLimits reads limits only from that JWT. So the bounds that
    // matter live in the stream: max_msg_size (payload + headers), max_msgs_per_subject.
    payload: policy.maxPayload,
  };
}

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
  /** Most subscriptions one connection may hold. */
  maxSubs: number;
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
    // NATS enforces `payload` and `subs` per connection; a user JWT's `data` limit is not
    // enforced (nats-server 2.12 applies only Payload and Subs from user limits), so
    // per-member history bounds live in the stream (max_msgs_per_subject).
    payload: policy.maxPayload,
    subs: policy.maxSubs,
  };
}

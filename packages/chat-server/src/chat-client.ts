// A chat room as seen by a logged-in client: history from chat-server, live messages by
// subscription, sending on the one subject the server lets this identity publish on.
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { HistoryEntry, HistoryReply } from './history.js';
import { historySubject, parseChatSubject, roomSubject, roomWildcard } from './subjects.js';

export interface ChatMessage {
  room: string;
  /** Verified sender: the server admits a publish on chat.<room>.<id> only from that identity. */
  identity: string;
  text: string;
  /** Unix milliseconds: the server's time for history, receipt time for live messages. */
  ts: number;
}

export class ChatRoom {
  constructor(
    readonly nc: NatsConnection,
    readonly room: string,
    readonly identity: string,
  ) {
    roomSubject(room, identity); // validates both
  }

  async history(limit = 50, timeoutMs = 5_000): Promise<ChatMessage[]> {
    const reply = await this.nc.request(historySubject(this.room), JSON.stringify({ limit }), {
      timeout: timeoutMs,
    });
    const body = reply.json<HistoryReply | { error: string }>();
    if ('error' in body) throw new Error(`history: ${body.error}`);
    return body.messages.map((m: HistoryEntry) => ({
      room: m.room,
      identity: m.identity,
      text: m.text,
      ts: m.ts,
    }));
  }

  /** Live messages of the room (including our own) until the subscription ends. */
  subscribe(onMessage: (m: ChatMessage) => void): Subscription {
    const td = new TextDecoder();
    return this.nc.subscribe(roomWildcard(this.room), {
      callback: (err, msg) => {
        if (err) return;
        const parsed = parseChatSubject(msg.subject);
        if (parsed) onMessage({ ...parsed, text: td.decode(msg.data), ts: Date.now() });
      },
    });
  }

  send(text: string): void {
    this.nc.publish(roomSubject(this.room, this.identity), text);
  }
}

// A chat room as seen by a logged-in client: history from chat-server, live messages by
// subscription, sending on the one subject the server lets this identity publish on.
import { randomBytes } from 'node:crypto';
import { KezError } from '@kez/core';
import { headers, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { historySubject, parseChatSubject, roomSubject, roomWildcard } from './subjects.js';
import {
  MSG_ID_HEADER,
  type HistoryEntry,
  type HistoryReply,
  type HistoryRequest,
} from './wire.js';

const RECEIPT_RETRIES = 3;
const RECEIPT_RETRY_MS = 100;

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

  /** The last `limit` messages of the room, oldest first. */
  async history(limit = 50, timeoutMs = 5_000): Promise<ChatMessage[]> {
    return (await this.ask({ limit }, timeoutMs)).map((m) => ({
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

  /** Sends without waiting: the message may be dropped (size or storage limits) unseen. */
  send(text: string): void {
    this.nc.publish(roomSubject(this.room, this.identity), text);
  }

  /** Sends and then asks chat-server for our last stored message in the room: true when it is
   *  this one. The stream takes no publish acks (a publisher's reply subject would let the
   *  ack speak as someone else), so this receipt is the signal that a message was stored.
   *  Storing is asynchronous, so a miss is asked again a few times before it counts. Send
   *  confirmed messages to one room one at a time: a later send replaces "our last". */
  async sendConfirmed(text: string, timeoutMs = 5_000): Promise<boolean> {
    const id = randomBytes(12).toString('hex');
    const h = headers();
    h.set(MSG_ID_HEADER, id);
    this.nc.publish(roomSubject(this.room, this.identity), text, { headers: h });
    await this.nc.flush();
    for (let attempt = 0; ; attempt++) {
      const [last] = await this.ask({ own: true }, timeoutMs);
      if (last?.id === id) return true;
      if (attempt >= RECEIPT_RETRIES) return false;
      await new Promise((r) => setTimeout(r, RECEIPT_RETRY_MS));
    }
  }

  private async ask(req: HistoryRequest, timeoutMs: number): Promise<HistoryEntry[]> {
    let body: HistoryReply | { error: string };
    try {
      const reply = await this.nc.request(
        historySubject(this.room, this.identity),
        JSON.stringify(req),
        { timeout: timeoutMs },
      );
      body = reply.json<HistoryReply | { error: string }>();
    } catch (e) {
      throw new KezError('network', 'history request failed', { room: this.room }, { cause: e });
    }
    if ('error' in body)
      throw new KezError('network', `history: ${String(body.error).slice(0, 200)}`, {
        room: this.room,
      });
    return body.messages;
  }
}

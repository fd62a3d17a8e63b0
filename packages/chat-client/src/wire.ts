// What chat-server's history service sends back (JSON on the requester's inbox).

/** Header a client may set on a chat message so it can later ask whether it was stored. */
export const MSG_ID_HEADER = 'Kez-Msg-Id';

export interface HistoryEntry {
  seq: number;
  /** Unix milliseconds (the server's receive time). */
  ts: number;
  room: string;
  /** The sender, taken from the subject the server let it publish on. */
  identity: string;
  text: string;
  /** The sender's `Kez-Msg-Id`, when it set one. */
  id?: string;
}

export interface HistoryReply {
  room: string;
  messages: HistoryEntry[];
}

/** A history request: the last `limit` messages of the room, or (`own`) the requester's own
 *  last stored message there, which is how a sender learns whether a message was stored. */
export interface HistoryRequest {
  limit?: number;
  own?: boolean;
}

export const HISTORY_DEFAULT = 50;
export const HISTORY_MAX = 500;

import type { NostrRelay } from '@nostr-relay/core';
import type { EventRepositorySqlite } from '@nostr-relay/event-repository-sqlite';

export interface RunningRelay {
  /** ws://127.0.0.1:<port> */
  url: string;
  relay: NostrRelay;
  /** The relay's storage: tests write to it directly to play a relay that skips validation. */
  repository: EventRepositorySqlite;
  stop(): Promise<void>;
}
/** defaultLimit: events per REQ without a limit (default 100); any limit is capped at 10 × it. */
export function startRelay(opts?: { defaultLimit?: number }): Promise<RunningRelay>;
export interface RunningPeer {
  url: string;
  stop(): Promise<void>;
}
/** A WebSocket server that never answers: a relay that hangs. */
export function startSilentRelay(): Promise<RunningPeer>;
/** A hostile relay: answers every REQ with `events` and EOSE, whatever the filter asked for. */
export function startHostileRelay(events: unknown[]): Promise<RunningPeer>;

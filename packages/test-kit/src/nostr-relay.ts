// A real nostr relay (@nostr-relay/core + SQLite in memory + the zod validator) on loopback,
// for the tests and the demo; and two hostile relays (one silent, one answering anything).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NostrRelay } from '@nostr-relay/core';
import { EventRepositorySqlite } from '@nostr-relay/event-repository-sqlite';
import { Validator } from '@nostr-relay/validator';
import { type WebSocket, WebSocketServer } from 'ws';

export interface RunningPeer {
  url: string;
  stop(): Promise<void>;
}

export interface RunningRelay extends RunningPeer {
  /** ws://127.0.0.1:<port> */
  url: string;
  relay: NostrRelay;
  /** The relay's storage: tests write to it directly to play a relay that skips validation. */
  repository: EventRepositorySqlite;
}

/**
 * defaultLimit: events per REQ without a limit (default 100); the relay caps any limit at
 * 10 × this, so a small value forces paging. rejectOlderThanSeconds: refuse events whose
 * created_at is further back, like strfry's `rejectEventsOlderThanSeconds` (default 3 years,
 * https://github.com/hoytech/strfry/blob/master/strfry.conf) or nostr-relay's 1 year.
 */
export async function startRelay(
  opts: { defaultLimit?: number; rejectOlderThanSeconds?: number } = {},
): Promise<RunningRelay> {
  const repo = new EventRepositorySqlite(
    ':memory:',
    opts.defaultLimit === undefined ? {} : { defaultLimit: opts.defaultLimit },
  );
  await repo.init();
  // No 1-second filter-result cache: tests read right after they write.
  const relay = new NostrRelay(repo, { filterResultCacheTtl: 0 });
  const maxAge = opts.rejectOlderThanSeconds;
  if (maxAge !== undefined)
    relay.register({
      beforeHandleEvent: (event) =>
        event.created_at < Math.floor(Date.now() / 1000) - maxAge
          ? { canHandle: false, message: 'invalid: created_at too early' }
          : { canHandle: true },
    });
  const validator = new Validator();
  const server = await startWsServer((ws) => {
    relay.handleConnection(ws);
    ws.on('message', (data) => {
      validator
        .validateIncomingMessage(data)
        .then((message) => relay.handleMessage(ws, message))
        // The validator rejects malformed messages; NIP-01 says to answer with a NOTICE.
        .catch((err: unknown) =>
          ws.send(JSON.stringify(['NOTICE', err instanceof Error ? err.message : String(err)])),
        );
    });
    ws.on('close', () => relay.handleDisconnect(ws));
    ws.on('error', () => ws.terminate());
  });
  return {
    url: server.url,
    relay,
    repository: repo,
    async stop() {
      await server.stop();
      await relay.destroy();
      await repo.destroy();
    },
  };
}

/** A WebSocket server that accepts connections and never says a word: a relay that hangs. */
export function startSilentRelay(): Promise<RunningPeer> {
  return startWsServer(() => {});
}

/** A hostile relay: answers every REQ with `events` and EOSE, whatever the filter asked for. */
export function startHostileRelay(events: unknown[]): Promise<RunningPeer> {
  return startWsServer((ws) =>
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data));
      if (msg[0] !== 'REQ') return;
      for (const e of events) ws.send(JSON.stringify(['EVENT', msg[1], e]));
      ws.send(JSON.stringify(['EOSE', msg[1]]));
    }),
  );
}

async function startWsServer(onConnection: (ws: WebSocket) => void): Promise<RunningPeer> {
  const http = createServer();
  const wss = new WebSocketServer({ server: http });
  wss.on('connection', onConnection);
  await listen(http, 0);
  const { port } = http.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    async stop() {
      for (const ws of wss.clients) ws.terminate();
      await new Promise((r) => wss.close(() => r(undefined)));
      await new Promise((r) => http.close(() => r(undefined)));
    },
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

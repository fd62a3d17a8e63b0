// A real nostr relay (@nostr-relay/core + SQLite in memory + the zod validator) on loopback,
// with strfry's limits and NIP-11, for the tests and the demo; and hostile relays (one silent,
// one answering anything, some answering EVENT wrongly).
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
 * strfry's defaults (https://github.com/hoytech/strfry/blob/master/strfry.conf, `events` and
 * `relay` sections): events older than 3 years (`rejectEventsOlderThanSeconds = 94608000`) or
 * more than 15 min ahead (`rejectEventsNewerThanSeconds = 900`) are refused, as are events
 * whose JSON exceeds `maxEventSize = 65536` bytes; WebSocket messages over
 * `maxWebsocketPayloadSize = 131072` bytes close the connection. The refusal texts are
 * strfry's (src/events.cpp: "created_at too early", "created_at too late", "event too large").
 */
export const STRFRY_LIMITS = {
  rejectOlderThanSeconds: 94_608_000,
  rejectNewerThanSeconds: 900,
  maxEventBytes: 65_536,
  maxMessageBytes: 131_072,
};

export interface RelayOptions {
  /** Events per REQ without a limit (default 100); any limit is capped at 10 × this. */
  defaultLimit?: number;
  /** Event limits (default STRFRY_LIMITS; nostr-relay on PyPI refuses past 1 year). */
  limits?: Partial<typeof STRFRY_LIMITS>;
  /**
   * Who may write: anyone (default); only `knownKeys` (hex pubkeys), refused with
   * `restricted:` (NIP-01 OK prefixes); or only after NIP-42 AUTH, refused `auth-required:`.
   */
  writes?: 'open' | { knownKeys: string[] } | 'auth';
}

/**
 * A real relay with strfry's limits, its NIP-11 document (GET with
 * `Accept: application/nostr+json`, https://github.com/nostr-protocol/nips/blob/master/11.md)
 * advertising them under `limitation`, and an optional write policy.
 */
export async function startRelay(opts: RelayOptions = {}): Promise<RunningRelay> {
  const limits = { ...STRFRY_LIMITS, ...opts.limits };
  const writes = opts.writes ?? 'open';
  const repo = new EventRepositorySqlite(
    ':memory:',
    opts.defaultLimit === undefined ? {} : { defaultLimit: opts.defaultLimit },
  );
  await repo.init();
  // No 1-second filter-result cache: tests read right after they write. A hostname turns on
  // the core's NIP-42 (an AUTH challenge on connect, AUTH events checked against it).
  const relay = new NostrRelay(repo, {
    filterResultCacheTtl: 0,
    ...(writes === 'auth' ? { hostname: 'relay.kez.test' } : {}),
  });
  const known = typeof writes === 'object' ? new Set(writes.knownKeys) : null;
  relay.register({
    beforeHandleEvent: (event) => {
      const now = Math.floor(Date.now() / 1000);
      const refuse = (message: string) => ({ canHandle: false, message });
      if (Buffer.byteLength(JSON.stringify(event)) > limits.maxEventBytes)
        return refuse('invalid: event too large');
      if (event.created_at < now - limits.rejectOlderThanSeconds)
        return refuse('invalid: created_at too early');
      if (event.created_at > now + limits.rejectNewerThanSeconds)
        return refuse('invalid: created_at too late');
      if (known && !known.has(event.pubkey))
        return refuse('restricted: this relay accepts events only from its members');
      return { canHandle: true };
    },
  });
  const info = {
    name: 'kez test relay',
    software: '@nostr-relay/core',
    supported_nips: [1, 11, ...(writes === 'auth' ? [42] : [])],
    limitation: {
      max_message_length: limits.maxMessageBytes,
      max_content_length: limits.maxEventBytes,
      created_at_lower_limit: limits.rejectOlderThanSeconds,
      created_at_upper_limit: limits.rejectNewerThanSeconds,
      auth_required: writes === 'auth',
      restricted_writes: writes !== 'open',
    },
  };
  const validator = new Validator();
  const server = await startWsServer(
    (ws) => {
      relay.handleConnection(ws);
      ws.on('message', (data) => {
        validator
          .validateIncomingMessage(data)
          .then((message) => {
            if (message[0] === 'EVENT' && writes === 'auth' && !relay.isAuthorized(ws)) {
              const id = (message[1] as { id: string }).id;
              const why = 'auth-required: this relay accepts events only after NIP-42 AUTH';
              return void ws.send(JSON.stringify(['OK', id, false, why]));
            }
            return relay.handleMessage(ws, message);
          })
          // The validator rejects malformed messages; NIP-01 says to answer with a NOTICE.
          .catch((err: unknown) =>
            ws.send(JSON.stringify(['NOTICE', err instanceof Error ? err.message : String(err)])),
          );
      });
      ws.on('close', () => relay.handleDisconnect(ws));
      ws.on('error', () => ws.terminate());
    },
    { info, maxPayload: limits.maxMessageBytes },
  );
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

/** How a relay that is not a relay answers EVENT (see startOkRelay). */
export type OkMode = 'empty-id' | 'other-id' | 'no-ok' | 'notice-only';

/**
 * A broken relay for publishing: answers REQ with EOSE, and EVENT with an OK whose event id
 * is empty or another event's, with nothing at all, or with only a NOTICE.
 */
export function startOkRelay(mode: OkMode): Promise<RunningPeer> {
  return startWsServer((ws) =>
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data));
      if (msg[0] === 'REQ') return void ws.send(JSON.stringify(['EOSE', msg[1]]));
      if (msg[0] !== 'EVENT') return;
      if (mode === 'empty-id') ws.send(JSON.stringify(['OK', '', false, 'error: bad event']));
      if (mode === 'other-id') ws.send(JSON.stringify(['OK', 'ab'.repeat(32), true, '']));
      if (mode === 'notice-only') ws.send(JSON.stringify(['NOTICE', 'invalid: event too large']));
    }),
  );
}

async function startWsServer(
  onConnection: (ws: WebSocket) => void,
  opts: { info?: unknown; maxPayload?: number } = {},
): Promise<RunningPeer> {
  // NIP-11: the relay's own URL over HTTP answers the information document.
  const http = createServer((req, res) => {
    if (opts.info && String(req.headers.accept).includes('application/nostr+json')) {
      res.writeHead(200, {
        'content-type': 'application/nostr+json',
        'access-control-allow-origin': '*',
      });
      return void res.end(JSON.stringify(opts.info));
    }
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({
    server: http,
    ...(opts.maxPayload ? { maxPayload: opts.maxPayload } : {}),
  });
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

// Runs the real chat-server in-process against the run's nats-server and sig-server, with
// its structured log captured, and connects KEZ clients with login tokens.
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { DEFAULTS, startServer, type ServerConfig } from '@kez/sig-server';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Signer } from '@kez/core';
import { buildLoginToken, inboxPrefix } from '@kez/chat-client';
import {
  createLogger,
  startChatServer,
  type ChatServer,
  type ChatServerConfig,
} from '../../src/index.js';

export const AUDIENCE = 'chat.kez.test';

export interface RunningChat {
  server: ChatServer;
  logs: Array<Record<string, unknown>>;
  raw: string[];
  stop(): Promise<void>;
}

export function chatConfig(over: Partial<ChatServerConfig> = {}): ChatServerConfig {
  const s = inject('natsSecrets');
  return {
    natsUrl: inject('natsUrl'),
    calloutUser: 'auth',
    calloutPass: s.calloutPass,
    appUser: 'kezchat',
    appPass: s.appPass,
    issuerSeed: s.issuerSeed,
    ...(s.xkeySeed ? { xkeySeed: s.xkeySeed } : {}),
    audience: AUDIENCE,
    account: 'APP',
    sigServerUrl: inject('sigUrl'),
    sigServerTimeoutMs: 1500,
    // The run's sig-server is on loopback: the explicit opt-in a same-host deployment sets.
    sigServerAccess: { allowHttp: true, allowPrivate: true, allowLoopback: true },
    jwtTtlSec: 300,
    rooms: '*',
    maxPayload: 4096,
    stream: 'KEZCHAT',
    historyMaxAgeSec: 3600,
    historyMaxMsgs: 10_000,
    historyMaxBytes: 16 << 20,
    historyMaxPerMember: 1000,
    nonceMaxBytes: 4 << 20,
    headsMaxBytes: 4 << 20,
    authDeadlineMs: 2500,
    maxConcurrentLogins: 32,
    loginQueue: 256,
    logLevel: 'debug',
    ...over,
  };
}

export async function runChat(over: Partial<ChatServerConfig> = {}): Promise<RunningChat> {
  const logs: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  const log = createLogger({
    level: 'debug',
    write: (line) => {
      raw.push(line);
      logs.push(JSON.parse(line));
    },
  });
  const server = await startChatServer(chatConfig(over), log);
  return { server, logs, raw, stop: () => server.stop() };
}

export async function connectWithToken(
  token: string,
  opts: { reconnect?: boolean; identity?: string } = {},
): Promise<NatsConnection> {
  return connect({
    servers: inject('natsUrl'),
    token,
    reconnect: opts.reconnect ?? false,
    timeout: 5_000,
    ...(opts.identity ? { inboxPrefix: inboxPrefix(opts.identity) } : {}),
  });
}

export async function login(
  signer: Signer,
  identity: string,
  audience = AUDIENCE,
): Promise<NatsConnection> {
  return connectWithToken(buildLoginToken(signer, identity, audience), { identity });
}

/** Waits until `pred` holds or the deadline passes. */
export async function until(pred: () => boolean | Promise<boolean>, ms = 5_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return pred();
}

/** A real sig-server of its own (SQLite in `dataDir`, or a fresh temp dir), with the production
 *  defaults unless `over` says otherwise — the rate limit included. */
export async function startSigServer(
  over: Partial<ServerConfig> = {},
): Promise<{ url: string; dataDir: string; close(): Promise<void> }> {
  const dataDir = over.dataDir ?? mkdtempSync(join(tmpdir(), 'kez-chat-own-sig-'));
  const sig = await startServer({
    ...DEFAULTS,
    host: '127.0.0.1',
    port: 0,
    logLevel: 'silent',
    ...over,
    dataDir,
  });
  return { url: sig.url, dataDir, close: () => sig.close() };
}

/** An HTTP proxy to `target` that holds every request `delayMs` first: a slow network path
 *  to the real sig-server. */
export async function delayingProxy(
  target: string,
  delayMs: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const proxy = createServer((req, res) => {
    setTimeout(() => {
      fetch(`${target}${req.url}`, { headers: req.headers as Record<string, string> })
        .then(async (r) => {
          res.writeHead(r.status, Object.fromEntries(r.headers));
          res.end(Buffer.from(await r.arrayBuffer()));
        })
        .catch(() => res.destroy());
    }, delayMs);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const { port } = proxy.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      proxy.closeAllConnections();
      await new Promise((r) => proxy.close(r));
    },
  };
}

/** chat-server's own user in the app account: what an operator would use to inspect streams. */
export function appConnection(natsUrl = inject('natsUrl')): Promise<NatsConnection> {
  return connect({
    servers: natsUrl,
    user: 'kezchat',
    pass: inject('natsSecrets').appPass,
    reconnect: false,
  });
}

/** Messages nats-server has delivered to chat-server's app connection (monitoring /connz). */
export async function deliveredToChatServer(): Promise<number> {
  const res = await fetch(`${inject('natsMonitorUrl')}/connz?limit=1024`);
  const connz = (await res.json()) as {
    connections: Array<{ name?: string; out_msgs: number }>;
  };
  return connz.connections
    .filter((c) => c.name === 'kez-chat-server/app')
    .reduce((n, c) => n + c.out_msgs, 0);
}

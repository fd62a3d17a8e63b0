// Runs the real chat-server in-process against the run's nats-server and sig-server, with
// its structured log captured, and connects KEZ clients with login tokens.
import { inject } from 'vitest';
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
    maxSubs: 64,
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

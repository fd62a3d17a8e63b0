// chat-server configuration from the environment. Secrets (nkey seeds, passwords) may come
// from files (`NAME_FILE`, e.g. Docker/Kubernetes secrets) and are never logged.
import { readFileSync } from 'node:fs';
import { isRoomName } from './subjects.js';
import type { Level } from './log.js';

export interface ChatServerConfig {
  natsUrl: string;
  calloutUser: string;
  calloutPass: string;
  appUser: string;
  appPass: string;
  /** Account nkey seed (SA…): signs authorization responses and user JWTs. */
  issuerSeed: string;
  /** Curve nkey seed (SX…), when the server's auth_callout block sets `xkey`. */
  xkeySeed?: string;
  /** This deployment's name in login assertions (SPEC §7 `audience`). */
  audience: string;
  /** Target account for admitted users. */
  account: string;
  sigServerUrl: string;
  sigServerTimeoutMs: number;
  jwtTtlSec: number;
  rooms: '*' | string[];
  maxPayload: number;
  stream: string;
  historyMaxAgeSec: number;
  historyMaxMsgs: number;
  logLevel: Level;
}

export const ENV_HELP = `kez-chat-server — NATS auth callout admitting clients by their KEZ identity.
Environment (a NAME_FILE variant is read for every secret):
  NATS_URL                   the operator's NATS (required), e.g. nats://nats.internal:4222
  KEZ_CHAT_AUDIENCE          this deployment's login audience (required), e.g. chat.example.org
  SIG_SERVER_URL             the sig-server holding members' sigchains (required)
  KEZ_CHAT_ISSUER_SEED       account nkey seed SA…; its public key is auth_callout.issuer (secret)
  KEZ_CHAT_XKEY_SEED         curve seed SX…, when auth_callout.xkey is set (secret, optional)
  KEZ_CHAT_CALLOUT_USER/PASS the auth_users entry chat-server connects as (default user "auth")
  KEZ_CHAT_APP_USER/PASS     chat-server's own user in the app account (default user "kezchat")
  KEZ_CHAT_ACCOUNT           account admitted users land in (default APP)
  KEZ_CHAT_JWT_TTL           user JWT lifetime in seconds (default 900)
  KEZ_CHAT_ROOMS             comma-separated rooms, or * for any (default *)
  KEZ_CHAT_MAX_PAYLOAD       largest chat message in bytes (default 4096)
  KEZ_CHAT_STREAM            JetStream stream for history (default KEZCHAT)
  KEZ_CHAT_HISTORY_MAX_AGE   seconds of history kept (default 2592000 = 30 days)
  KEZ_CHAT_HISTORY_MAX_MSGS  messages kept (default 1000000)
  KEZ_CHAT_SIG_TIMEOUT_MS    sig-server read timeout (default 1500; keep below the NATS auth timeout)
  KEZ_CHAT_LOG_LEVEL         debug|info|warn|error (default info)`;

type Env = Record<string, string | undefined>;

function get(env: Env, name: string, opts: { secret?: boolean; fallback?: string } = {}): string | undefined {
  const file = opts.secret ? env[`${name}_FILE`] : undefined;
  if (file) return readFileSync(file, 'utf8').trim();
  const v = env[name];
  return v === undefined || v === '' ? opts.fallback : v;
}

function required(env: Env, name: string, secret = false): string {
  const v = get(env, name, { secret });
  if (v === undefined) throw new Error(`${name}${secret ? ` (or ${name}_FILE)` : ''} is required`);
  return v;
}

function int(env: Env, name: string, fallback: number, min: number): number {
  const v = get(env, name);
  if (v === undefined) return fallback;
  if (!/^\d{1,12}$/.test(v) || Number(v) < min) throw new Error(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  return Number(v);
}

export function loadConfig(env: Env): ChatServerConfig {
  const rooms = get(env, 'KEZ_CHAT_ROOMS', { fallback: '*' })!;
  const roomList = rooms === '*' ? '*' : rooms.split(',').map((r) => r.trim()).filter(Boolean);
  if (roomList !== '*') {
    const bad = roomList.find((r) => !isRoomName(r));
    if (bad !== undefined || roomList.length === 0) throw new Error(`KEZ_CHAT_ROOMS: bad room name ${JSON.stringify(bad ?? '')}`);
  }
  const level = get(env, 'KEZ_CHAT_LOG_LEVEL', { fallback: 'info' })!;
  if (!['debug', 'info', 'warn', 'error'].includes(level)) throw new Error(`KEZ_CHAT_LOG_LEVEL: unknown level ${JSON.stringify(level)}`);
  const issuerSeed = required(env, 'KEZ_CHAT_ISSUER_SEED', true);
  if (!issuerSeed.startsWith('SA')) throw new Error('KEZ_CHAT_ISSUER_SEED must be an account nkey seed (SA…)');
  const xkeySeed = get(env, 'KEZ_CHAT_XKEY_SEED', { secret: true });
  if (xkeySeed !== undefined && !xkeySeed.startsWith('SX')) throw new Error('KEZ_CHAT_XKEY_SEED must be a curve nkey seed (SX…)');
  return {
    natsUrl: required(env, 'NATS_URL'),
    calloutUser: get(env, 'KEZ_CHAT_CALLOUT_USER', { fallback: 'auth' })!,
    calloutPass: required(env, 'KEZ_CHAT_CALLOUT_PASS', true),
    appUser: get(env, 'KEZ_CHAT_APP_USER', { fallback: 'kezchat' })!,
    appPass: required(env, 'KEZ_CHAT_APP_PASS', true),
    issuerSeed,
    ...(xkeySeed !== undefined ? { xkeySeed } : {}),
    audience: required(env, 'KEZ_CHAT_AUDIENCE'),
    account: get(env, 'KEZ_CHAT_ACCOUNT', { fallback: 'APP' })!,
    sigServerUrl: required(env, 'SIG_SERVER_URL'),
    sigServerTimeoutMs: int(env, 'KEZ_CHAT_SIG_TIMEOUT_MS', 1500, 1),
    jwtTtlSec: int(env, 'KEZ_CHAT_JWT_TTL', 900, 1),
    rooms: roomList,
    maxPayload: int(env, 'KEZ_CHAT_MAX_PAYLOAD', 4096, 1),
    stream: get(env, 'KEZ_CHAT_STREAM', { fallback: 'KEZCHAT' })!,
    historyMaxAgeSec: int(env, 'KEZ_CHAT_HISTORY_MAX_AGE', 30 * 24 * 3600, 1),
    historyMaxMsgs: int(env, 'KEZ_CHAT_HISTORY_MAX_MSGS', 1_000_000, 1),
    logLevel: level as Level,
  };
}

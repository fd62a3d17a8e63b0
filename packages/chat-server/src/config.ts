// chat-server configuration from the environment. Secrets (nkey seeds, passwords) may come
// from files (`NAME_FILE`, e.g. Docker/Kubernetes secrets) and are never logged.
import { readFileSync } from 'node:fs';
import { isRoomName } from '@kez/chat-client';
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
  /** Address opt-ins of the fetcher that reads SIG_SERVER_URL (and nothing else). It follows
   *  same-origin redirects only; link-local and cloud-metadata addresses stay refused. */
  sigServerAccess: { allowHttp: boolean; allowPrivate: boolean; allowLoopback: boolean };
  jwtTtlSec: number;
  rooms: '*' | string[];
  maxPayload: number;
  stream: string;
  historyMaxAgeSec: number;
  historyMaxMsgs: number;
  /** Bytes of history in all (a JetStream reservation). */
  historyMaxBytes: number;
  /** Messages kept per member per room: a member's flood pushes out only their own. */
  historyMaxPerMember: number;
  /** Byte budgets of the nonce ledger and the head memory streams (their own reservations). */
  nonceMaxBytes: number;
  headsMaxBytes: number;
  /** Answer every callout within this many ms (below the broker's authorization timeout). */
  authDeadlineMs: number;
  /** Logins checked at once; more wait (up to loginQueue), the rest are shed. */
  maxConcurrentLogins: number;
  loginQueue: number;
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
  KEZ_CHAT_MAX_PAYLOAD       largest chat message stored, in bytes (default 4096)
  KEZ_CHAT_STREAM            JetStream stream for history (default KEZCHAT)
  KEZ_CHAT_HISTORY_MAX_AGE   seconds of history kept (default 2592000 = 30 days)
  KEZ_CHAT_HISTORY_MAX_MSGS  messages kept (default 1000000)
  KEZ_CHAT_HISTORY_MAX_BYTES bytes of history kept (default 1073741824 = 1 GiB)
  KEZ_CHAT_HISTORY_PER_MEMBER messages kept per member per room (default 1000)
  KEZ_CHAT_NONCE_MAX_BYTES   nonce ledger budget (default 67108864 = 64 MiB; its own reservation)
  KEZ_CHAT_HEADS_MAX_BYTES   seen-heads budget (default 67108864 = 64 MiB; its own reservation)
  KEZ_CHAT_SIG_TIMEOUT_MS    budget of one whole chain read, all pages (default 1500)
  KEZ_CHAT_AUTH_DEADLINE_MS  answer each login within this (default 1800; keep below the
                             broker's authorization timeout, 2 s by default)
  KEZ_CHAT_MAX_LOGINS        logins checked at once (default 32)
  KEZ_CHAT_LOGIN_QUEUE       logins waiting beyond those (default 256); the rest are refused
  KEZ_CHAT_SIG_ALLOW_HTTP    1|0: SIG_SERVER_URL may be plain http:// (default 1, a compose network)
  KEZ_CHAT_SIG_ALLOW_PRIVATE 1|0: SIG_SERVER_URL may resolve to a private address, RFC 1918 or
                             IPv6 unique-local (default 1, a compose network); link-local and
                             cloud-metadata addresses are refused whatever this says
  KEZ_CHAT_SIG_ALLOW_LOOPBACK 1|0: SIG_SERVER_URL may be on loopback, sig-server on the same
                             host (default 0)
  KEZ_CHAT_LOG_LEVEL         debug|info|warn|error (default info)`;

type Env = Record<string, string | undefined>;

function get(
  env: Env,
  name: string,
  opts: { secret?: boolean; fallback?: string } = {},
): string | undefined {
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
  if (!/^\d{1,12}$/.test(v) || Number(v) < min)
    throw new Error(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  return Number(v);
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const v = get(env, name);
  if (v === undefined) return fallback;
  if (v === '1' || v === 'true') return true;
  if (v === '0' || v === 'false') return false;
  throw new Error(`${name} must be 1 or 0, got ${JSON.stringify(v)}`);
}

/** Fails at startup, not at every login, on a SIG_SERVER_URL the fetcher would refuse anyway. */
function sigServerUrl(env: Env, allowHttp: boolean): string {
  const v = required(env, 'SIG_SERVER_URL');
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new Error(`SIG_SERVER_URL is not a URL: ${JSON.stringify(v)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error('SIG_SERVER_URL must be an http(s) URL');
  if (url.protocol === 'http:' && !allowHttp)
    throw new Error('SIG_SERVER_URL is http:// but KEZ_CHAT_SIG_ALLOW_HTTP=0');
  if (url.username || url.password) throw new Error('SIG_SERVER_URL must not carry credentials');
  return v;
}

export function loadConfig(env: Env): ChatServerConfig {
  const rooms = get(env, 'KEZ_CHAT_ROOMS', { fallback: '*' })!;
  const roomList =
    rooms === '*'
      ? '*'
      : rooms
          .split(',')
          .map((r) => r.trim())
          .filter(Boolean);
  if (roomList !== '*') {
    const bad = roomList.find((r) => !isRoomName(r));
    if (bad !== undefined || roomList.length === 0)
      throw new Error(`KEZ_CHAT_ROOMS: bad room name ${JSON.stringify(bad ?? '')}`);
  }
  const level = get(env, 'KEZ_CHAT_LOG_LEVEL', { fallback: 'info' })!;
  if (!['debug', 'info', 'warn', 'error'].includes(level))
    throw new Error(`KEZ_CHAT_LOG_LEVEL: unknown level ${JSON.stringify(level)}`);
  const issuerSeed = required(env, 'KEZ_CHAT_ISSUER_SEED', true);
  if (!issuerSeed.startsWith('SA'))
    throw new Error('KEZ_CHAT_ISSUER_SEED must be an account nkey seed (SA…)');
  const sigServerAccess = {
    allowHttp: flag(env, 'KEZ_CHAT_SIG_ALLOW_HTTP', true),
    allowPrivate: flag(env, 'KEZ_CHAT_SIG_ALLOW_PRIVATE', true),
    allowLoopback: flag(env, 'KEZ_CHAT_SIG_ALLOW_LOOPBACK', false),
  };
  const xkeySeed = get(env, 'KEZ_CHAT_XKEY_SEED', { secret: true });
  if (xkeySeed !== undefined && !xkeySeed.startsWith('SX'))
    throw new Error('KEZ_CHAT_XKEY_SEED must be a curve nkey seed (SX…)');
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
    sigServerUrl: sigServerUrl(env, sigServerAccess.allowHttp),
    sigServerTimeoutMs: int(env, 'KEZ_CHAT_SIG_TIMEOUT_MS', 1500, 1),
    sigServerAccess,
    jwtTtlSec: int(env, 'KEZ_CHAT_JWT_TTL', 900, 1),
    rooms: roomList,
    maxPayload: int(env, 'KEZ_CHAT_MAX_PAYLOAD', 4096, 1),
    stream: get(env, 'KEZ_CHAT_STREAM', { fallback: 'KEZCHAT' })!,
    historyMaxAgeSec: int(env, 'KEZ_CHAT_HISTORY_MAX_AGE', 30 * 24 * 3600, 1),
    historyMaxMsgs: int(env, 'KEZ_CHAT_HISTORY_MAX_MSGS', 1_000_000, 1),
    historyMaxBytes: int(env, 'KEZ_CHAT_HISTORY_MAX_BYTES', 1 << 30, 1 << 20),
    historyMaxPerMember: int(env, 'KEZ_CHAT_HISTORY_PER_MEMBER', 1000, 1),
    nonceMaxBytes: int(env, 'KEZ_CHAT_NONCE_MAX_BYTES', 64 << 20, 1 << 20),
    headsMaxBytes: int(env, 'KEZ_CHAT_HEADS_MAX_BYTES', 64 << 20, 1 << 20),
    authDeadlineMs: int(env, 'KEZ_CHAT_AUTH_DEADLINE_MS', 1800, 100),
    maxConcurrentLogins: int(env, 'KEZ_CHAT_MAX_LOGINS', 32, 1),
    loginQueue: int(env, 'KEZ_CHAT_LOGIN_QUEUE', 256, 0),
    logLevel: level as Level,
  };
}

// Logging in with KEZ from any NATS client: the CONNECT `auth_token` carries a fresh login
// assertion (SPEC §7) in the JSON encoding (SPEC §8.1). chat-server also accepts the compact
// encoding (§8.2). The chain is looked up on the deployment's own sig-server, never at a
// place the client names.
import { createLogin, encodeJson, type Signer } from '@kez/core';
import { inboxPrefix } from './subjects.js';
import {
  connect,
  tokenAuthenticator,
  type Authenticator,
  type NatsConnection,
} from '@nats-io/transport-node';

/** Default assertion lifetime: long enough for a slow connect, short enough to be useless later. */
export const LOGIN_LIFETIME_SEC = 60;

export interface LoginTokenOptions {
  /** Unix seconds (default: the system clock). */
  now?: number;
  /** Seconds until the assertion expires (1–300, default 60). */
  lifetimeSec?: number;
}

/** A single-use login token for `audience` (the chat deployment's name). */
export function buildLoginToken(
  signer: Signer,
  identity: string,
  audience: string,
  opts: LoginTokenOptions = {},
): string {
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const login = createLogin(
    {
      identity,
      audience,
      created_at: now,
      expires_at: now + (opts.lifetimeSec ?? LOGIN_LIFETIME_SEC),
    },
    signer,
  );
  return encodeJson(login);
}

/** A NATS authenticator that signs a fresh token for every (re)connect: tokens are single use. */
export function kezAuthenticator(
  signer: Signer,
  identity: string,
  audience: string,
): Authenticator {
  return tokenAuthenticator(() => buildLoginToken(signer, identity, audience));
}

/** Connects to a KEZ chat deployment's NATS, logging in as `identity` with `signer`. Replies
 *  come to the identity's own inbox space (_INBOX_<hex>), the only one it may subscribe to. */
export function connectChat(p: {
  servers: string | string[];
  signer: Signer;
  identity: string;
  audience: string;
  name?: string;
}): Promise<NatsConnection> {
  return connect({
    servers: p.servers,
    inboxPrefix: inboxPrefix(p.identity),
    authenticator: kezAuthenticator(p.signer, p.identity, p.audience),
    name: p.name ?? 'kez-chat-client',
    maxReconnectAttempts: 10,
  });
}
